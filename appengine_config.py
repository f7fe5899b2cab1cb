# -*- coding: utf-8 -*-
"""Loaded by the ``python27`` runtime (and dev_appserver.py) before the app.

Puts the vendored packages in ``lib/`` on ``sys.path`` (fill it with the
vendoring command of docs/gae.md). ``lib/`` goes first, ahead of the app
folder: in this repository the app folder also holds the source folder
``authomatic_extras/``, which lacks the ``gae`` subpackage the installed copy
in ``lib/`` has.
"""
import os

from google.appengine.ext import vendor

LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib')

if os.path.isdir(LIB):
    # Without lib/ (e.g. under the Python 3 dev server, which imports from
    # its own environment) there is nothing to add.
    vendor.add(LIB, index=0)
