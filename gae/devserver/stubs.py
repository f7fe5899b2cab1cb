# -*- coding: utf-8 -*-
"""Service stubs: the App Engine APIs the dev server runs in its process."""
from __future__ import absolute_import

import os

__all__ = ['open_storage', 'DEFAULT_APPLICATION', 'LOGIN_PATH']

#: Application id used when neither ``--application`` nor app.yaml give one.
DEFAULT_APPLICATION = 'dev~gen1-local'
#: The local sign-in page (the users stub's login URL).
LOGIN_PATH = '/_ah/login'


def _datastore_file(storage_path):
    if not os.path.isdir(storage_path):
        os.makedirs(storage_path)
    return os.path.join(storage_path, 'datastore.db')


class open_storage(object):
    """Activate the App Engine stubs on a dev-server storage path.

    ``with open_storage(path, application):`` gives the datastore (on disk,
    saved on every write), memcache and users stubs, as the dev server has
    them: use it to seed data (e.g. an ``NDBConfig``) from a script while the
    server is stopped.
    """

    def __init__(self, storage_path, application=DEFAULT_APPLICATION,
                 login_url=LOGIN_PATH + '?continue=%s'):
        self.storage_path = storage_path
        self.application = application
        self.login_url = login_url
        self.testbed = None

    def __enter__(self):
        from google.appengine.ext import ndb, testbed

        bed = testbed.Testbed()
        bed.activate()
        bed.setup_env(APPLICATION_ID=self.application, overwrite=True)
        bed.init_datastore_v3_stub(
            datastore_file=_datastore_file(self.storage_path),
            save_changes=True)
        bed.init_memcache_stub()
        bed.init_user_stub(
            login_url=self.login_url,
            logout_url=LOGIN_PATH + '?action=Logout&continue=%s')
        # A fresh NDB context: nothing cached from before the stubs changed.
        ndb.set_context(None)
        os.environ.pop('__CONTEXT__', None)
        self.testbed = bed
        return self

    @property
    def datastore(self):
        from google.appengine.ext import testbed
        return self.testbed.get_stub(testbed.DATASTORE_SERVICE_NAME)

    def __exit__(self, *exc_info):
        self.datastore.Write()
        self.testbed.deactivate()
        return False
