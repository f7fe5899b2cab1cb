"""Packaging for authomatic-extras.

The gen-1 App Engine module lives in the top-level ``gae/`` folder and is
installed as ``authomatic_extras.gae`` through ``package_dir``.
"""
import io
import os

from setuptools import find_packages, setup

HERE = os.path.abspath(os.path.dirname(__file__))

with io.open(os.path.join(HERE, 'README.md'), encoding='utf-8') as readme:
    LONG_DESCRIPTION = readme.read()

ABOUT = {}
with io.open(os.path.join(HERE, 'authomatic_extras', '__about__.py'),
             encoding='utf-8') as about:
    exec(about.read(), ABOUT)

FLASK = ['Flask>=2.3']
GAE = [
    'appengine-python-standard>=1.1',
    'webapp2==3.0.0b1',
    'python3-openid>=3.2',
    'PyYAML>=5.1',  # the dev server reads app.yaml
    'waitress>=2.1',  # the dev server's HTTP server
    # webapp2 imports ``cgi``, which Python 3.13 removed.
    'legacy-cgi>=2.6; python_version >= "3.13"',
]
# OpenID Connect (authomatic_extras.providers.OIDC, presets): JOSE by joserfc.
OIDC = ['joserfc>=1.0']
SQLALCHEMY = ['SQLAlchemy>=1.4']
TESTING = ['Authlib>=1.3', 'Flask>=2.3', 'python3-openid>=3.2', 'requests>=2.28', 'Werkzeug>=2.3',
           'joserfc>=1.0']
TEST = FLASK + GAE + TESTING + OIDC + [
    'Authlib>=1.3',
    'python3-openid>=3.2',
    'requests>=2.28',
    'waitress>=2.1',
    'WebTest>=3.0',
    'pytest>=7.4',
    'pytest-timeout>=2.1',
    'hypothesis>=6.80',
    'vermin>=1.6',
    'Flask-Login>=0.6',
    'playwright>=1.50',
    'Flask-Session>=0.8',
    'redis>=5',
    'mypy>=1.8',
    'types-six',
    'build>=1.0',
    'twine>=5',
    'ruff>=0.17,<0.18',
    'nox>=2024.3',
    'trustme>=1.0',  # TLS certificates for the OpenID fetcher's SNI test
    # Credentials stores: SQLite and a real PostgreSQL (psycopg 3), Flask-SQLAlchemy.
    'SQLAlchemy>=2.0',
    'psycopg[binary]>=3.1',
    'Flask-SQLAlchemy>=3.0',
]

setup(
    name='authomatic-extras',
    version=ABOUT['__version__'],
    description=('Framework extras for the Authomatic login library: a '
                 'concurrency-safe Flask extension, abstract session and '
                 'config interfaces, and the Google App Engine gen-1 module.'),
    long_description=LONG_DESCRIPTION,
    long_description_content_type='text/markdown',
    license='MIT',
    packages=(find_packages(include=['authomatic_extras', 'authomatic_extras.*'])
              + ['authomatic_extras.gae', 'authomatic_extras.gae.devserver']),
    package_dir={'authomatic_extras.gae': 'gae'},
    package_data={'authomatic_extras': ['py.typed']},
    include_package_data=False,
    python_requires='>=3.8',
    install_requires=['authomatic>=1.2.1,<2', 'six>=1.16'],
    extras_require={'flask': FLASK, 'gae': GAE, 'oidc': OIDC, 'testing': TESTING, 'test': TEST,
                    'sqlalchemy': SQLALCHEMY,
                    'bench': TEST + ['matplotlib>=3.7', 'pyinstrument>=4.6']},
    entry_points={'pytest11': ['authomatic_extras = authomatic_extras.testing.pytest_plugin']},
    classifiers=[
        'Framework :: Flask',
        'Programming Language :: Python :: 3',
        'Topic :: Internet :: WWW/HTTP :: Session',
    ],
    zip_safe=False,
)
