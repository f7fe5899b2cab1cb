# -*- coding: utf-8 -*-
"""The dev server does what dev_appserver 1.9.88 does with the same app.yaml.

One real server (``python -m authomatic_extras.gae.devserver`` in a
subprocess) serves ``devserver_sample_app.py`` with an app.yaml that uses
``builtins``, ``includes``, ``libraries``, ``default_expiration`` /
``expiration``, ``inbound_services: warmup`` and ``login: admin``; the app
calls the taskqueue, deferred, urlfetch, mail, app_identity and xmpp
services for real.
"""
import time

import pytest
import requests

from authomatic_extras.gae.devserver import AppYaml


def poll_marker(server, name, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = requests.get(server.url + '/marker', params={'name': name},
                             timeout=10).json()
        if found:
            return found
        time.sleep(0.2)
    return None


# -- app.yaml keys -----------------------------------------------------------



def test_app_yaml_keys_as_parsed(sample_devserver):
    config = AppYaml(str(sample_devserver.root / 'app.yaml'))
    urls = [h.url for h in config.handlers]
    # builtins and head includes first (dev_appserver's merge order).
    assert urls[:3] == ['/_ah/queue/deferred', '/_ah/stats.*', '/included']
    assert config.handlers[0].login == 'admin'
    assert config.env_variables == {'FROM_INCLUDE': 'yes'}
    assert config.default_expiration == '2h'
    assert config.inbound_services == ['warmup']
    assert ('webapp2', '2.5.2') in config.libraries
    warnings = '\n'.join(config.warnings)
    assert 'libraries: webapp2 2.5.2: webapp2 3.0.0b1' in warnings
    assert 'ssl' not in warnings  # "latest": the interpreter's ssl honours it
    assert 'builtins: appstats is accepted but not served' in warnings


def test_startup_warnings_name_each_library_and_builtin(sample_devserver):
    out = sample_devserver.output
    assert 'warning: libraries: webapp2 2.5.2: webapp2 3.0.0b1' in out
    assert 'warning: builtins: appstats' in out


def test_included_handler_and_env_variables(sample_devserver):
    data = requests.get(sample_devserver.url + '/included', timeout=10).json()
    assert data['from_include'] == 'yes'


def test_unavailable_builtin_answers_501_naming_it(sample_devserver):
    response = requests.get(sample_devserver.url + '/_ah/stats', timeout=10)
    assert response.status_code == 501
    assert 'appstats' in response.text


def test_expiration_and_default_expiration_headers(sample_devserver):
    cached = requests.get(sample_devserver.url + '/cached/style.css', timeout=10)
    assert cached.status_code == 200
    assert cached.headers['Cache-Control'] == 'public, max-age=93600'  # 1d 2h
    assert 'Expires' in cached.headers
    default = requests.get(sample_devserver.url + '/hello.txt', timeout=10)
    assert default.text == 'hello from www\n'
    assert default.headers['Cache-Control'] == 'public, max-age=7200'  # 2h
    expires = time.mktime(time.strptime(default.headers['Expires'],
                                        '%a, %d %b %Y %H:%M:%S GMT'))
    assert 7000 < expires - time.mktime(time.gmtime()) < 7400
    again = requests.get(sample_devserver.url + '/hello.txt', timeout=10,
                         headers={'If-None-Match': default.headers['ETag']})
    assert again.status_code == 304 and again.content == b''


def test_warmup_request_at_start(sample_devserver):
    assert 'Warmup request /_ah/warmup: 200' in sample_devserver.output
    marker = poll_marker(sample_devserver, 'warmup')
    assert marker == {'via': 'warmup', 'detail': '1'}


# -- services ----------------------------------------------------------------


def test_push_task_runs_by_itself(sample_devserver):
    assert requests.get(sample_devserver.url + '/task', params={'name': 't1'},
                        timeout=10).json() == {'queued': True}
    assert poll_marker(sample_devserver, 't1') == {'via': 'task', 'detail': 'default'}


def test_queue_yaml_queues_run_their_tasks(sample_devserver):
    requests.get(sample_devserver.url + '/task', params={'name': 't2', 'queue': 'mail-queue'},
                 timeout=10)
    assert poll_marker(sample_devserver, 't2') == {'via': 'task', 'detail': 'mail-queue'}


def test_deferred_runs_through_the_builtin_handler(sample_devserver):
    assert requests.get(sample_devserver.url + '/defer', params={'name': 'd1'},
                        timeout=10).json() == {'deferred': True}
    assert poll_marker(sample_devserver, 'd1') == {'via': 'deferred', 'detail': 'default'}


def test_deferred_handler_refuses_outside_requests(sample_devserver):
    """Admin only (login: admin), and X-AppEngine-* headers from outside are
    dropped, so a browser cannot run a pickled payload."""
    response = requests.post(sample_devserver.url + '/_ah/queue/deferred',
                             data=b'payload', allow_redirects=False,
                             headers={'X-AppEngine-TaskName': 'forged'}, timeout=10)
    assert response.status_code == 302
    assert '/_ah/login?continue=' in response.headers['Location']


def test_urlfetch_fetches(sample_devserver):
    data = requests.get(sample_devserver.url + '/fetch', timeout=20,
                        params={'url': sample_devserver.url + '/hello.txt'}).json()
    assert data == {'status': 200, 'length': len('hello from www\n')}


def test_mail_is_logged(sample_devserver):
    assert requests.get(sample_devserver.url + '/mail', timeout=10).json() == {'sent': True}
    deadline = time.time() + 10
    while 'mail-body-marker' not in sample_devserver.output and time.time() < deadline:
        time.sleep(0.1)
    assert 'mail-body-marker' in sample_devserver.output
    assert 'someone@example.com' in sample_devserver.output


@pytest.mark.parametrize('service, value', [
    ('app_identity', 'devserver-sample'), ('capabilities', True), ('search', ['d1']),
    ('modules', 'default'), ('blobstore', True)])
def test_other_stubs_available(sample_devserver, service, value):
    data = requests.get(sample_devserver.url + '/service/' + service, timeout=10).json()
    assert data == {'value': value}


def test_service_without_stub_names_itself(sample_devserver):
    data = requests.get(sample_devserver.url + '/service/xmpp', timeout=10).json()
    assert data['error'] == 'CallNotFoundError'
    assert "the XMPP API (service 'xmpp')" in data['message']
    assert 'No api proxy found' not in data['message']


# -- datastore consistency ----------------------------------------------------


def test_eventual_consistency_by_default(sample_devserver):
    assert 'consistency time' in sample_devserver.output
    seen = [requests.get(sample_devserver.url + '/consistency', params={'n': 20},
                         timeout=10).json() for _ in range(3)]
    # dev_appserver's "time" policy: 98 % of writes show after 100 ms.
    assert any(s['seen'] < 20 * (i + 1) for i, s in enumerate(seen)), seen


@pytest.mark.parametrize('policy, always_seen', [('consistent', True), ('time', False)])
def test_consistency_policy_switch(tmp_path, policy, always_seen):
    """A write and a global query right after it: with ``time`` (the
    default) the write is missing at least once in 5 tries (98 % of writes
    show after 100 ms); with ``consistent`` it is always there."""
    from google.appengine.ext import ndb

    from authomatic_extras.gae.devserver import open_storage

    class Probe(ndb.Model):
        pass

    seen = []
    with open_storage(str(tmp_path / 'st'), 'dev~consistency-test', consistency=policy):
        for written in range(1, 6):
            Probe().put()
            seen.append(Probe.query().count() == written)
            ndb.get_context().clear_cache()
    assert all(seen) is always_seen, seen


# -- sign-in as dev_appserver ---------------------------------------------------


def test_get_sign_in_and_admin_cookie(sample_devserver):
    url = sample_devserver.url
    browser = requests.Session()
    signed = browser.get(url + '/_ah/login', params={
        'email': 'admin@example.com', 'admin': 'True', 'action': 'Login',
        'continue': url + '/admin/page'}, allow_redirects=False, timeout=10)
    assert signed.status_code == 302
    assert signed.headers['Location'] == url + '/admin/page'
    cookie = browser.cookies.get('dev_appserver_login').strip('"')
    email, admin, user_id = cookie.split(':')
    assert (email, admin) == ('admin@example.com', 'True') and user_id.isdigit()
    assert browser.get(url + '/admin/page', timeout=10).json() == {
        'admin_page': 'admin@example.com'}
    home = browser.get(url + '/', timeout=10).json()
    assert home['user'] == 'admin@example.com' and home['admin'] is True


def test_dev_appserver_cookie_reads_as_admin(sample_devserver):
    """The cookie dev_appserver sets (``email:True:userid``), set by hand."""
    response = requests.get(sample_devserver.url + '/admin/page', timeout=10,
                            cookies={'dev_appserver_login':
                                     'carol@example.com:True:185804764220139124118'})
    assert response.status_code == 200
    assert response.json() == {'admin_page': 'carol@example.com'}


def test_non_admin_gets_401_on_admin_page(sample_devserver):
    response = requests.get(sample_devserver.url + '/admin/page', timeout=10,
                            cookies={'dev_appserver_login': 'dan@example.com:False:1'})
    assert response.status_code == 401


def test_logout_clears_the_cookie(sample_devserver):
    url = sample_devserver.url
    browser = requests.Session()
    browser.get(url + '/_ah/login?email=e@example.com&action=Login', timeout=10)
    assert browser.get(url + '/', timeout=10).json()['user'] == 'e@example.com'
    browser.get(url + '/_ah/logout?continue=/', timeout=10)
    assert browser.get(url + '/', timeout=10).json()['user'] is None


def test_every_commit_is_on_disk_at_once(sample_devserver, tmp_path):
    """Eventually consistent queries, but the file holds every committed
    write right away (a second dev server, or a restart after a kill,
    loses nothing)."""
    import re
    import shutil

    from google.appengine.ext import ndb

    from authomatic_extras.gae.devserver import open_storage

    class Probe(ndb.Model):
        pass

    storage = re.search(r'datastore in (\S+),', sample_devserver.output).group(1)
    before = requests.get(sample_devserver.url + '/consistency', params={'n': 7},
                          timeout=10).json()
    copy = tmp_path / 'copy'
    copy.mkdir()
    shutil.copy(storage + '/datastore.db', str(copy / 'datastore.db'))
    with open_storage(str(copy), 'dev~devserver-sample'):
        on_disk = Probe.query().count()
        ndb.get_context().clear_cache()
    # Every Probe the server committed so far (other tests add some too).
    assert on_disk >= before['written'], (on_disk, before)
    assert on_disk >= before['seen']
