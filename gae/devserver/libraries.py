# -*- coding: utf-8 -*-
"""app.yaml ``libraries:``: what runs instead of the python27 runtime's copy.

The python27 runtime puts the requested version of each library on the path.
The dev server runs on the interpreter's installed packages: a library is
honoured when the installed version is the one asked for (or ``latest``), and
named in a startup warning otherwise, with the version that runs instead.
"""
from __future__ import absolute_import

import sys

__all__ = ['library_warnings', 'installed_version']

#: ``libraries:`` name -> distribution name on the package index, or None
#: for a module of Python's standard library.
DISTRIBUTIONS = {
    'webapp2': 'webapp2', 'webob': 'WebOb', 'jinja2': 'Jinja2',
    'markupsafe': 'MarkupSafe', 'yaml': 'PyYAML', 'lxml': 'lxml',
    'numpy': 'numpy', 'PIL': 'Pillow', 'pycrypto': 'pycryptodome',
    'django': 'Django', 'MySQLdb': 'mysqlclient', 'setuptools': 'setuptools',
    'protorpc': 'protorpc', 'endpoints': 'google-endpoints',
    'grpcio': 'grpcio', 'matplotlib': 'matplotlib', 'pytz': 'pytz',
    'six': 'six', 'ujson': 'ujson', 'werkzeug': 'Werkzeug',
    'flask': 'Flask', 'click': 'click', 'itsdangerous': 'itsdangerous',
    'futures': None, 'ssl': None, 'sqlite3': None,
}


def installed_version(distribution):
    """The installed version of a distribution, or None."""
    try:
        from importlib import metadata  # novermin (guarded)
    except ImportError:  # Python < 3.8
        return None
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def library_warnings(libraries):
    """One message per ``(name, version)`` that is not honoured as asked."""
    python = '%d.%d' % sys.version_info[:2]
    messages = []
    for name, version in libraries:
        version = str(version)
        if name not in DISTRIBUTIONS:
            messages.append('libraries: %s %s: unknown to this dev server; '
                            'whatever is installed runs' % (name, version))
            continue
        distribution = DISTRIBUTIONS[name]
        if distribution is None:
            if version != 'latest':
                messages.append('libraries: %s %s: Python %s\'s own %s '
                                'runs instead' % (name, version, python,
                                                  name))
            continue
        installed = installed_version(distribution)
        if installed is None:
            messages.append('libraries: %s %s: not installed, so importing '
                            'it fails (pip install %s)' % (name, version,
                                                           distribution))
        elif version not in ('latest', installed):
            messages.append('libraries: %s %s: %s %s (Python %s) runs '
                            'instead' % (name, version, distribution,
                                         installed, python))
    return messages
