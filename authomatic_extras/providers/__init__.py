# -*- coding: utf-8 -*-
"""Provider classes for the authomatic core.

* :class:`authomatic_extras.providers.OIDC` -- OpenID Connect, configured by
  issuer URL (:mod:`authomatic_extras.providers.oidc`, Python 3 only);
* :mod:`authomatic_extras.providers.presets` -- ready config entries for
  Google, Microsoft Entra ID, GitHub, X, Facebook, LinkedIn and any OpenID
  Connect issuer (Python 3 only);
* :mod:`authomatic_extras.providers.pkce` -- PKCE for every OAuth 2.0
  provider of the core (Python 2.7 and 3).

``OIDC`` and the ID token errors are imported on first use, so importing
this package (as :mod:`~authomatic_extras.providers.pkce` does on gen-1 App
Engine's Python 2.7) loads no JOSE library.
"""
import importlib

__all__ = ['OIDC', 'IDTokenError', 'OIDCError', 'presets', 'pkce']

_LAZY = {
    'OIDC': 'authomatic_extras.providers.oidc',
    'OIDCError': 'authomatic_extras.providers.oidc',
    'IDTokenError': 'authomatic_extras.providers.oidc',
}


def __getattr__(name):
    """``authomatic_extras.providers.OIDC`` (also as the dotted string the
    core resolves in ``class_``), imported when first used."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in ('presets', 'pkce', 'oidc'):
        return importlib.import_module(__name__ + '.' + name)
    raise AttributeError('module {0!r} has no attribute {1!r}'.format(__name__, name))
