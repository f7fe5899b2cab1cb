# -*- coding: utf-8 -*-
"""The gen-1 example (``legacy_examples/gen1``, the repository's ``app.yaml``)
on Python 3: what a user sees before any provider is configured, and what a
finished login leaves behind.

The app runs under ``python -m authomatic_extras.gae.devserver`` in a child
process (datastore on disk in a temporary folder), with the local OAuth 2.0
provider on 127.0.0.1; logins go over HTTP with ``requests``. The same
checks run on Python 2.7 under dev_appserver.py in test_dev_appserver.py.
"""
import os
import time

import pytest
import requests

from authomatic_extras.testing import LocalOAuth2Server, login_with_requests
from authomatic_extras.testing.devserver_process import DevServerProcess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
APP_YAML = os.path.join(REPO, 'app.yaml')
APPLICATION = 'dev~gen1-example-test'


@pytest.fixture(scope='module')
def example(tmp_path_factory):
    provider = LocalOAuth2Server(host='127.0.0.1').start()
    storage = str(tmp_path_factory.mktemp('gen1-example') / 'storage')
    try:
        server = DevServerProcess(APP_YAML, storage, application=APPLICATION)
    except BaseException:
        provider.stop()
        raise
    try:
        yield {'url': server.url, 'storage': storage, 'provider': provider}
    finally:
        server.stop()
        provider.stop()


def test_empty_config_first_asks_for_setup_then_hints_where_to_add_providers(example):
    first = requests.get(example['url'] + '/', timeout=30)
    assert first.status_code == 503
    # The next visits find the Example entity (once the datastore's query
    # returns it, if the server emulates eventual consistency).
    deadline = time.time() + 30
    second = requests.get(example['url'] + '/', timeout=30)
    while second.status_code == 503 and time.time() < deadline:
        time.sleep(0.25)
        second = requests.get(example['url'] + '/', timeout=30)
    assert second.status_code == 200
    assert 'class="hint"' in second.text
    for where in ('docs/gae.md', '--seed FILE', '/_ah/admin/config', 'Datastore Viewer'):
        assert where in second.text
    assert 'href="/login/' not in second.text


@pytest.fixture(scope='module')
def configured(example):
    """The example on a second dev server whose datastore holds the local
    provider's config (stored through NDB before it starts)."""
    from authomatic_extras.gae import NDBConfig
    from authomatic_extras.gae.devserver import open_storage

    entry = example['provider'].config_entry()
    storage = example['storage'] + '-configured'
    with open_storage(storage, APPLICATION):
        NDBConfig(id='local', provider_name='local',
                  class_='authomatic_extras.testing.providers.LocalOAuth2',
                  provider_id=entry['id'], consumer_key=entry['consumer_key'],
                  consumer_secret=entry['consumer_secret'], scope=', '.join(entry['scope']),
                  provider_url=entry['provider_url']).put()
    server = DevServerProcess(APP_YAML, storage, application=APPLICATION)
    try:
        yield server.url
    finally:
        server.stop()


def test_login_redirects_home_and_a_reload_of_the_callback_replays_nothing(configured):
    session = requests.Session()
    trip = login_with_requests(configured + '/login/local', username='bob', session=session)
    assert trip.response.url == configured + '/'
    assert 'Logged in as Bob Marley (bob@example.org)' in trip.response.text
    callback = [hop for hop in trip.hops if hop.url.startswith(configured + '/login/local?')]
    assert callback[-1].status == 302
    reload = session.get(callback[-1].url, timeout=30, allow_redirects=False)
    assert reload.status_code == 401
    assert 'Traceback' not in reload.text
    assert 'Logged in as Bob Marley' in session.get(configured + '/', timeout=30).text


def test_a_session_id_planted_before_the_login_is_worthless_after_it(configured):
    victim = requests.Session()
    step_one = victim.get(configured + '/login/local', timeout=30, allow_redirects=False)
    assert step_one.status_code == 302
    planted = dict(victim.cookies)
    assert planted
    trip = login_with_requests(step_one.headers['Location'], username='alice', session=victim)
    assert 'Logged in as Alice Liddell' in trip.response.text
    assert dict(victim.cookies) != planted
    attacker = requests.Session()
    for name, value in planted.items():
        attacker.cookies.set(name, value)
    assert 'Alice Liddell' not in attacker.get(configured + '/', timeout=30).text
