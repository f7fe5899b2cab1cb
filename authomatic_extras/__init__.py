# -*- coding: utf-8 -*-
"""Framework extras for the Authomatic login library.

* :mod:`authomatic_extras.flask` -- :class:`~authomatic_extras.flask.FlaskAuthomatic`,
  a Flask extension (``pip install authomatic-extras[flask]``).
* :mod:`authomatic_extras.interfaces` -- abstract :class:`BaseSession` and
  :class:`BaseConfig` for session and config implementations of your own.
* :mod:`authomatic_extras.gae` -- the Google App Engine first-generation
  module (``pip install authomatic-extras[gae]``).

This module is imported by gen-1 App Engine apps: keep it Python 2.7
compatible and free of framework imports.
"""
from authomatic_extras.__about__ import __version__  # noqa: F401
