# -*- coding: utf-8 -*-
"""The command line: ``python -m authomatic_extras.gae.devserver``, served
with waitress on 127.0.0.1."""
from __future__ import absolute_import

import argparse
import os
import re
import signal
import sys
import tempfile

from authomatic_extras.gae.devserver.app import DevServer
from authomatic_extras.gae.devserver.appyaml import AppYaml
from authomatic_extras.gae.devserver.errors import AppYamlError
from authomatic_extras.gae.devserver.stubs import DEFAULT_APPLICATION

__all__ = ['main', 'build_parser']


def _default_storage(application):
    name = re.sub(r'[^A-Za-z0-9_.-]', '_', application)
    return os.path.join(tempfile.gettempdir(), 'authomatic_extras_devserver',
                        name)


def build_parser():
    parser = argparse.ArgumentParser(
        prog='python -m authomatic_extras.gae.devserver',
        description='Serve a gen-1 (python27) app.yaml locally on App Engine '
                    'service stubs.')
    parser.add_argument('app_yaml', nargs='?', default='app.yaml',
                        help='path of app.yaml (default: ./app.yaml)')
    parser.add_argument('--port', type=int, default=8080,
                        help='port on 127.0.0.1 (0 picks a free one; '
                             'default 8080)')
    parser.add_argument('--storage-path', default=None,
                        help='folder for the on-disk datastore (default: a '
                             'folder per application in the temp dir)')
    parser.add_argument('--application', default=None,
                        help='application id (default: app.yaml\'s, else %s)'
                        % DEFAULT_APPLICATION)
    parser.add_argument('--threads', type=int, default=4,
                        help='waitress threads (requests still run one at '
                             'a time)')
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        config = AppYaml(args.app_yaml)
    except (IOError, OSError) as error:
        sys.stderr.write('devserver: cannot read %s: %s\n'
                         % (args.app_yaml, error))
        return 2
    except AppYamlError as error:
        sys.stderr.write('devserver: refusing app.yaml: %s\n' % error)
        return 2
    application = args.application or config.application or \
        DEFAULT_APPLICATION
    storage = args.storage_path or _default_storage(application)
    server = DevServer(config, storage, application)
    server.start_stubs()
    try:
        config.load_apps()
    except AppYamlError as error:
        server.stop_stubs()
        sys.stderr.write('devserver: refusing app.yaml: %s\n' % error)
        return 2

    from waitress import create_server

    wsgi_server = create_server(server, host='127.0.0.1', port=args.port,
                                threads=args.threads, ident='devserver')

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    sys.stdout.write('Serving %s at http://127.0.0.1:%s/ (application %s, '
                     'datastore in %s)\n' % (config.path,
                                             wsgi_server.effective_port,
                                             application, storage))
    sys.stdout.flush()
    try:
        wsgi_server.run()
    except KeyboardInterrupt:
        pass
    finally:
        wsgi_server.close()
        server.stop_stubs()
        sys.stdout.write('Stopped; datastore saved.\n')
        sys.stdout.flush()
    return 0
