"""Fresh credentials per Flask-Login user, kept in a SQL table.

After a login, the user's provider credentials go into a
``SQLAlchemyCredentialsStore`` under the app's user id. Later, in any
request, ``authomatic.access()`` calls the provider's API with them; when
they expired it refreshes them first and sends ``credentials_refreshed``,
whose receiver stores the new ones. When they cannot be refreshed any more,
the user logs in again.
"""
import sqlalchemy
from authomatic.exceptions import FetchError
from flask import Flask, jsonify, redirect, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from markupsafe import escape

from authomatic_extras.credentials import CredentialsRefreshError, SQLAlchemyCredentialsStore
from authomatic_extras.flask import FlaskAuthomatic
from authomatic_extras.signals import credentials_refreshed

authomatic = FlaskAuthomatic()
login_manager = LoginManager()

#: Stands in for your users table: app user id -> User.
USERS = {}


class User(UserMixin):
    def __init__(self, provider_name, provider_user_id, name):
        self.id = '{0}:{1}'.format(provider_name, provider_user_id)
        self.name = name


@login_manager.user_loader
def load_user(user_id):
    return USERS.get(user_id)


def store_refreshed(app, credentials, **extra):
    """``credentials_refreshed`` receiver: keep the new credentials (the old
    access token, and with many providers the old refresh token, are dead)."""
    app.extensions['credentials_store'].save(current_user.get_id(), credentials)


def create_app(config):
    app = Flask(__name__)
    app.config.update(config)  # SECRET_KEY, AUTHOMATIC_CONFIG, DATABASE_URL, API_URL
    authomatic.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = 'choose_provider'
    store = SQLAlchemyCredentialsStore(sqlalchemy.create_engine(app.config['DATABASE_URL']))
    store.create_table()
    app.extensions['credentials_store'] = store
    credentials_refreshed.connect(store_refreshed, app)

    @app.route('/login')
    def choose_provider():
        return ' '.join('<a href="{0}">{1}</a>'.format(
            url_for('login', provider_name=name), escape(name))
            for name in app.config['AUTHOMATIC_CONFIG'])

    @app.route('/login/<provider_name>')
    @authomatic.login()
    def login(provider_name):
        result = authomatic.result
        if result is None:
            return authomatic.response  # on the way to the provider
        if result.error:
            return 'Login failed: {0}'.format(escape(result.error.message)), 401
        result.user.update()
        user = User(provider_name, result.user.id, result.user.name)
        USERS[user.id] = user
        store.save(user.id, result.user.credentials)
        login_user(user)
        return redirect(url_for('api'))

    @app.route('/api')
    @login_required
    def api():
        """Call the provider's API on the user's behalf."""
        credentials = store.load(current_user.get_id())
        if credentials is None:
            return redirect(url_for('choose_provider'))
        try:
            response = authomatic.access(credentials, app.config['API_URL'])
        except FetchError:  # the provider is down or slow (refreshing or not): try later
            return 'The provider is not answering; try again later.', 503
        except CredentialsRefreshError:  # no refresh token, or refused: log in again
            store.delete(current_user.get_id())
            return redirect(url_for('choose_provider'))
        return jsonify(status=response.status, data=response.data)

    return app
