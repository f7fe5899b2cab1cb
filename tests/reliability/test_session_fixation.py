"""Session fixation: a session id planted before the login is worthless after it.

With a server-side session (Flask-Session on a real ``redis-server``) the
cookie is only an id. An attacker who gets a valid id of his own (any visit
that writes the session gives one) and plants it in the victim's browser
(a cookie set from a sibling subdomain, a shared computer) would otherwise
share the victim's logged-in session. The login blueprint rotates the
session identity on login; :func:`authomatic_extras.flask.rotate_session`
does the same for an app's own views.
"""
import pytest
from flask import Flask, jsonify, session

from authomatic_extras.testing import login_with_test_client

PREFIX = 'authomatic-extras-fixation:'


def redis_app(config, redis_port, own_view=False):
    import redis
    from flask_session import Session

    from authomatic_extras.blueprint import make_login_blueprint
    from authomatic_extras.flask import FlaskAuthomatic

    app = Flask('fixation')
    app.config.update(SECRET_KEY='fixation-key-0123456789', SESSION_TYPE='redis',
                      SESSION_REDIS=redis.Redis(host='127.0.0.1', port=redis_port),
                      SESSION_KEY_PREFIX=PREFIX, SESSION_USE_SIGNER=True)
    Session(app)
    extension = FlaskAuthomatic(config, 'fixation-secret-0123456789', app=app)

    def on_login(result):
        session['user'] = result.user.email

    app.register_blueprint(make_login_blueprint(extension, on_login), url_prefix='/auth')

    @app.route('/own/<provider_name>')
    @extension.login()
    def own_login(provider_name):
        result = extension.result
        if result is None:
            return extension.response
        if result.error:
            return jsonify(error=str(result.error)), 401
        from authomatic_extras.flask import rotate_session
        rotate_session()
        session['user'] = result.user.email
        return jsonify(user=session['user'])

    @app.route('/')
    @app.route('/me')
    def me():
        return jsonify(user=session.get('user'))

    @app.route('/visit')
    def visit():
        session['visited'] = True
        return 'ok'

    app.redis = app.config['SESSION_REDIS']
    return app


def _sid(cookie_value):
    """The session id inside Flask-Session's signed cookie."""
    return cookie_value.rsplit('.', 1)[0]


@pytest.mark.parametrize('how_the_attacker_got_an_id', ['visit', 'started-a-login',
                                                        'left-a-next-page'])
@pytest.mark.parametrize('path', ['/auth/login/oauth2?next=/me', '/auth/login/oauth2',
                                  '/own/oauth2'])
def test_a_planted_session_id_does_not_see_the_victim(providers_config, redis_port,
                                                      how_the_attacker_got_an_id, path):
    """``left-a-next-page``: the planted session holds only the blueprint's
    next page, which the login consumes, so the session is empty when the
    id must change."""
    app = redis_app(providers_config, redis_port)
    attacker = app.test_client()
    if how_the_attacker_got_an_id == 'visit':
        attacker.get('/visit')
    elif how_the_attacker_got_an_id == 'started-a-login':
        attacker.get('/auth/login/oauth2')
    else:
        assert attacker.get('/auth/login/oauth2?next=/me').status_code == 302
    planted = attacker.get_cookie('session').value
    assert app.redis.exists(PREFIX + _sid(planted))

    victim = app.test_client()
    victim.set_cookie('session', planted)
    trip = login_with_test_client(victim, path)
    assert trip.json() == {'user': 'alice@example.org'}
    assert victim.get('/me').get_json() == {'user': 'alice@example.org'}

    # The attacker's copy of the id no longer opens the victim's session ...
    assert attacker.get('/me').get_json() == {'user': None}
    # ... because it was deleted server-side and the victim got a new one.
    assert not app.redis.exists(PREFIX + _sid(planted))
    assert _sid(victim.get_cookie('session').value) != _sid(planted)


def test_rotation_keeps_the_session_data(providers_config, redis_port):
    """What was in the session before the login (a cart, the next page) is
    still there after it, under the new id."""
    app = redis_app(providers_config, redis_port)
    browser = app.test_client()
    browser.get('/visit')
    before = _sid(browser.get_cookie('session').value)
    trip = login_with_test_client(browser, '/own/oauth2')
    assert trip.json() == {'user': 'alice@example.org'}
    after = _sid(browser.get_cookie('session').value)
    assert after != before
    stored = app.session_interface.serializer.decode(app.redis.get(PREFIX + after))
    assert stored['visited'] is True and stored['user'] == 'alice@example.org'


def test_rotate_session_with_flasks_cookie_session():
    """Flask's own cookie session has no id: rotating it writes a new cookie
    with the same content, and with ``keep=False`` an empty one."""
    from authomatic_extras.flask import rotate_session

    app = Flask('cookie-rotation')
    app.secret_key = 'cookie-rotation-key'

    @app.route('/set')
    def set_value():
        session['cart'] = ['book']
        return 'ok'

    @app.route('/rotate')
    def rotate():
        rotate_session()
        return jsonify(dict(session))

    @app.route('/rotate-empty')
    def rotate_empty():
        rotate_session(keep=False)
        return jsonify(dict(session))

    client = app.test_client()
    client.get('/set')
    rotated = client.get('/rotate')
    assert rotated.get_json() == {'cart': ['book']}
    assert any(h.startswith('session=') for h in rotated.headers.getlist('Set-Cookie'))
    emptied = client.get('/rotate-empty')
    assert emptied.get_json() == {}
    with client.session_transaction() as stored:
        assert dict(stored) == {}


def test_rotate_session_outside_a_request_says_what_to_fix():
    from authomatic_extras.flask import rotate_session

    with pytest.raises(RuntimeError, match='request'):
        rotate_session()
