"""The local providers' modules depend on each other one way only: models,
then views, then the server that owns the app (a reader finds each part in
its own file)."""
import ast
import os

import authomatic_extras.testing as testing

PACKAGE = os.path.dirname(testing.__file__)


def relative_imports(path):
    """Modules of the package a module imports, at any depth of its code."""
    with open(path) as source:
        tree = ast.parse(source.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module)
            else:
                found.update(alias.name for alias in node.names)
    return found


def import_graph():
    modules = [name[:-3] for name in os.listdir(PACKAGE) if name.endswith('.py')]
    return {module: relative_imports(os.path.join(PACKAGE, module + '.py')) & set(modules)
            for module in modules}


def test_no_import_cycles():
    graph = import_graph()
    done, path = set(), []

    def visit(module):
        assert module not in path, 'import cycle: ' + ' -> '.join(path + [module])
        if module in done:
            return
        path.append(module)
        for imported in graph[module]:
            visit(imported)
        path.pop()
        done.add(module)

    for module in graph:
        visit(module)


def test_models_views_server_layers():
    graph = import_graph()
    for protocol in ('oauth1', 'oauth2'):
        models, views, server = (protocol + '_models', protocol + '_views',
                                 protocol + '_server')
        assert graph[models] == set(), models + ' imports nothing of the package'
        assert models in graph[views] and server not in graph[views]
        assert {models, views} <= graph[server]
    assert 'openid_server' not in graph['openid_views']
    assert 'openid_views' in graph['openid_server']
