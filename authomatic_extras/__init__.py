# -*- coding: utf-8 -*-
"""Framework extras for the Authomatic login library.

* :mod:`authomatic_extras.flask` -- :class:`~authomatic_extras.flask.FlaskAuthomatic`,
  a Flask extension (the ``[flask]`` extra).
* :mod:`authomatic_extras.interfaces` -- abstract :class:`BaseSession` and
  :class:`BaseConfig` for session and config implementations of your own.
* :mod:`authomatic_extras.gae` -- the Google App Engine first-generation
  module (the ``[gae]`` extra).

This module is imported by gen-1 App Engine apps: keep it Python 2.7
compatible and free of framework imports.
"""
from authomatic_extras.__about__ import __version__  # noqa: F401


def _checkout_gae():
    # type: () -> None
    """In a source checkout, ``authomatic_extras.gae`` is the ``gae/`` folder
    next to this package (the build maps it there). Run from the checkout's
    root, Python finds this folder before the installed package, so add a
    finder for that one subpackage (a no-op for an installed copy)."""
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    gae = os.path.join(root, 'gae')
    if os.path.isdir(os.path.join(here, 'gae')) or not (
            os.path.isfile(os.path.join(gae, '__init__.py')) and
            os.path.isfile(os.path.join(root, 'setup.py'))):
        return
    if sys.version_info[0] < 3:
        __path__.append(root)  # type: ignore # noqa: F821 (Python 2)
        return
    import importlib.util  # novermin (Python 3 only, above)

    class CheckoutGaeFinder(object):
        @staticmethod
        def find_spec(name, path=None, target=None):  # type: ignore
            if name != __name__ + '.gae':
                return None
            return importlib.util.spec_from_file_location(  # novermin
                name, os.path.join(gae, '__init__.py'),
                submodule_search_locations=[gae])

    if not any(type(f).__name__ == 'CheckoutGaeFinder' or
               getattr(f, '__name__', '') == 'CheckoutGaeFinder'
               for f in sys.meta_path):
        sys.meta_path.append(CheckoutGaeFinder)


_checkout_gae()
