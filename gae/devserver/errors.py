# -*- coding: utf-8 -*-
"""The dev server's error type."""
from __future__ import absolute_import

from authomatic_extras.gae.errors import GAEError

__all__ = ['AppYamlError']


class AppYamlError(GAEError):
    """An app.yaml the dev server cannot serve; the message names the line."""
