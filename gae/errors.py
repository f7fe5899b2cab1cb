# -*- coding: utf-8 -*-
"""The error type of the App Engine gen-1 module.

Kept Python 2.7 compatible (the gen-1 ``python27`` runtime imports it).
"""
from __future__ import absolute_import

from authomatic import exceptions

__all__ = ['GAEError']


class GAEError(exceptions.BaseError):
    """Raised for misuse of, or missing data for, the App Engine extras.

    A subclass of :class:`authomatic.exceptions.BaseError`, as upstream's
    ``authomatic.extras.gae.GAEError`` is.
    """
