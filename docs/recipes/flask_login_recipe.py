"""Flask-Login recipe: a provider login becomes a Flask-Login session.

The app's users are keyed by provider and the provider's user id, so the
same person logging in with two providers gets two app users unless you
link them yourself.
"""
from flask import Flask, redirect, url_for
from flask_login import (LoginManager, UserMixin, current_user, login_required, login_user,
                         logout_user)
from markupsafe import escape

from authomatic_extras.flask import FlaskAuthomatic, rotate_session

authomatic = FlaskAuthomatic()
login_manager = LoginManager()

#: Stands in for your database: app user id -> User.
USERS = {}


class User(UserMixin):
    def __init__(self, provider_name, provider_user_id, name, email):
        self.id = '{0}:{1}'.format(provider_name, provider_user_id)
        self.name = name
        self.email = email


@login_manager.user_loader
def load_user(user_id):
    return USERS.get(user_id)


def create_app(config):
    app = Flask(__name__)
    app.config.update(config)  # SECRET_KEY and AUTHOMATIC_CONFIG
    authomatic.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = 'choose_provider'

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
        result.user.update()  # fetch name and email where the login did not
        user = User(provider_name, result.user.id, result.user.name, result.user.email)
        USERS[user.id] = user
        rotate_session()  # a new session id: one planted before the login is worthless
        login_user(user)
        return redirect(url_for('profile'))

    @app.route('/profile')
    @login_required
    def profile():
        return 'Hello {0}, {1} ({2})'.format(
            escape(current_user.name), escape(current_user.email), escape(current_user.id))

    @app.route('/logout')
    def logout():
        logout_user()
        return redirect(url_for('choose_provider'))

    return app
