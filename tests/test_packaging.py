"""Packaging hygiene: what we build, what it declares, what it needs, lint.

One ``python -m build`` per session (sdist, then the wheel built *from the
sdist*, in build's isolated environment, from a copy of the tree so nothing is
written into the working tree). Each test below guards one promise of
docs/development.md; the checks that could silently pass for the wrong reason
(vermin's flags, the ``tests`` package rules) first prove on a planted
violation that they do fail.

Needs ``build``, ``twine``, ``ruff`` and ``vermin`` (the ``[test]`` extra).
"""
import ast
import email.parser
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OUR_TESTS = REPO / 'tests'

# Copied for the build when the tree is not a git checkout (else: git's list).
_COPY_IGNORE = shutil.ignore_patterns(
    '.git', 'build', 'dist', '*.egg-info', '__pycache__', '.pytest_cache', '.nox',
    '.venv', '.ruff_cache', '.mypy_cache', '.benchmarks', 'node_modules',
    'test-artifacts', 'out', '.py27')

# Top-level names the wheel may install: our package and its dist-info.
PACKAGE = 'authomatic_extras'


def _run(command, **kwargs):
    kwargs.setdefault('timeout', 300)
    proc = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    return proc


def _require_module(name, extra_hint='the [test] extra'):
    if importlib.util.find_spec(name) is None:
        pytest.fail(f'{name} is not installed: pip install -e ".[test]" ({extra_hint})')


def _console_script(name):
    script = Path(sys.executable).with_name(name)
    found = str(script) if script.exists() else shutil.which(name)
    if not found:
        pytest.fail(f'{name} is not installed: pip install -e ".[test]"')
    return found


def _copy_source(dest):
    """The files a fresh clone would have (plus untracked, not-ignored ones)."""
    listed = None
    if (REPO / '.git').exists() and shutil.which('git'):
        proc = _run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                    cwd=str(REPO))
        if proc.returncode == 0:
            listed = [name for name in proc.stdout.split('\0') if name]
    if listed is None:
        shutil.copytree(str(REPO), str(dest), ignore=_COPY_IGNORE)
        return
    for name in listed:
        source = REPO / name
        if not source.is_file():  # deleted in the tree, not yet in git
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(str(source), str(target))


class Built:
    def __init__(self, source, sdist, wheel):
        self.source = source
        self.sdist = sdist
        self.wheel = wheel
        with zipfile.ZipFile(str(wheel)) as archive:
            self.names = archive.namelist()
            self.dist_info = next(name.split('/')[0] for name in self.names
                                  if name.split('/')[0].endswith('.dist-info'))
            self.metadata = email.parser.Parser().parsestr(
                archive.read(self.dist_info + '/METADATA').decode('utf-8'))
            self.entry_points = archive.read(
                self.dist_info + '/entry_points.txt').decode('utf-8')
            self.top_level = archive.read(
                self.dist_info + '/top_level.txt').decode('utf-8').split()


@pytest.fixture(scope='session')
def built(tmp_path_factory):
    """sdist + wheel of the current tree, built once per session."""
    _require_module('build')
    root = tmp_path_factory.mktemp('packaging')
    source = root / 'src'
    _copy_source(source)
    out = root / 'dist'
    proc = _run([sys.executable, '-m', 'build', '--outdir', str(out), str(source)],
                env=dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK='1'))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    sdists = sorted(out.glob('*.tar.gz'))
    wheels = sorted(out.glob('*.whl'))
    assert len(sdists) == 1 and len(wheels) == 1, sorted(p.name for p in out.iterdir())
    return Built(source, sdists[0], wheels[0])


@pytest.fixture(scope='session')
def unpacked_wheel(built, tmp_path_factory):
    target = tmp_path_factory.mktemp('wheel')
    with zipfile.ZipFile(str(built.wheel)) as archive:
        archive.extractall(str(target))
    return target


# --- build and twine --------------------------------------------------------

