"""Provider config of the demo: real providers from environment variables.

Each real provider is listed only when both of its variables are set:

============  =======================================================
name          variables (class of the core)
============  =======================================================
``google``    ``GOOGLE_CLIENT_ID``, ``GOOGLE_CLIENT_SECRET``
              (``authomatic.providers.oauth2.Google``)
``github``    ``GITHUB_CLIENT_ID``, ``GITHUB_CLIENT_SECRET``
              (``authomatic.providers.oauth2.GitHub``)
``facebook``  ``FACEBOOK_CLIENT_ID``, ``FACEBOOK_CLIENT_SECRET``
              (``authomatic.providers.oauth2.Facebook``)
``microsoft`` ``MICROSOFT_CLIENT_ID``, ``MICROSOFT_CLIENT_SECRET``, optional
              ``MICROSOFT_TENANT`` (``authomatic.providers.oauth2.MicrosoftOnline``)
``twitter``   ``TWITTER_CONSUMER_KEY``, ``TWITTER_CONSUMER_SECRET``
              (``authomatic.providers.oauth1.Twitter``)
============  =======================================================

The local providers (no account, no internet) are added by
``python -m legacy_examples.flask_demo`` itself, see :func:`local_entries`.
"""
import os

from authomatic.providers import oauth1, oauth2

__all__ = ['REAL_PROVIDERS', 'providers_from_env', 'local_entries', 'provider_title']


class RealProvider(object):
    """How one real provider is configured from the environment."""

    def __init__(self, name, title, cls, key_var, secret_var, scope, id,
                 optional=None):
        self.name = name
        self.title = title
        self.cls = cls
        self.key_var = key_var
        self.secret_var = secret_var
        self.scope = list(scope)
        self.id = id
        #: Optional variables: {variable: config key}.
        self.optional = dict(optional or {})

    def entry(self, environ):
        """The core's config entry, or ``None`` unless both variables are set."""
        key = (environ.get(self.key_var) or '').strip()
        secret = (environ.get(self.secret_var) or '').strip()
        if not (key and secret):
            return None
        entry = {
            'class_': self.cls,
            'id': self.id,
            'consumer_key': key,
            'consumer_secret': secret,
            'title': self.title,
        }
        if self.scope:
            entry['scope'] = list(self.scope)
        for variable, key in self.optional.items():
            value = (environ.get(variable) or '').strip()
            if value:
                entry[key] = value
        return entry


#: The real providers the demo knows, in the order they are listed.
#: ``id`` values are unique integers (the core needs them to serialize
#: credentials); 1 to 3 belong to the local providers.
REAL_PROVIDERS = (
    RealProvider('google', 'Google', oauth2.Google,
                 'GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET',
                 ['openid', 'profile', 'email'], id=10),
    RealProvider('github', 'GitHub', oauth2.GitHub,
                 'GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET',
                 ['read:user', 'user:email'], id=11),
    RealProvider('facebook', 'Facebook', oauth2.Facebook,
                 'FACEBOOK_CLIENT_ID', 'FACEBOOK_CLIENT_SECRET',
                 ['email', 'public_profile'], id=12),
    RealProvider('microsoft', 'Microsoft', oauth2.MicrosoftOnline,
                 'MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET',
                 # One string: this class joins scopes with commas.
                 ['openid profile email User.Read'], id=13,
                 optional={'MICROSOFT_TENANT': 'domain'}),
    RealProvider('twitter', 'X (Twitter)', oauth1.Twitter,
                 'TWITTER_CONSUMER_KEY', 'TWITTER_CONSUMER_SECRET',
                 [], id=14),
)


def providers_from_env(environ=None):
    """Config entries of the real providers whose variables are set."""
    environ = os.environ if environ is None else environ
    config = {}
    for provider in REAL_PROVIDERS:
        entry = provider.entry(environ)
        if entry is not None:
            config[provider.name] = entry
    return config


def local_entries(oauth2_server=None, oauth1_server=None):
    """Config entries of running local providers
    (:class:`authomatic_extras.testing.LocalOAuth2Server` /
    :class:`~authomatic_extras.testing.LocalOAuth1Server`). A
    ``LocalOAuth2Server`` in OpenID Connect mode (``oidc=True``) also gets an
    entry ``local_oidc`` for :class:`authomatic_extras.providers.OIDC`, with
    that server as the issuer."""
    config = {}
    if oauth2_server is not None:
        config['local'] = oauth2_server.config_entry(
            id=1, title='Local test provider (OAuth 2.0)')
        if getattr(oauth2_server, 'oidc', False):
            config['local_oidc'] = oauth2_server.oidc_config_entry(
                id=3, title='Local issuer (OpenID Connect)')
    if oauth1_server is not None:
        config['local_oauth1'] = oauth1_server.config_entry(
            id=2, title='Local test provider (OAuth 1.0a)')
    return config


def provider_title(name, entry):
    """The label of a provider on the page."""
    title = entry.get('title') if hasattr(entry, 'get') else None
    return title or name.replace('_', ' ').title()
