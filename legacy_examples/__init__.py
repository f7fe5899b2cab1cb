# -*- coding: utf-8 -*-
"""Example apps of authomatic-extras (not installed with the package).

* ``legacy_examples.flask_demo``: the Flask demo with a local provider,
  ``python -m legacy_examples.flask_demo``;
* ``legacy_examples.gen1``: the gen-1 App Engine example (``app.yaml``).

Python 2.7 compatible: the gen-1 runtime imports this package too.
"""