def test_twine_check_passes_on_sdist_and_wheel(built):
    _require_module('twine')
    proc = _run([sys.executable, '-m', 'twine', 'check', '--strict',
                 str(built.sdist), str(built.wheel)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count('PASSED') == 2, proc.stdout


# --- what the wheel contains ------------------------------------------------

def test_wheel_installs_only_authomatic_extras(built):
    top = {name.split('/')[0] for name in built.names}
    assert top == {PACKAGE, built.dist_info}, sorted(top)
    assert built.top_level == [PACKAGE]
    # The names the authomatic 1.3.0 wheel (tests) or a careless
    # find_packages() (benchmarks, legacy_examples, gae) would leak.
    for leak in ('tests', 'benchmarks', 'legacy_examples', 'gae', 'typings', 'docs'):
        assert not any(name.split('/')[0] == leak for name in built.names), leak


def test_wheel_has_every_source_module_gae_mapped_and_py_typed(built):
    shipped = {name for name in built.names if not name.startswith(built.dist_info)}
    expected = {PACKAGE + '/py.typed'}
    # Every module of the source tree, so a new subpackage that
    # find_packages() misses (no __init__.py) fails here.
    for path in (built.source / PACKAGE).rglob('*.py'):
        expected.add(path.relative_to(built.source).as_posix())
    for path in (built.source / 'gae').rglob('*.py'):
        expected.add(PACKAGE + '/gae/' + path.relative_to(built.source / 'gae').as_posix())
    assert PACKAGE + '/gae/__init__.py' in expected
    assert sorted(expected - shipped) == []
    assert sorted(shipped - expected) == []


# --- metadata ---------------------------------------------------------------

def _minimum_python(requires_python):
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    lowest = None
    for spec in SpecifierSet(requires_python):
        if spec.operator in ('>=', '~=', '==', '==='):
            version = Version(spec.version.replace('.*', ''))
        elif spec.operator == '>':
            version = Version(spec.version)  # close enough for a floor
        else:
            continue
        lowest = version if lowest is None or version < lowest else lowest
    return lowest


def test_metadata_requires_python_extras_and_entry_point(built):
    from packaging.specifiers import SpecifierSet

    meta = built.metadata
    requires_python = meta.get('Requires-Python')
    assert requires_python, 'Requires-Python is not set (python_requires in setup.py)'
    assert _minimum_python(requires_python) is not None, requires_python
    running = '{}.{}.{}'.format(*sys.version_info[:3])
    assert SpecifierSet(requires_python).contains(running), (requires_python, running)

    extras = set(meta.get_all('Provides-Extra') or [])
    assert {'flask', 'gae', 'testing', 'test'} <= extras, sorted(extras)
    assert meta['Name'] == 'authomatic-extras'
    assert meta['Description-Content-Type'] == 'text/markdown'
    assert any(req.replace(' ', '').lower().startswith('authomatic')
               for req in meta.get_all('Requires-Dist')), meta.get_all('Requires-Dist')

    plugin = 'authomatic_extras = authomatic_extras.testing.pytest_plugin'
    section = built.entry_points.split('[pytest11]', 1)
    assert len(section) == 2, built.entry_points
    assert plugin in section[1].split('\n[')[0].splitlines(), built.entry_points
    assert PACKAGE + '/testing/pytest_plugin.py' in built.names


# --- vermin: no newer Python than declared ----------------------------------

def _vermin(target, paths, cwd):
    # --violations: report (and exit non-zero) only what needs more than the
    # target. Annotations are not evaluated: the modern modules use
    # ``from __future__ import annotations``, which Python 3.7+ never evaluates.
    command = [_console_script('vermin'), '-q', '--no-tips', '--violations',
               f'-t={target}-']
    return _run(command + [str(path) for path in paths], cwd=str(cwd), timeout=120)


def test_vermin_shipped_modules_need_no_newer_python_than_declared(built, unpacked_wheel,
                                                                   tmp_path):
    lowest = _minimum_python(built.metadata['Requires-Python'])
    target = f'{lowest.major}.{lowest.minor}'

    # The flags do fail on code newer than the target (``match`` is 3.10).
    canary = tmp_path / 'canary.py'
    canary.write_text('def f(x):\n    match x:\n        case 1:\n            return 1\n')
    proc = _vermin(target, [canary], tmp_path)
    assert proc.returncode != 0, 'vermin passed a 3.10 construct for ' + target

    # Everything the wheel installs, as installed (gae/ mapped in). The gen-1
    # files are checked against 2.7 / 3.5 by tests/gae/test_py27_compat.py;
    # here they only have to fit the declared floor like the rest.
    proc = _vermin(target, [unpacked_wheel / PACKAGE], unpacked_wheel)
    assert proc.returncode == 0, (
        'needs a newer Python than Requires-Python {!r}:\n{}{}'.format(
            built.metadata['Requires-Python'], proc.stdout, proc.stderr))


# --- our tests/ and the ``tests`` package of the authomatic wheel ----------

def _imports_of_tests_package(path):
    """(line, text) of every import that reaches a ``tests`` package."""
    found = []
    tree = ast.parse(path.read_text(encoding='utf-8'), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == 'tests' or alias.name.startswith('tests.'):
                    found.append((node.lineno, 'import ' + alias.name))
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ''
            if node.level:
                # Our test folders are no packages: a relative import only
                # works through pytest's made-up ``tests.*`` module names.
                found.append((node.lineno, 'from {}{} import ...'.format(
                    '.' * node.level, module)))
            elif module == 'tests' or module.startswith('tests.'):
                found.append((node.lineno, f'from {module} import ...'))
        elif isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, 'attr', None) or getattr(func, 'id', None)
            if (name in ('import_module', '__import__') and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                    and node.args[0].value.split('.')[0] == 'tests'):
                found.append((node.lineno, f'{name}({node.args[0].value!r})'))
    return found


def _tests_package_files(tests_root):
    return sorted(str(path.relative_to(tests_root)) for path in tests_root.rglob('__init__.py'))


def _foreign_tests_modules(modules, tests_root):
    """Entries of ``modules`` named ``tests``/``tests.*`` that are not our files."""
    root = os.path.realpath(str(tests_root))

    def ours(location):
        location = os.path.realpath(str(location))
        return location == root or location.startswith(root + os.sep)

    foreign = []
    for name, module in sorted(modules.items()):
        if name != 'tests' and not name.startswith('tests.'):
            continue
        location = getattr(module, '__file__', None)
        paths = list(getattr(module, '__path__', None) or [])
        # (Neither file nor path: an empty placeholder module made by pytest.)
        if location is not None and not ours(location):
            foreign.append((name, location))
        elif location is None and paths and not all(ours(path) for path in paths):
            foreign.append((name, paths))
    return foreign


def test_check_of_tests_package_rules_can_fail(tmp_path):
    """The three checks below, each on a planted violation."""
    root = tmp_path / 'tests'
    (root / 'flask').mkdir(parents=True)
    (root / 'flask' / '__init__.py').write_text('')
    bad = root / 'flask' / 'test_bad.py'
    bad.write_text('import tests.helpers\nfrom tests import x\nfrom . import conftest\n'
                   'import importlib\nimportlib.import_module("tests.support")\n')
    assert _tests_package_files(root) == [os.path.join('flask', '__init__.py')]
    assert [line for line, _ in _imports_of_tests_package(bad)] == [1, 2, 3, 5]

    import types
    theirs = types.ModuleType('tests')
    theirs.__file__ = str(tmp_path / 'site-packages' / 'tests' / '__init__.py')
    theirs.__path__ = [str(tmp_path / 'site-packages' / 'tests')]
    ours = types.ModuleType('tests.flask.test_x')
    ours.__file__ = str(root / 'flask' / 'test_x.py')
    assert [name for name, _ in _foreign_tests_modules(
        {'tests': theirs, 'tests.flask.test_x': ours}, root)] == ['tests']


def test_our_tests_folder_is_no_importable_package():
    # With a tests/__init__.py, ``python -m pytest`` (cwd first on sys.path)
    # makes our folder the ``tests`` package, shadowing authomatic's and
    # being shadowed by it depending on sys.path order.
    assert _tests_package_files(OUR_TESTS) == []


def test_no_test_module_imports_a_tests_package():
    offenders = []
    for path in sorted(OUR_TESTS.rglob('*.py')):
        for line, text in _imports_of_tests_package(path):
            offenders.append(f'{path.relative_to(REPO)}:{line}: {text}')
    assert offenders == [], 'import helpers by path or from authomatic_extras.testing'


def test_plain_import_tests_from_the_repo_root_is_never_ours():
    """What ``import tests`` means with the repo root first on sys.path."""
    code = ('import importlib.util, json\n'
            's = importlib.util.find_spec("tests")\n'
            'print(json.dumps(None if s is None else s.origin))\n')
    proc = _run([sys.executable, '-c', code], cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr
    origin = json.loads(proc.stdout)
    # None: no ``tests`` anywhere, or a namespace package (runs no code).
    if origin is None:
        return
    # (A virtualenv may live inside the checkout: only our tests/ folder counts.)
    ours = os.path.realpath(os.path.join(str(REPO), 'tests'))
    assert not os.path.realpath(origin).startswith(ours + os.sep), (
        '`import tests` from the repo root imports our folder: ' + origin)
    # Then it is the package the authomatic wheel leaks, nothing else.
    from importlib import metadata
    dist = metadata.distribution('Authomatic')
    leaked = {os.path.realpath(str(dist.locate_file(f))) for f in dist.files or []
              if str(f).replace('\\', '/') == 'tests/__init__.py'}
    assert os.path.realpath(origin) in leaked, (origin, sorted(leaked))


def test_this_session_never_imported_the_authomatic_tests_package():
    # pytest's importlib mode names our modules ``tests.flask.test_x`` and
    # puts a namespace module ``tests`` over our folder into sys.modules; had
    # anything imported authomatic's ``tests`` first, our test modules would
    # hang under it. Every ``tests``/``tests.*`` module here must be ours.
    assert _foreign_tests_modules(dict(sys.modules), OUR_TESTS) == []


# --- ruff -------------------------------------------------------------------

def test_ruff_check_is_clean():
    _require_module('ruff')
    proc = _run([sys.executable, '-m', 'ruff', 'check', '--no-cache',
                 '--output-format', 'concise', '.'], cwd=str(REPO), timeout=120)
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-2000:]
