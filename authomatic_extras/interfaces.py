# -*- coding: utf-8 -*-
"""Abstract bases for framework extras.

If you want to implement framework specific extras, use these abstract
classes as bases. The Authomatic core accepts any conforming implementation:
pass a :class:`BaseSession` as ``session=`` (with its :meth:`~BaseSession.save`
as ``session_saver=``) and a :class:`BaseConfig` as the ``config``.

Unlike upstream's ``authomatic.extras.interfaces`` (whose ``__metaclass__``
line does nothing on Python 3), these classes are enforced abstract on both
Python 2.7 and 3: instantiating a subclass that misses a method raises
:class:`TypeError`.

This module is imported by gen-1 App Engine apps: keep it Python 2.7
compatible.
"""
import abc

import six

MYPY = False  # True for the type checker only: no typing import at run time (Python 2.7)
if MYPY:  # pragma: no cover
    from typing import Any, Iterable  # noqa: F401  # novermin (never runs: MYPY is False)

__all__ = ['BaseSession', 'BaseConfig']


@six.add_metaclass(abc.ABCMeta)
class BaseSession(object):
    """Abstract class for custom session implementations."""

    @abc.abstractmethod
    def save(self):
        # type: () -> None
        """Called only once per request.

        Should implement a mechanism for setting the session **cookie** and
        saving the session **data** to storage.
        """

    @abc.abstractmethod
    def __setitem__(self, key, value):
        # type: (str, Any) -> None
        """Same as :meth:`dict.__setitem__`."""

    @abc.abstractmethod
    def __getitem__(self, key):
        # type: (str) -> Any
        """Same as :meth:`dict.__getitem__`."""

    @abc.abstractmethod
    def __delitem__(self, key):
        # type: (str) -> None
        """Same as :meth:`dict.__delitem__`."""

    @abc.abstractmethod
    def get(self, key, default=None):
        # type: (str, Any) -> Any
        """Same as :meth:`dict.get`."""


@six.add_metaclass(abc.ABCMeta)
class BaseConfig(object):
    """Abstract class for Config implementations."""

    @abc.abstractmethod
    def get(self, key, default=None):
        # type: (str, Any) -> Any
        """Same as :meth:`dict.get`."""

    @abc.abstractmethod
    def values(self):
        # type: () -> Iterable[Any]
        """Same as :meth:`dict.values`."""
