# -*- coding: utf-8 -*-
"""The command line: ``python -m authomatic_extras.gae.devserver``, served
with waitress on 127.0.0.1."""
from __future__ import absolute_import

import argparse
import logging
import os
import re
import signal
import sys
import tempfile

from authomatic_extras.gae.devserver.app import DevServer
from authomatic_extras.gae.devserver.appyaml import AppYaml
from authomatic_extras.gae.devserver.errors import AppYamlError
from authomatic_extras.gae.devserver.seed import SeedError, load_seed
from authomatic_extras.gae.devserver.stubs import CONSISTENCY_POLICIES, \
    DEFAULT_APPLICATION

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
                        help='port to listen on (0 picks a free one; '
                             'default 8080)')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on (default 127.0.0.1)')
    parser.add_argument('--storage-path', default=None,
                        help='folder for the on-disk datastore (default: a '
                             'folder per application in the temp dir)')
    parser.add_argument('--application', default=None,
                        help='application id (default: app.yaml\'s, else %s)'
                        % DEFAULT_APPLICATION)
    parser.add_argument('--seed', action='append', default=[],
                        metavar='FILE',
                        help='YAML/JSON file of NDBConfig provider entries '
                             '({name: {class_: ..., consumer_key: ...}}) '
                             'stored before serving; repeatable')
    parser.add_argument('--datastore-consistency-policy', default='time',
                        choices=CONSISTENCY_POLICIES,
                        help='when a write shows in global queries, as '
                             'dev_appserver\'s option: time (its default: '
                             'eventual consistency), random, or consistent')
    parser.add_argument('--allow-host', action='append', default=[],
                        metavar='NAME',
                        help='also accept this name in the Host header '
                             '(localhost, 127.0.0.1 and [::1] always are); '
                             'repeatable')
    parser.add_argument('--threads', type=int, default=4,
                        help='waitress threads (requests still run one at '
                             'a time)')
    return parser


def _refuse(message):
    sys.stderr.write('devserver: refusing app.yaml: %s\n' % message)
    return 2


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format='devserver: %(levelname)s %(message)s')
    try:
        config = AppYaml(args.app_yaml)
    except (IOError, OSError) as error:
        sys.stderr.write('devserver: cannot read %s: %s\n'
                         % (args.app_yaml, error))
        return 2
    except AppYamlError as error:
        return _refuse(error)
    try:
        seeds = [load_seed(path) for path in args.seed]
    except SeedError as error:
        sys.stderr.write('devserver: %s\n' % error)
        return 2
    for warning in config.warnings:
        sys.stderr.write('devserver: warning: %s\n' % warning)
    application = args.application or config.application or \
        DEFAULT_APPLICATION
    storage = args.storage_path or _default_storage(application)
    server = DevServer(config, storage, application,
                       consistency=args.datastore_consistency_policy,
                       allowed_hosts=args.allow_host, bound_host=args.host)
    server.start_stubs()
    try:
        config.load_apps()
    except AppYamlError as error:
        server.stop_stubs()
        return _refuse(error)
    for entries in seeds:
        names = server.seed(entries)
        sys.stdout.write('Seeded NDBConfig: %s\n' % ', '.join(names))

    from waitress import create_server

    wsgi_server = create_server(server, host=args.host, port=args.port,
                                threads=args.threads, ident='devserver')
    server.port = wsgi_server.effective_port
    status = server.warm_up()
    if status is not None:
        sys.stdout.write('Warmup request /_ah/warmup: %s\n' % status)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    sys.stdout.write('Serving %s at http://%s:%s/ (application %s, '
                     'datastore in %s, consistency %s)\n' % (
                         config.path, args.host, wsgi_server.effective_port,
                         application, storage,
                         args.datastore_consistency_policy))
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
