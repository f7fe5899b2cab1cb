"""The public contract of FlaskAuthomatic from the seed docs, and app-factory support."""
import inspect
import logging

import pytest
from authomatic import Authomatic
from authomatic.exceptions import ConfigError
from authomatic.providers import oauth2
from flask import Flask

from authomatic_extras.flask import FlaskAuthomatic

SEED_PARAMETERS = [
    ('config', None), ('secret', None), ('session_max_age', 600), ('secure_cookie', False),
    ('session', None), ('session_save_method', None), ('report_errors', True), ('debug', False),
    ('logging_level', 20), ('prefix', 'authomatic'), ('logger', None),
]
CONFIG = {'gh': {'class_': oauth2.GitHub, 'consumer_key': 'k', 'consumer_secret': 's', 'id': 1}}


def test_constructor_keeps_the_seed_parameters_order_and_defaults():
    params = list(inspect.signature(FlaskAuthomatic.__init__).parameters.values())[1:]
    assert [(p.name, p.default) for p in params[:len(SEED_PARAMETERS)]] == SEED_PARAMETERS
    # The additions, documented, after the seed's: app=None for the app-factory
    # convention and fetch_timeout for calls to the provider.
    assert [(p.name, p.default) for p in params[len(SEED_PARAMETERS):]] == [
        ('app', None), ('fetch_timeout', 20)]


def test_positional_arguments_land_where_the_seed_puts_them():
    logger = logging.getLogger('test.contract.positional')
    ext = FlaskAuthomatic(CONFIG, 'sec', 60, True, None, None, False, True, 10, 'pfx', logger)
    assert (ext.config, ext.secret, ext.session_max_age, ext.secure_cookie) == (
        CONFIG, 'sec', 60, True)
    assert (ext.report_errors, ext.debug, ext.logging_level, ext.prefix) == (False, True, 10, 'pfx')
    assert ext._logger is logger


def test_it_is_an_authomatic_and_login_is_a_decorator_factory():
    ext = FlaskAuthomatic(CONFIG, 'sec')
    assert isinstance(ext, Authomatic)
    assert list(inspect.signature(FlaskAuthomatic.login).parameters) == [
        'self', 'login_args', 'login_kwargs']
    assert callable(ext.login('gh'))


def test_a_given_logger_keeps_its_own_level():
    logger = logging.getLogger('test.contract.level')
    logger.setLevel(logging.WARNING)
    FlaskAuthomatic(CONFIG, 'sec', logging_level=logging.DEBUG, logger=logger)
    assert logger.level == logging.WARNING


def test_the_default_logger_takes_logging_level():
    ext = FlaskAuthomatic(CONFIG, 'sec', logging_level=logging.ERROR, prefix='lvl')
    assert ext._logger.level == logging.ERROR


def test_result_and_response_are_none_outside_a_request():
    ext = FlaskAuthomatic(CONFIG, 'sec')
    assert ext.result is None and ext.response is None
    app = Flask(__name__)
    with app.app_context():
        assert ext.result is None and ext.response is None


def test_no_arguments_then_init_app_reads_the_app_config():
    ext = FlaskAuthomatic()
    app = Flask(__name__)
    app.config.update(AUTHOMATIC_CONFIG=CONFIG, AUTHOMATIC_SECRET='from-config')
    ext.init_app(app)
    # Flask's extension guide: the extension itself, as Flask-SQLAlchemy does.
    assert app.extensions['authomatic'] is ext
    assert ext.config is None  # outside an app context nothing is bound
    with app.app_context():
        assert ext.config is CONFIG and ext.secret == 'from-config'


def test_secret_falls_back_to_secret_key():
    app = Flask(__name__)
    app.config.update(AUTHOMATIC_CONFIG=CONFIG, SECRET_KEY='flask-secret')
    ext = FlaskAuthomatic(app=app)
    with app.app_context():
        assert ext.secret == 'flask-secret'


def test_one_extension_serves_two_apps_with_their_own_config():
    ext = FlaskAuthomatic()
    first, second = Flask('first'), Flask('second')
    other = {'x': {'class_': oauth2.Google, 'id': 2}}
    first.config.update(AUTHOMATIC_CONFIG=CONFIG, SECRET_KEY='a')
    second.config.update(AUTHOMATIC_CONFIG=other, SECRET_KEY='b')
    ext.init_app(first)
    ext.init_app(second)
    with first.app_context():
        assert ext.config is CONFIG and ext.secret == 'a'
    with second.app_context():
        assert ext.config is other and ext.secret == 'b'


@pytest.mark.parametrize('settings, message', [
    ({'SECRET_KEY': 'x'}, 'AUTHOMATIC_CONFIG'),
    ({'AUTHOMATIC_CONFIG': CONFIG}, 'AUTHOMATIC_SECRET'),
])
def test_init_app_says_what_is_missing(settings, message):
    app = Flask(__name__)
    app.config.update(settings)
    with pytest.raises(ConfigError, match=message):
        FlaskAuthomatic().init_app(app)


def test_a_custom_session_without_a_saver_is_refused_at_construction():
    with pytest.raises(ConfigError, match='session_save_method'):
        FlaskAuthomatic(CONFIG, 'sec', session={})


def test_secure_cookie_makes_flask_session_cookie_secure():
    app = Flask(__name__)
    app.config.update(AUTHOMATIC_CONFIG=CONFIG, SECRET_KEY='x')
    FlaskAuthomatic(secure_cookie=True, app=app)
    assert app.config['SESSION_COOKIE_SECURE'] is True


def _app_with_login_view(ext):
    app = Flask(__name__)
    app.secret_key = 'flask-secret'

    @app.route('/login/<provider_name>')
    @ext.login()
    def login(provider_name):
        return ext.response

    @app.route('/fixed')
    @ext.login('nope')
    def fixed():
        return ext.response

    return app


@pytest.mark.parametrize('path', ['/login/unknown', '/login/__defaults__', '/fixed'])
def test_unknown_provider_names_answer_404(path):
    ext = FlaskAuthomatic(dict(CONFIG, __defaults__={'id': 9}), 'sec')
    response = _app_with_login_view(ext).test_client().get(path)
    assert response.status_code == 404
    assert b'Traceback' not in response.data


def test_first_step_redirects_to_the_provider_using_the_url_argument():
    ext = FlaskAuthomatic(CONFIG, 'sec')
    response = _app_with_login_view(ext).test_client().get('/login/gh')
    assert response.status_code == 302
    assert response.headers['Location'].startswith('https://github.com/login/oauth/authorize?')
