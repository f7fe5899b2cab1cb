# -*- coding: utf-8 -*-
"""Loaded by the ``python27`` runtime (and dev_appserver.py) before the app:
the vendored packages in ``lib/`` go on ``sys.path``."""
import os

from google.appengine.ext import vendor

LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib')

if os.path.isdir(LIB):
    # Without lib/ (the Python 3 dev server imports from its own
    # environment) there is nothing to add.
    vendor.add(LIB)
