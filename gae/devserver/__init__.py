# -*- coding: utf-8 -*-
"""A local dev server for a gen-1 ``app.yaml``, on App Engine service stubs.

Usage::

    python -m authomatic_extras.gae.devserver [app.yaml] [--port 8080]
        [--storage-path DIR] [--application dev~my-app] [--seed FILE]
        [--datastore-consistency-policy time|random|consistent]
        [--allow-host NAME] [--host 127.0.0.1]

It reads ``app.yaml`` (runtime ``python27``; ``includes:`` and ``builtins:``
merged as dev_appserver merges them), imports the WSGI apps named in
``script:``, serves ``static_dir`` / ``static_files`` handlers, starts the
App Engine service stubs in this process (the datastore is kept on disk in
``--storage-path``, so data survives a restart, like dev_appserver's storage
path; eventually consistent by default, like dev_appserver) and serves over
waitress on 127.0.0.1. ``login: required`` /
``admin`` handlers and ``users.create_login_url()`` use a local sign-in page
at ``/_ah/login`` (any e-mail, no password), as dev_appserver does.

An ``app.yaml`` it cannot serve is refused before serving, with a message
naming the line (:class:`AppYamlError`).

The App Engine SDK reads the request context (user, host, NDB context) from
``os.environ``, which is per process; requests are therefore served one at a
time, each with a fresh ``os.environ`` as the gen-1 runtime gives them.

Modules, one job each:

* :mod:`.appyaml` -- app.yaml loading and checks (:class:`AppYaml`);
* :mod:`.app` -- routing: the WSGI app (:class:`DevServer`);
* :mod:`.builtins` -- the handlers of ``builtins:`` (``deferred``, ...);
* :mod:`.libraries` -- ``libraries:``: what runs instead, named;
* :mod:`.static` -- static files (kept inside their folder);
* :mod:`.signin` -- the sign-in emulation (``/_ah/login``);
* :mod:`.stubs` -- the service stubs (:class:`open_storage`);
* :mod:`.tasks` -- push-queue tasks run against the app;
* :mod:`.seed` -- ``--seed FILE``: provider config for ``NDBConfig``;
* :mod:`.config_admin` -- ``/_ah/admin/config``, the local config page;
* :mod:`.cli` -- the waitress server and the command line (:func:`main`).

Not for production. Kept Python 2.7 syntax (vermin-checked).
"""
from __future__ import absolute_import

from authomatic_extras.gae.devserver.app import DevServer
from authomatic_extras.gae.devserver.appyaml import AppYaml, Handler
from authomatic_extras.gae.devserver.cli import build_parser, main
from authomatic_extras.gae.devserver.errors import AppYamlError
from authomatic_extras.gae.devserver.seed import SeedError, load_seed
from authomatic_extras.gae.devserver.stubs import DEFAULT_APPLICATION, \
    open_storage

__all__ = ['AppYamlError', 'AppYaml', 'Handler', 'DevServer', 'main',
           'build_parser', 'open_storage', 'DEFAULT_APPLICATION',
           'SeedError', 'load_seed']
