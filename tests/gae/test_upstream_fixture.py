# -*- coding: utf-8 -*-
"""The upstream-style app (``legacy_examples/gen1_upstream``) on Python 3.

Code written for upstream's ``authomatic.extras.gae``, with only its import
lines changed, served by ``python -m authomatic_extras.gae.devserver`` (a
child process on a free port, datastore on disk), logging in over HTTP
against this package's local OAuth 2.0, OAuth 1.0a and OpenID providers and
through the dev server's ``/_ah/login`` for ``GAEOpenID``. The same app runs
on Python 2.7 under Google's dev_appserver.py in test_dev_appserver.py.
"""
import os
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from authomatic_extras.testing import login_with_requests
from authomatic_extras.testing.devserver_process import DevServerProcess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
APP_YAML = os.path.join(REPO, 'legacy_examples', 'gen1_upstream', 'app.yaml')
APPLICATION = 'dev~gen1-upstream-test'


@pytest.fixture(scope='module')
def upstream_app(tmp_path_factory):
    from authomatic_extras.gae import NDBConfig
    from authomatic_extras.gae.devserver import open_storage
    from authomatic_extras.testing import LocalOAuth1Server, LocalOAuth2Server, LocalOpenIDServer

    providers = {'oauth2': LocalOAuth2Server(host='127.0.0.1').start(),
                 'oauth1': LocalOAuth1Server(host='127.0.0.1').start(),
                 'openid': LocalOpenIDServer(host='127.0.0.1').start()}
    storage = str(tmp_path_factory.mktemp('gen1-upstream') / 'storage')
    try:
        # The app builds Authomatic(config=gae.ndb_config()) at import time,
        # as upstream's example does: the config must be there first.
        with open_storage(storage, APPLICATION):
            for name, provider, class_ in [
                    ('local', providers['oauth2'],
                     'authomatic_extras.testing.providers.LocalOAuth2'),
                    ('local1', providers['oauth1'],
                     'authomatic_extras.testing.providers.LocalOAuth1')]:
                entry = provider.config_entry()
                NDBConfig(id=name, provider_name=name, class_=class_, provider_id=entry['id'],
                          consumer_key=entry['consumer_key'],
                          consumer_secret=entry['consumer_secret'],
                          scope=', '.join(entry.get('scope') or []) or None,
                          provider_url=entry['provider_url']).put()
            NDBConfig(id='openid', provider_name='openid', provider_id=3,
                      class_='authomatic.providers.openid.OpenID').put()
            NDBConfig(id='gae', provider_name='gae', provider_id=4,
                      class_='authomatic_extras.gae.gaeopenid.GAEOpenID').put()
        server = DevServerProcess(APP_YAML, storage, application=APPLICATION)
    except BaseException:
        for provider in providers.values():
            provider.stop()
        raise
    try:
        yield {'url': server.url, 'providers': providers}
    finally:
        code = server.stop()
        for provider in providers.values():
            provider.stop()
    assert code == 0


def assert_hi(trip, name, email):
    text = trip.response.text
    assert trip.response.status_code == 200, text[:2000]
    assert 'Damn that error' not in text, text[:2000]
    assert '<h1>Hi %s</h1>' % name in text, text[:2000]
    assert '<h2>Your email is: %s</h2>' % email in text, text[:2000]


def users_api_login(start_url, email):
    """``GAEOpenID``: the app redirects to the dev server's sign-in page,
    whose form is answered as a user would."""
    session = requests.Session()
    first = login_with_requests(start_url, session=session)
    page = first.response
    assert urlsplit(page.url).path == '/_ah/login', first
    target = parse_qs(urlsplit(page.url).query)['continue'][0]
    signed_in = session.post(page.url.split('?')[0], timeout=30, allow_redirects=False, data={
        'email': email, 'action': 'Login', 'continue': target})
    assert signed_in.status_code in (302, 303), signed_in.text[:500]
    return login_with_requests(signed_in.headers['Location'], session=session)


def test_home_lists_both_configs(upstream_app):
    home = requests.get(upstream_app['url'] + '/', timeout=30).text
    for name in ('local', 'local1', 'openid', 'gae'):
        assert 'href="/login/%s"' % name in home
    for name in ('oi', 'gae_oi'):
        assert 'action="/dict/login/%s"' % name in home


def test_oauth2_and_oauth1_from_ndb_config(upstream_app):
    url = upstream_app['url']
    assert_hi(login_with_requests(url + '/login/local', username='bob'),
              'Bob Marley', 'bob@example.org')
    assert_hi(login_with_requests(url + '/login/local1'), 'Alice Liddell', 'alice@example.org')


@pytest.mark.parametrize('path', ['/login/openid', '/dict/login/oi'])
def test_openid_with_ndb_openid_store(upstream_app, path):
    openid = upstream_app['providers']['openid']
    trip = login_with_requests(upstream_app['url'] + path + '?' + urlencode(
        {'id': openid.identifier('bob')}), username='bob')
    text = trip.response.text
    assert 'Damn that error' not in text, text[:2000]
    assert '<h2>Your id is: %s</h2>' % openid.identifier('bob') in text, text[:2000]


@pytest.mark.parametrize('path', ['/login/gae', '/dict/login/gae_oi'])
def test_gaeopenid_through_the_sign_in_page(upstream_app, path):
    trip = users_api_login(upstream_app['url'] + path + '?id=google.com', 'dave@example.com')
    text = trip.response.text
    assert 'Damn that error' not in text, text[:2000]
    assert '<h2>Your email is: dave@example.com</h2>' in text, text[:2000]


def test_the_admin_handler_wants_an_admin_and_json(upstream_app):
    url = upstream_app['url'] + '/admin/config'
    anonymous = requests.post(url, json={'entries': []}, timeout=30, allow_redirects=False)
    assert anonymous.status_code in (302, 401, 403)
    admin = requests.Session()
    signed_in = admin.post(upstream_app['url'] + '/_ah/login', timeout=30, allow_redirects=False,
                           data={'email': 'admin@example.com', 'admin': 'True',
                                 'action': 'Login', 'continue': '/'})
    assert signed_in.status_code in (302, 303)
    form = admin.post(url, data={'entries': '[]'}, timeout=30)
    assert form.status_code == 415
    bad = admin.post(url, json={'entries': [{'provider_name': 'x', 'evil': 1}]}, timeout=30)
    assert bad.status_code == 400 and 'provider_name' in bad.json()['error']
