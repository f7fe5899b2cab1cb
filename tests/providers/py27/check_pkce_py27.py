# -*- coding: utf-8 -*-
"""Run by test_pkce.py on Python 2.7: python check_pkce_py27.py LIB REPO.

Imports the gen-1 path (the PKCE module, LocalOAuth2) and runs the first
login step of a PKCE provider through the core; prints one line per provider.
"""
import sys


class Adapter(object):
    """The core's adapter interface over a plain dict (no web framework)."""

    def __init__(self, params):
        self.params = params
        self.url = 'http://localhost/login'
        self.cookies = {}
        self.status = None
        self.headers = {}

    def write(self, value):
        pass

    def set_header(self, key, value):
        self.headers[key] = value

    def set_status(self, status):
        self.status = status


def main(lib, repo):
    sys.path[:0] = [lib, repo]
    from authomatic import Authomatic

    from authomatic_extras.providers import pkce
    from authomatic_extras.testing import providers

    assert 'authomatic_extras.providers.oidc' not in sys.modules
    assert 'joserfc' not in sys.modules
    assert issubclass(providers.LocalOAuth2, pkce.PKCE)
    config = {
        'local': {'class_': 'authomatic_extras.testing.providers.LocalOAuth2', 'id': 1,
                  'consumer_key': 'c', 'consumer_secret': 's',
                  'provider_url': 'http://127.0.0.1:9'},
        'gh': {'class_': 'authomatic_extras.providers.pkce.GitHub', 'id': 2,
               'consumer_key': 'c', 'consumer_secret': 's'},
    }
    for name in ('local', 'gh'):
        session = {}
        adapter = Adapter({})
        Authomatic(config, 'secret').login(adapter, name, session=session,
                                           session_saver=lambda: None)
        location = adapter.headers['Location']
        assert 'code_challenge_method=S256' in location, location
        seed = session['authomatic:%s:pkce' % name]
        verifier = pkce.code_verifier('secret', seed)
        assert pkce.code_challenge(verifier) in location
        assert verifier not in location
        print((name, 'ok', location.split('?')[0]))
    print((sys.version.split()[0], pkce.with_pkce(pkce.GitHub) is pkce.GitHub))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
