# -*- coding: utf-8 -*-
"""Service stubs: the App Engine APIs the dev server runs in its process.

Available, as dev_appserver has them: datastore (on disk, eventually
consistent by default), memcache, users, taskqueue (push tasks and
``deferred`` run by themselves when a dispatcher is given), urlfetch (real
fetches), mail (logged, not sent), app_identity, blobstore (in memory),
capability, images, search, modules. The services the SDK has no Python 3
stub for (:data:`UNAVAILABLE_SERVICES`) fail with an error naming them.
"""
from __future__ import absolute_import

import logging
import os

__all__ = ['open_storage', 'DEFAULT_APPLICATION', 'LOGIN_PATH',
           'CONSISTENCY_POLICIES', 'AVAILABLE_SERVICES',
           'UNAVAILABLE_SERVICES', 'ServiceUnavailableStub']

logger = logging.getLogger('authomatic_extras.gae.devserver')

#: Application id used when neither ``--application`` nor app.yaml give one.
DEFAULT_APPLICATION = 'dev~gen1-local'
#: The local sign-in page (the users stub's login URL).
LOGIN_PATH = '/_ah/login'

#: dev_appserver's ``--datastore_consistency_policy`` values; ``time`` (its
#: default) applies most writes to global queries after 100 ms and a few
#: only after minutes; ``random`` applies half of them at each query;
#: ``consistent`` applies every write at once.
CONSISTENCY_POLICIES = ('time', 'random', 'consistent')

#: The services with a working stub (testbed's names).
AVAILABLE_SERVICES = ('datastore_v3', 'memcache', 'user', 'taskqueue',
                      'urlfetch', 'mail', 'app_identity_service',
                      'blobstore', 'capability_service', 'images', 'search',
                      'modules')

#: Services of the python27 SDK with no stub on Python 3 (service -> API).
UNAVAILABLE_SERVICES = {
    'channel': 'the Channel API',
    'xmpp': 'the XMPP API',
    'file': 'the Files API',
    'logservice': 'the Logs API',
    'remote_socket': 'the Sockets API',
    'conversion': 'the Conversion API',
    'prospective_search': 'the Prospective Search API',
}


def _datastore_file(storage_path):
    if not os.path.isdir(storage_path):
        os.makedirs(storage_path)
    return os.path.join(storage_path, 'datastore.db')


def consistency_policy(name):
    """The datastore stub's policy for a :data:`CONSISTENCY_POLICIES` name."""
    from google.appengine.datastore import datastore_stub_util

    from authomatic_extras.gae.devserver.persistence import persisting

    if name == 'time':
        return persisting(datastore_stub_util.TimeBasedHRConsistencyPolicy())
    if name == 'random':
        return persisting(
            datastore_stub_util.PseudoRandomHRConsistencyPolicy())
    if name == 'consistent':
        return persisting(datastore_stub_util.PseudoRandomHRConsistencyPolicy(
            probability=1))
    raise ValueError('consistency policy %r: one of %s'
                     % (name, ', '.join(CONSISTENCY_POLICIES)))


def _unavailable_stub_class():
    from google.appengine.api import apiproxy_stub
    from google.appengine.runtime import apiproxy_errors

    class ServiceUnavailable(apiproxy_stub.APIProxyStub):
        """Answers every call with an error that names the service."""

        def __init__(self, service_name, api):
            super(ServiceUnavailable, self).__init__(service_name)
            self.api = api

        def MakeSyncCall(self, service, call, request, response,
                         request_id=None):
            raise apiproxy_errors.CallNotFoundError(
                '%s.%s: %s (service %r) has no stub on Python 3 '
                '(appengine-python-standard), so this dev server cannot '
                'serve it' % (service, call, self.api, service))

    return ServiceUnavailable


def ServiceUnavailableStub(service_name, api):
    """A stub whose calls fail with ``CallNotFoundError`` naming the service."""
    return _unavailable_stub_class()(service_name, api)


class open_storage(object):
    """Activate the App Engine stubs on a dev-server storage path.

    ``with open_storage(path, application):`` gives the stubs as the dev
    server has them (datastore on disk, saved on every write): use it to seed
    data (e.g. an ``NDBConfig``) from a script while the server is stopped.

    :param str consistency: a :data:`CONSISTENCY_POLICIES` name; seeding
        scripts get ``consistent`` (what they write, they read back).
    :param str app_root: the app's folder (where ``queue.yaml`` is read).
    :param dispatch: ``dispatch(method, url, headers, body)`` that runs a
        request against the app; given, push-queue tasks run by themselves
        (in a background thread), as on dev_appserver.
    """

    def __init__(self, storage_path, application=DEFAULT_APPLICATION,
                 login_url=LOGIN_PATH + '?continue=%s',
                 consistency='consistent', app_root=None, dispatch=None):
        self.storage_path = storage_path
        self.application = application
        self.login_url = login_url
        self.consistency = consistency
        self.app_root = app_root
        self.dispatch = dispatch
        self.testbed = None

    def __enter__(self):
        from google.appengine.api import apiproxy_stub_map
        from google.appengine.ext import ndb, testbed

        bed = self.testbed = testbed.Testbed()
        bed.activate()
        bed.setup_env(APPLICATION_ID=self.application, overwrite=True)
        path = _datastore_file(self.storage_path)
        quiet = logging.getLogger('google.appengine.api.stubs.datastore')
        level = quiet.level
        if not os.path.exists(path):
            # A new storage path: nothing to read (the stub would warn).
            quiet.setLevel(logging.ERROR)
        try:
            bed.init_datastore_v3_stub(
                datastore_file=path, save_changes=True,
                consistency_policy=consistency_policy(self.consistency))
        finally:
            quiet.setLevel(level)
        bed.init_memcache_stub()
        bed.init_user_stub(
            login_url=self.login_url,
            logout_url=LOGIN_PATH + '?action=Logout&continue=%s')
        self._init_taskqueue(bed)
        bed.init_urlfetch_stub()
        bed.init_mail_stub(show_mail_body=True)
        bed.init_app_identity_stub()
        bed.init_blobstore_stub()
        bed.init_capability_stub()
        bed.init_images_stub()
        bed.init_search_stub()
        bed.init_modules_stub()
        for service, api in sorted(UNAVAILABLE_SERVICES.items()):
            apiproxy_stub_map.apiproxy.RegisterStub(
                service, ServiceUnavailableStub(service, api))
        # A fresh NDB context: nothing cached from before the stubs changed.
        ndb.set_context(None)
        os.environ.pop('__CONTEXT__', None)
        return self

    def _init_taskqueue(self, bed):
        if self.dispatch is None:
            bed.init_taskqueue_stub(root_path=self.app_root)
            return
        from authomatic_extras.gae.devserver.tasks import TaskRequestInfo

        bed.init_taskqueue_stub(
            root_path=self.app_root, auto_task_running=True,
            task_retry_seconds=1,
            request_data=TaskRequestInfo(self.dispatch))
        self.taskqueue.StartBackgroundExecution()

    def _stub(self, name):
        return self.testbed.get_stub(name)

    @property
    def datastore(self):
        """The datastore stub."""
        return self._stub('datastore_v3')

    @property
    def taskqueue(self):
        """The taskqueue stub."""
        return self._stub('taskqueue')

    def __exit__(self, *exc_info):
        taskqueue = self.taskqueue
        if taskqueue is not None:
            taskqueue.Shutdown()
        self.datastore.Write()
        self.testbed.deactivate()
        return False
