"""The abstract bases are enforced on Python 3 (upstream's are not)."""
import inspect

import pytest

from authomatic_extras.interfaces import BaseConfig, BaseSession

SESSION_METHODS = ['save', '__setitem__', '__getitem__', '__delitem__', 'get']
CONFIG_METHODS = ['get', 'values']


def _complete_session_namespace():
    return {
        'save': lambda self: None,
        '__setitem__': lambda self, key, value: None,
        '__getitem__': lambda self, key: None,
        '__delitem__': lambda self, key: None,
        'get': lambda self, key, default=None: default,
    }


def test_the_bases_themselves_cannot_be_instantiated():
    with pytest.raises(TypeError):
        BaseSession()
    with pytest.raises(TypeError):
        BaseConfig()


@pytest.mark.parametrize('missing', SESSION_METHODS)
def test_a_session_missing_any_method_is_refused(missing):
    namespace = _complete_session_namespace()
    del namespace[missing]
    Incomplete = type('Incomplete', (BaseSession,), namespace)
    with pytest.raises(TypeError, match=missing.strip('_') if missing != 'get' else 'get'):
        Incomplete()


def test_a_complete_session_is_accepted():
    Complete = type('Complete', (BaseSession,), _complete_session_namespace())
    assert isinstance(Complete(), BaseSession)


@pytest.mark.parametrize('missing', CONFIG_METHODS)
def test_a_config_missing_any_method_is_refused(missing):
    namespace = {'get': lambda self, key, default=None: default, 'values': lambda self: []}
    del namespace[missing]
    Incomplete = type('Incomplete', (BaseConfig,), namespace)
    with pytest.raises(TypeError, match=missing):
        Incomplete()


def test_abstract_method_sets_match_the_seed():
    assert BaseSession.__abstractmethods__ == frozenset(SESSION_METHODS)
    assert BaseConfig.__abstractmethods__ == frozenset(CONFIG_METHODS)


def test_docstrings_follow_the_seed():
    assert 'custom session implementations' in inspect.getdoc(BaseSession)
    assert 'Called only once per request' in inspect.getdoc(BaseSession.save)
    assert 'dict.get' in inspect.getdoc(BaseSession.get)
    assert 'Config implementations' in inspect.getdoc(BaseConfig)
    assert 'dict.values' in inspect.getdoc(BaseConfig.values)
