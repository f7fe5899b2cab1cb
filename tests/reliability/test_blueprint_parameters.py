"""Query parameters of the login blueprint never reach ``url_for``.

The blueprint restarts a login that came with ``?next=`` without it. An
attacker chooses the other parameters of that link: ``_method``,
``_scheme``, ``_external``, ``_anchor``, ``endpoint``, ``provider_name``,
``values`` are keyword arguments of ``url_for``, so passing the query as
keywords gave 500s, and ``_scheme=http`` an absolute ``http://`` redirect (a
downgrade on an https site). Every answer must be a same-site relative
redirect or a 4xx, never a 5xx.
"""
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask import Flask, jsonify, session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authomatic_extras.blueprint import make_login_blueprint
from authomatic_extras.flask import FlaskAuthomatic


def blueprint_app(config):
    app = Flask('blueprint-parameters')
    app.secret_key = 'blueprint-parameters-key'
    extension = FlaskAuthomatic(config, 'blueprint-parameters-secret-0123')

    def on_login(result):
        session['user'] = result.user.email

    app.register_blueprint(make_login_blueprint(extension, on_login), url_prefix='/auth')

    @app.route('/me')
    def me():
        return jsonify(user=session.get('user'))

    return app


def assert_same_site_redirect_or_4xx(response, path='/auth/login/oauth2'):
    assert response.status_code < 500, (response.status_code, response.data[:1000])
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers['Location']
        parts = urlsplit(location)
        assert not parts.scheme and not parts.netloc, location
        assert location.startswith('/') and not location.startswith('//'), location
        assert parts.path == path, location
        return parts
    assert 400 <= response.status_code < 500 or response.status_code == 200, response.status_code
    return None


URL_FOR_KEYWORDS = ['_method', '_scheme', '_external', '_anchor', 'endpoint', 'provider_name',
                    'values', '_url', 'self']


@pytest.mark.parametrize('query', [
    'next=/&_method=DELETE',
    'next=/&provider_name=x',
    'next=/&endpoint=x',
    'next=/&_scheme=http',
    'next=/&_scheme=http&_external=1',
    'next=/&_external=1',
    'next=/&_anchor=x',
    'next=/&values=x',
    'next=/&self=x',
    'next=/&_url=http://evil.example/',
    'next=/&_method=GET&_scheme=javascript',
])
@pytest.mark.parametrize('site', ['http://localhost', 'https://localhost'])
def test_url_for_keywords_in_the_query(providers_config, query, site):
    response = blueprint_app(providers_config).test_client().get(
        '/auth/login/oauth2?' + query, base_url=site)
    parts = assert_same_site_redirect_or_4xx(response)
    assert parts is not None
    # The rest of the query rides along as data, not as url_for arguments.
    kept = [(k, v) for k, v in parse_qsl(query) if k != 'next']
    assert sorted(parse_qsl(parts.query)) == sorted(kept)


def test_the_restarted_login_still_logs_in_and_goes_to_next(providers_config):
    """The control: a restart with junk parameters is the core's business
    (it answers 400 for parameters it does not know); without them the
    login runs and lands on next."""
    from authomatic_extras.testing import login_with_test_client

    client = blueprint_app(providers_config).test_client()
    restart = client.get('/auth/login/oauth2?next=/me&_scheme=http')
    assert restart.headers['Location'] == '/auth/login/oauth2?_scheme=http'
    assert client.get(restart.headers['Location']).status_code == 400
    trip = login_with_test_client(client, '/auth/login/oauth2?next=/me')
    assert trip.response.get_json() == {'user': 'alice@example.org'}


_names = st.one_of(st.sampled_from(URL_FOR_KEYWORDS), st.text(min_size=1, max_size=30))
_values = st.text(max_size=60)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.lists(st.tuples(_names, _values), max_size=6),
       next_value=st.one_of(st.just('/me'), st.text(max_size=40)),
       https=st.booleans())
def test_any_parameter_names_give_a_same_site_redirect(providers_config, params, next_value,
                                                       https):
    app = blueprint_app(providers_config)
    query = urlencode([('next', next_value)] + params)
    response = app.test_client().get('/auth/login/oauth2?' + query,
                                     base_url='https://localhost' if https else 'http://localhost')
    parts = assert_same_site_redirect_or_4xx(response)
    assert parts is not None
    sent = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != 'next']
    assert sorted(parse_qsl(parts.query, keep_blank_values=True)) == sorted(sent)
