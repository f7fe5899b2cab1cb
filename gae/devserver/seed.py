# -*- coding: utf-8 -*-
"""Provider config for :class:`~authomatic_extras.gae.NDBConfig` from a file.

``--seed FILE`` (YAML or JSON) maps provider names to their entries, as an
authomatic ``CONFIG`` dict does::

    local:
      class_: authomatic_extras.testing.providers.LocalOAuth2
      provider_id: 1              # or id: 1
      consumer_key: local-client
      consumer_secret: local-secret
      scope: [openid, profile, email]   # or "openid, profile, email"
      provider_url: http://127.0.0.1:8765

Each entry becomes (or replaces) the ``NDBConfig`` entity whose id is the
provider name; other keys become dynamic properties.
"""
from __future__ import absolute_import

import io

import six

from authomatic_extras.gae.devserver.errors import AppYamlError

__all__ = ['SeedError', 'load_seed', 'normalise_entries', 'put_entries']

_INTEGER_KEYS = ('provider_id',)


class SeedError(AppYamlError):
    """A seed file or config form that cannot be stored; says what to fix."""


def load_seed(path):
    """The entries of a seed file, checked (:func:`normalise_entries`)."""
    import yaml

    try:
        with io.open(path, encoding='utf-8') as stream:
            data = yaml.safe_load(stream)
    except (IOError, OSError) as error:
        raise SeedError('seed %s: cannot read it: %s' % (path, error))
    except yaml.YAMLError as error:
        raise SeedError('seed %s: not YAML/JSON: %s' % (
            path, ' '.join(str(error).split())))
    return normalise_entries(data, 'seed %s' % path)


def normalise_entries(data, source='config'):
    """``{name: entry}`` -> ``{name: properties}`` ready for NDBConfig."""
    if not isinstance(data, dict) or not data:
        raise SeedError('%s: give a mapping of provider names to their '
                        'entries, e.g. "local: {class_: ..., provider_id: '
                        '1, ...}"' % source)
    result = {}
    for name, entry in data.items():
        if not isinstance(name, six.string_types) or not name.strip():
            raise SeedError('%s: provider names are text: %r' % (source, name))
        if not isinstance(entry, dict):
            raise SeedError('%s: %s: the entry is a mapping of keys such as '
                            'class_, consumer_key, ...' % (source, name))
        entry = dict(entry)
        if 'id' in entry:
            entry.setdefault('provider_id', entry.pop('id'))
        if not isinstance(entry.get('class_'), six.string_types):
            raise SeedError('%s: %s: class_ must be a dotted class name, '
                            'e.g. authomatic.providers.oauth2.GitHub'
                            % (source, name))
        scope = entry.get('scope')
        if isinstance(scope, (list, tuple)):
            entry['scope'] = ', '.join(str(s) for s in scope)
        for key in _INTEGER_KEYS:
            if key in entry and entry[key] is not None:
                try:
                    entry[key] = int(entry[key])
                except (TypeError, ValueError):
                    raise SeedError('%s: %s: %s must be an integer'
                                    % (source, name, key))
        for key, value in entry.items():
            if value is not None and not isinstance(
                    value, (six.string_types, int, float, bool)):
                raise SeedError('%s: %s: %s must be text, a number or '
                                'true/false' % (source, name, key))
        entry['provider_name'] = name
        result[name] = entry
    return result


def put_entries(entries):
    """Stores ``{name: properties}`` as NDBConfig entities (id = name).

    The writes are applied at once, whatever the datastore's consistency
    policy: config given to the dev server is visible to the next query.
    """
    from google.appengine.api import apiproxy_stub_map

    from authomatic_extras.gae import NDBConfig

    for name, entry in sorted(entries.items()):
        NDBConfig(id=name, **entry).put()
    datastore = apiproxy_stub_map.apiproxy.GetStub('datastore_v3')
    if hasattr(datastore, 'Flush'):
        datastore.Flush()
    return sorted(entries)
