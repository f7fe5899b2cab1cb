# -*- coding: utf-8 -*-
"""app.yaml ``builtins:``: the handlers each builtin adds, as dev_appserver
adds them (its ``google/appengine/ext/builtins/<name>/include.yaml``).

On Python 3 (``appengine-python-standard``) only ``deferred`` has a handler
module; the others are accepted, and their URLs answer 501 with a message
naming the builtin, so a request to them says what is missing.
"""
from __future__ import absolute_import

__all__ = ['BUILTIN_HANDLERS', 'UNAVAILABLE_BUILTINS']

#: builtin -> (url, WSGI app, login) of the handler it adds.
BUILTIN_HANDLERS = {
    'deferred': ('/_ah/queue/deferred',
                 'google.appengine.ext.deferred.deferred.application',
                 'admin'),
}

#: builtin -> (url, why it is not available here).
UNAVAILABLE_BUILTINS = {
    'appstats': ('/_ah/stats.*', 'appengine-python-standard has no appstats '
                 '(google.appengine.ext.appstats)'),
    'remote_api': ('/_ah/remote_api(/.*)?', 'appengine-python-standard has '
                   'no remote_api handler (google.appengine.ext.remote_api.'
                   'handler)'),
    'datastore_admin': ('/_ah/datastore_admin.*', 'the datastore admin is '
                        'not part of appengine-python-standard'),
    'mapreduce': ('/_ah/mapreduce.*', 'mapreduce is not part of '
                  'appengine-python-standard'),
    'django_wsgi': ('/_ah/django_wsgi.*', 'django_wsgi is not part of '
                    'appengine-python-standard'),
    'admin_redirect': ('/_ah/admin.*', 'there is no production console '
                       'locally'),
}
