"""Child process: ``python -m benchmarks.serve provider`` or
``python -m benchmarks.serve app <contender> <provider_url>``.

Prints ``URL <url>`` when listening and serves until stdin closes."""
import logging
import os
import sys


def main(argv):
    if argv[0] == 'provider':
        logging.disable(logging.CRITICAL)   # same provider for all: keep it quiet
        from authomatic_extras.testing import LocalOAuth2Server
        server = LocalOAuth2Server(host='127.0.0.1').start()
    else:
        from authomatic_extras.testing import LocalAppServer

        from benchmarks.apps import make_app
        server = LocalAppServer(make_app(argv[1], argv[2]), host='127.0.0.1').start()
    sys.stdout.write('URL {0}\n'.format(server.url))
    sys.stdout.flush()
    # Nobody reads our stdout any more: a full pipe must never block a server.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdin.read()        # until the parent closes it (or dies)
    server.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
