# -*- coding: utf-8 -*-
"""A gen-1 app that exercises the dev server's services (copied, with an
app.yaml, into a temporary folder by tests/gae/test_devserver_fidelity.py
and test_devserver_safety.py; not collected: no ``test_`` prefix)."""
import json
import logging
import os

import webapp2
from google.appengine.api import apiproxy_stub_map, app_identity, mail, \
    taskqueue, urlfetch, users
from google.appengine.ext import deferred, ndb


class Marker(ndb.Model):
    via = ndb.StringProperty()
    detail = ndb.StringProperty()


class Probe(ndb.Model):
    pass


def record(name, via):
    """Run by ``deferred``: stores a Marker."""
    Marker(id=name, via=via,
           detail=os.environ.get('HTTP_X_APPENGINE_QUEUENAME', '')).put()


class Json(webapp2.RequestHandler):
    def send(self, data, status=200):
        self.response.status_int = status
        self.response.content_type = 'application/json'
        self.response.write(json.dumps(data))


class Home(Json):
    def get(self):
        user = users.get_current_user()
        self.send({'user': user.email() if user else None,
                   'admin': users.is_current_user_admin(),
                   'from_include': os.environ.get('FROM_INCLUDE'),
                   'login_url': users.create_login_url('/after')})


class Admin(Json):
    def get(self):
        self.send({'admin_page': users.get_current_user().email()})


class Defer(Json):
    def get(self):
        deferred.defer(record, self.request.get('name'), 'deferred')
        self.send({'deferred': True})


class AddTask(Json):
    def get(self):
        taskqueue.add(url='/worker', params={'name': self.request.get('name')},
                      queue_name=self.request.get('queue') or 'default')
        self.send({'queued': True})


class Worker(Json):
    def post(self):
        Marker(id=self.request.get('name'), via='task',
               detail=self.request.headers.get('X-AppEngine-QueueName')).put()
        self.send({'done': True})


class GetMarker(Json):
    def get(self):
        marker = Marker.get_by_id(self.request.get('name'))
        self.send(marker.to_dict() if marker else None)


class Warmup(Json):
    def get(self):
        Marker(id='warmup', via='warmup',
               detail=self.request.headers.get('X-AppEngine-Warmup')).put()
        self.send({'warm': True})


class Fetch(Json):
    def get(self):
        result = urlfetch.fetch(self.request.get('url'))
        self.send({'status': result.status_code,
                   'length': len(result.content)})


class Mail(Json):
    def get(self):
        mail.send_mail(sender='app@example.com', to='someone@example.com',
                       subject='Dev server mail', body='mail-body-marker')
        logging.info('mail sent')
        self.send({'sent': True})


class Service(Json):
    def get(self, name):
        try:
            if name == 'app_identity':
                value = app_identity.get_application_id()
            elif name == 'capabilities':
                from google.appengine.api import capabilities
                value = capabilities.CapabilitySet('datastore_v3').is_enabled()
            elif name == 'search':
                from google.appengine.api import search
                index = search.Index(name='sample')
                index.put(search.Document(doc_id='d1', fields=[
                    search.TextField(name='body', value='findable words')]))
                value = [d.doc_id for d in index.search('findable')]
            elif name == 'modules':
                from google.appengine.api import modules
                value = modules.get_current_module_name()
            elif name == 'blobstore':
                from google.appengine.api import blobstore
                value = blobstore.create_upload_url('/after').startswith('http')
            elif name == 'xmpp':
                # No Python 3 module for XMPP: call the service directly.
                apiproxy_stub_map.MakeSyncCall('xmpp', 'SendMessage',
                                               None, None)
                value = 'no error'
            else:
                value = 'unknown'
        except Exception as error:  # what the app would see
            return self.send({'error': type(error).__name__,
                              'message': str(error)})
        self.send({'value': value})


class Consistency(Json):
    def get(self):
        count = int(self.request.get('n', '20'))
        ndb.put_multi([Probe() for _ in range(count)])
        self.send({'written': count, 'seen': Probe.query().count()})


app = webapp2.WSGIApplication([
    ('/', Home), ('/admin/page', Admin), ('/defer', Defer),
    ('/task', AddTask), ('/worker', Worker), ('/marker', GetMarker),
    ('/_ah/warmup', Warmup), ('/fetch', Fetch), ('/mail', Mail),
    (r'/service/(\w+)', Service), ('/consistency', Consistency),
])

included = webapp2.WSGIApplication([
    ('/included', Home),
])
