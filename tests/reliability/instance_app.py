"""One app instance for the multi-instance tests: FlaskAuthomatic with its
session in redis through Flask-Session, on Werkzeug's threaded server.

    python tests/reliability/instance_app.py --name A --provider-url URL
        --redis-port N [--redis-db 0] --port-file PATH
        [--openid-url URL --openid-store redis|memory] [--session redis|cookie]

``--openid-url`` adds an ``openid`` provider (the local OpenID server at
URL); ``--openid-store redis`` gives it a ``RedisOpenIDStore`` on the same
redis, ``memory`` leaves the per-process default. ``--session cookie`` keeps
Flask's signed cookie session (shared ``SECRET_KEY``) instead of Flask-Session.

Every JSON answer names the instance that gave it (``instance``), so a test
can prove where each step ran. Writes its port to ``--port-file`` when ready.
"""
import argparse
import logging
import os
import sys


def create_app(name, provider_url, redis_port, redis_db=0, secret='shared-secret-0123456789',
               openid_url=None, openid_store='memory', session='redis'):
    import redis
    from flask import Flask, jsonify

    from authomatic_extras.flask import FlaskAuthomatic
    from authomatic_extras.testing.providers import LocalOAuth2

    app = Flask('instance-' + name)
    app.config['SECRET_KEY'] = secret
    if session == 'redis':
        from flask_session import Session

        app.config.update(
            SESSION_TYPE='redis',
            SESSION_REDIS=redis.Redis(host='127.0.0.1', port=redis_port, db=redis_db),
            SESSION_KEY_PREFIX='authomatic-extras-test:',
            SESSION_USE_SIGNER=True,
        )
        Session(app)
    config = {'local': {'class_': LocalOAuth2, 'id': 1, 'consumer_key': 'local-client',
                        'consumer_secret': 'local-secret',
                        'scope': ['openid', 'profile', 'email'],
                        'provider_url': provider_url}}
    if openid_url:
        from authomatic.providers.openid import OpenID

        config['openid'] = {'class_': OpenID, 'id': 3,
                            'allow_private_addresses': ['127.0.0.1/32']}
        if openid_store == 'redis':
            from authomatic_extras.openid_stores import RedisOpenIDStore

            config['openid']['store'] = RedisOpenIDStore(
                redis.Redis(host='127.0.0.1', port=redis_port, db=redis_db))
    authomatic = FlaskAuthomatic(config, secret, app=app)

    @app.route('/login/<provider_name>')
    @authomatic.login()
    def login(provider_name):
        result = authomatic.result
        if result is None:
            response = authomatic.response
            response.headers['X-Instance'] = name
            return response
        body = {'instance': name, 'user': None, 'error': None, 'error_type': None}
        if result.error is not None:
            body['error'] = str(getattr(result.error, 'message', result.error))
            body['error_type'] = type(result.error).__name__
        elif result.user is not None:
            body['user'] = {'id': result.user.id, 'name': result.user.name,
                            'email': result.user.email}
        return jsonify(body), 200 if body['user'] else 401

    @app.route('/whoami')
    def whoami():
        return jsonify({'instance': name})

    return app


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--name', required=True)
    parser.add_argument('--provider-url', required=True)
    parser.add_argument('--redis-port', type=int, required=True)
    parser.add_argument('--redis-db', type=int, default=0)
    parser.add_argument('--port-file', required=True)
    parser.add_argument('--openid-url')
    parser.add_argument('--openid-store', choices=['memory', 'redis'], default='memory')
    parser.add_argument('--session', choices=['redis', 'cookie'], default='redis')
    args = parser.parse_args(argv)

    from werkzeug.serving import make_server

    logging.getLogger('werkzeug').setLevel(logging.ERROR)
    app = create_app(args.name, args.provider_url, args.redis_port, args.redis_db,
                     openid_url=args.openid_url, openid_store=args.openid_store,
                     session=args.session)
    server = make_server('127.0.0.1', 0, app, threaded=True)
    with open(args.port_file + '.tmp', 'w') as handle:
        handle.write(str(server.server_port))
    os.rename(args.port_file + '.tmp', args.port_file)
    server.serve_forever()
    return 0


if __name__ == '__main__':
    sys.exit(main())
