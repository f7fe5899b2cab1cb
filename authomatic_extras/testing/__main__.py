"""Run a local test provider in the foreground.

    python -m authomatic_extras.testing [--port 8765] [--host 127.0.0.1]
                                        [--protocol oauth2|oidc|oauth1|openid]

Prints the provider's URL and a config snippet for the authomatic core.
"""
import argparse
import pprint
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m authomatic_extras.testing',
        description='Run a local test provider (no internet, test users '
                    'alice and bob) in the foreground.')
    parser.add_argument('--port', type=int, default=8765,
                        help='port to listen on (default 8765; 0 = any free port)')
    parser.add_argument('--host', default='127.0.0.1',
                        help='interface / host name (default 127.0.0.1)')
    parser.add_argument('--protocol', choices=('oauth2', 'oidc', 'oauth1', 'openid'),
                        default='oauth2',
                        help='which provider (default oauth2; oidc: OpenID Connect issuer)')
    args = parser.parse_args(argv)

    options = {}
    if args.protocol in ('oauth2', 'oidc'):
        from .oauth2_server import LocalOAuth2Server as cls
        options['oidc'] = args.protocol == 'oidc'
    elif args.protocol == 'oauth1':
        from .oauth1_server import LocalOAuth1Server as cls
    else:
        from .openid_server import LocalOpenIDServer as cls

    server = cls(host=args.host, port=args.port, **options)
    server.on_bind = lambda s: _announce(s, args.protocol)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def _announce(server, protocol):
    entry = server.oidc_config_entry(id=1) if protocol == 'oidc' else server.config_entry(id=1)
    if not isinstance(entry['class_'], str):
        entry['class_'] = '{0}.{1}'.format(entry['class_'].__module__,
                                            entry['class_'].__name__)
    print('{0} listening on {1}'.format(type(server).__name__, server.url))
    print('Test users: ' + ', '.join(u.username for u in server.users.all()))
    print('Config for the authomatic core:')
    print('CONFIG = ' + pprint.pformat({'local_' + protocol: entry}, width=72))
    if protocol == 'openid':
        print('Log in with ?id=' + server.identifier())
    print('Press Ctrl+C to stop.')
    sys.stdout.flush()


if __name__ == '__main__':
    sys.exit(main())
