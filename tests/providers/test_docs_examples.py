"""The Python examples of docs/oidc.md and of the OpenID Connect part of
docs/testing.md run as written."""
import os
import re

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def python_blocks(doc, after=None):
    with open(os.path.join(REPO, 'docs', doc)) as source:
        text = source.read()
    if after is not None:
        text = text[text.index(after):]
        text = text[:text.index('\n## ', 1)]
    return re.findall(r'```python\n(.*?)```', text, re.S)


OIDC_BLOCKS = python_blocks('oidc.md')


def test_oidc_doc_has_its_examples():
    assert len(OIDC_BLOCKS) == 4


@pytest.mark.parametrize('index', range(len(OIDC_BLOCKS)))
def test_oidc_doc_example_runs(index):
    namespace = {'__name__': 'doc_example'}
    exec(compile(OIDC_BLOCKS[index], 'docs/oidc.md[{0}]'.format(index), 'exec'), namespace)
    config = namespace.get('CONFIG')
    if config is not None:  # the entries resolve to provider classes
        from authomatic.core import resolve_provider_class
        for entry in config.values():
            assert resolve_provider_class(entry['class_'])


def test_testing_doc_oidc_example_logs_in():
    blocks = python_blocks('testing.md', after='## OpenID Connect mode')
    assert len(blocks) == 1
    exec(compile(blocks[0], 'docs/testing.md', 'exec'), {'__name__': 'doc_example'})
