# -*- coding: utf-8 -*-
"""A local dev server for a gen-1 ``app.yaml``, on App Engine service stubs.

Usage::

    python -m authomatic_extras.gae.devserver [app.yaml] [--port 8080]
        [--storage-path DIR] [--application dev~my-app]

It reads ``app.yaml`` (runtime ``python27``), imports the WSGI apps named
in ``script:``, serves ``static_dir`` / ``static_files`` handlers, starts the
datastore, memcache and users stubs in this process (the datastore is kept on
disk in ``--storage-path``, so data survives a restart, like dev_appserver's
storage path) and serves over waitress on 127.0.0.1. ``login: required`` /
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
* :mod:`.static` -- static files;
* :mod:`.signin` -- the sign-in emulation (``/_ah/login``);
* :mod:`.stubs` -- the service stubs (:class:`open_storage`);
* :mod:`.cli` -- the waitress server and the command line (:func:`main`).

Not for production. Kept Python 2.7 syntax (vermin-checked).
"""
from __future__ import absolute_import

from authomatic_extras.gae.devserver.app import DevServer
from authomatic_extras.gae.devserver.appyaml import AppYaml, Handler
from authomatic_extras.gae.devserver.cli import build_parser, main
from authomatic_extras.gae.devserver.errors import AppYamlError
from authomatic_extras.gae.devserver.stubs import DEFAULT_APPLICATION, \
    open_storage

__all__ = ['AppYamlError', 'AppYaml', 'Handler', 'DevServer', 'main',
           'build_parser', 'open_storage', 'DEFAULT_APPLICATION']
