"""The Flask demo of authomatic-extras: a complete login, offline.

Run it::

    python -m legacy_examples.flask_demo [--port 5000] [--provider-port 8765] [--host localhost]

It starts the local OAuth 2.0 provider (and an OAuth 1.0a one) of
:mod:`authomatic_extras.testing` on ``127.0.0.1`` and this app on
``localhost`` (two different sites for the browser, as in production), and
prints the URL to open. Real providers are added from environment
variables (:mod:`legacy_examples.flask_demo.providers`).

In code, :func:`create_app` builds the app (see :mod:`.app`).
"""
from .app import authomatic, create_app
from .providers import REAL_PROVIDERS, local_entries, providers_from_env

__all__ = ['create_app', 'authomatic', 'providers_from_env', 'local_entries',
           'REAL_PROVIDERS']
