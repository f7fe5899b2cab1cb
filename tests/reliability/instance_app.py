"""One app instance for the multi-instance tests: FlaskAuthomatic with its
session in redis through Flask-Session, on Werkzeug's threaded server.

    python tests/reliability/instance_app.py --name A --provider-url URL
        --redis-port N [--redis-db 0] --port-file PATH

Every JSON answer names the instance that gave it (``instance``), so a test
can prove where each step ran. Writes its port to ``--port-file`` when ready.
"""
import argparse
import logging
import os
import sys


def create_app(name, provider_url, redis_port, redis_db=0, secret='shared-secret-0123456789'):
    import redis
    from flask import Flask, jsonify
    from flask_session import Session

    from authomatic_extras.flask import FlaskAuthomatic
    from authomatic_extras.testing.providers import LocalOAuth2

    app = Flask('instance-' + name)
    app.config.update(
        SECRET_KEY=secret,
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
    args = parser.parse_args(argv)

    from werkzeug.serving import make_server

    logging.getLogger('werkzeug').setLevel(logging.ERROR)
    app = create_app(args.name, args.provider_url, args.redis_port, args.redis_db)
    server = make_server('127.0.0.1', 0, app, threaded=True)
    with open(args.port_file + '.tmp', 'w') as handle:
        handle.write(str(server.server_port))
    os.rename(args.port_file + '.tmp', args.port_file)
    server.serve_forever()
    return 0


if __name__ == '__main__':
    sys.exit(main())
