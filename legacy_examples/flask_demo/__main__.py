"""``python -m legacy_examples.flask_demo``: the demo app and its local providers.

Starts the local OAuth 2.0 provider (``--provider-port``, on ``127.0.0.1``;
also the local OpenID Connect issuer),
a local OAuth 1.0a provider (any free port; ``--no-oauth1`` to leave it out)
and the Flask demo app (``--host``/``--port``, ``localhost:5000`` by
default), prints the URL to open and serves until Ctrl+C.
"""
import argparse
import errno
import logging
import sys

from .providers import REAL_PROVIDERS, local_entries, providers_from_env

PROVIDER_HOST = '127.0.0.1'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m legacy_examples.flask_demo',
        description='Run the Flask demo of authomatic-extras with a local OAuth 2.0 '
                    'provider: a complete login with no account and no internet.')
    parser.add_argument('--host', default='localhost',
                        help='host name / interface of the app (default localhost; the '
                             'provider runs on 127.0.0.1, another site for the browser)')
    parser.add_argument('--port', type=int, default=5000,
                        help='port of the app (default 5000; 0 = any free port)')
    parser.add_argument('--provider-port', type=int, default=8765,
                        help='port of the local OAuth 2.0 provider on 127.0.0.1 '
                             '(default 8765; 0 = any free port)')
    parser.add_argument('--no-oauth1', action='store_true',
                        help='do not offer the local OAuth 1.0a provider')
    return parser.parse_args(argv)


def _port_in_use(server, what, option):
    return SystemExit('error: port {0} of {1} for the {2} is in use; pick another '
                      'with {3} (0 = any free port).'.format(server.port, server.host,
                                                            what, option))


def _start(what, server, option):
    try:
        return server.start()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise _port_in_use(server, what, option) from None
        raise


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format='%(levelname)s %(name)s: %(message)s')
    # The demo's own lines ("alice logged in with local") at INFO; the login
    # steps' chatter stays out, a failed login shows as one WARNING line.
    logging.getLogger('legacy_examples.flask_demo').setLevel(logging.INFO)
    logging.getLogger('legacy_examples.flask_demo.login').setLevel(logging.WARNING)

    from authomatic_extras.testing import LocalAppServer, LocalOAuth1Server, LocalOAuth2Server

    from .app import create_app

    # OpenID Connect mode: the same server is also the local OIDC issuer.
    oauth2 = _start('local OAuth 2.0 provider',
                    LocalOAuth2Server(host=PROVIDER_HOST, port=args.provider_port, oidc=True),
                    '--provider-port')
    oauth1 = None
    if not args.no_oauth1:
        oauth1 = _start('local OAuth 1.0a provider',
                        LocalOAuth1Server(host=PROVIDER_HOST, port=0), '--provider-port')
    config = local_entries(oauth2, oauth1)
    real = providers_from_env()
    config.update(real)
    app = create_app({'AUTHOMATIC_CONFIG': config})

    shown_host = 'localhost' if args.host in ('', '0.0.0.0', '::') else args.host
    server = LocalAppServer(app, host=args.host, port=args.port)

    def announce(bound):
        url = 'http://{0}:{1}/'.format(
            '[' + shown_host + ']' if ':' in shown_host else shown_host, bound.port)
        lines = [
            'authomatic-extras Flask demo',
            '',
            '  Open {0} in your browser.'.format(url),
            '',
            '  local OAuth 2.0 provider:  {0}  (test users: {1}; no password)'.format(
                oauth2.url, ', '.join(u.username for u in oauth2.users.all())),
        ]
        lines.append('  local OpenID Connect issuer: {0}  (the same server)'.format(
            oauth2.issuer))
        if oauth1 is not None:
            lines.append('  local OAuth 1.0a provider: {0}'.format(oauth1.url))
        if real:
            lines.append('  real providers: {0}  (register the callback {1}login/<name>/)'.format(
                ', '.join(sorted(real)), url))
        else:
            lines.append('  real providers: none; set e.g. {0} and {1} (see docs/demo.md)'.format(
                REAL_PROVIDERS[1].key_var, REAL_PROVIDERS[1].secret_var))
        if shown_host == PROVIDER_HOST:
            lines.append('  note: the app and the provider share the site 127.0.0.1; use '
                         '--host localhost to test cross-site logins.')
        lines += ['', 'Press Ctrl+C to stop.']
        print('\n'.join(lines))
        sys.stdout.flush()

    server.on_bind = announce
    try:
        server.serve_forever()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise _port_in_use(server, 'app', '--port') from None
        raise
    except KeyboardInterrupt:
        pass
    finally:
        if oauth1 is not None:
            oauth1.stop()
        oauth2.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
