"""A real PostgreSQL server for the credentials-store tests, started once per
test session in a temporary folder (``initdb``, then ``pg_ctl start``).

PostgreSQL refuses to run as root: as root the server runs as ``nobody``
(``runuser``). Port 0 is not possible for PostgreSQL, so a free port is found
by binding a socket first (and the start retried on the rare clash).

Without PostgreSQL's server binaries the tests that need it skip with the
reason, unless ``AUTHOMATIC_EXTRAS_REQUIRE_SERVICES=1`` (CI), where they fail.
"""
import glob
import os
import shutil
import socket
import subprocess
import tempfile

import pytest

REQUIRE_ENV = 'AUTHOMATIC_EXTRAS_REQUIRE_SERVICES'
BINDIR_ENV = 'AUTHOMATIC_EXTRAS_PG_BINDIR'
RUN_AS = 'nobody'


def unavailable(reason):
    if os.environ.get(REQUIRE_ENV) == '1':
        pytest.fail('{0} ({1}=1: PostgreSQL tests must run here)'.format(reason, REQUIRE_ENV),
                    pytrace=False)
    pytest.skip(reason)


def _version(bindir):
    name = bindir.split('/')[-2]
    return int(name) if name.isdigit() else 0


def find_bindir():
    """The folder of initdb and pg_ctl: $AUTHOMATIC_EXTRAS_PG_BINDIR, Debian's
    /usr/lib/postgresql/<newest>/bin, or the PATH."""
    explicit = os.environ.get(BINDIR_ENV)
    if explicit:
        candidates = [explicit]
    else:
        candidates = sorted(glob.glob('/usr/lib/postgresql/*/bin'), key=_version, reverse=True)
        on_path = shutil.which('initdb')
        if on_path:
            candidates.append(os.path.dirname(on_path))
    for folder in candidates:
        if all(os.access(os.path.join(folder, tool), os.X_OK) for tool in ('initdb', 'pg_ctl')):
            return folder
    return None


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class LocalPostgres(object):
    """One throwaway PostgreSQL cluster: TCP on 127.0.0.1 with trust authentication,
    superuser ``postgres``, no fsync (test data only), and a lock wait of
    at most 20 s, so a transaction a test forgot fails the test quickly."""

    def __init__(self, bindir):
        self.bindir = bindir
        self._as_other_user = os.geteuid() == 0
        # The server user must reach the folder: under /tmp, not in a TMPDIR
        # that may sit in root's home.
        base = '/tmp' if self._as_other_user and os.path.isdir('/tmp') else None
        self.root = tempfile.mkdtemp(prefix='authomatic-extras-pg-', dir=base)
        self.data = os.path.join(self.root, 'data')
        self.log = os.path.join(self.root, 'server.log')
        self.port = None
        if self._as_other_user:
            os.chown(self.root, *self._ids())

    @staticmethod
    def _ids():
        import pwd
        entry = pwd.getpwnam(RUN_AS)
        return entry.pw_uid, entry.pw_gid

    def _run(self, tool, *args, timeout=60):
        command = [os.path.join(self.bindir, tool)] + list(args)
        if self._as_other_user:
            command = ['runuser', '-u', RUN_AS, '--'] + command
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=self.root)

    def start(self):
        done = self._run('initdb', '-D', self.data, '-U', 'postgres', '-A', 'trust',
                         '-E', 'UTF8', '--no-sync', '--no-instructions')
        if done.returncode != 0:
            raise RuntimeError('initdb failed:\n' + done.stdout + done.stderr)
        for _ in range(3):
            self.port = free_port()
            # TCP only: a Unix socket path may exceed its 107-byte limit.
            options = ("-p {0} -c unix_socket_directories='' -c listen_addresses=127.0.0.1 "
                       '-c fsync=off -c full_page_writes=off -c lock_timeout=20s'.format(
                           self.port))
            done = self._run('pg_ctl', '-D', self.data, '-l', self.log, '-o', options,
                             '-w', '-t', '30', 'start')
            if done.returncode == 0:
                return self
        with open(self.log) as log:
            raise RuntimeError('PostgreSQL did not start:\n' + done.stdout + done.stderr
                               + log.read()[-2000:])

    @property
    def url(self):
        """SQLAlchemy URL of the ``postgres`` database, with psycopg 3."""
        return 'postgresql+psycopg://postgres@127.0.0.1:{0}/postgres'.format(self.port)

    def stop(self):
        if os.path.exists(os.path.join(self.data, 'postmaster.pid')):
            self._run('pg_ctl', '-D', self.data, '-m', 'fast', '-w', 'stop')
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope='session')
def postgres_server():
    """A running :class:`LocalPostgres` for the whole test session."""
    bindir = find_bindir()
    if bindir is None:
        unavailable('PostgreSQL is not installed (Debian: apt-get install postgresql; or '
                    'set {0} to the folder of initdb and pg_ctl)'.format(BINDIR_ENV))
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable('psycopg is not installed (pip install "psycopg[binary]")')
    server = LocalPostgres(bindir)
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture
def postgres_engine(postgres_server):
    """An engine on the test server; every table is dropped after the test."""
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_server.url)
    yield engine
    with engine.begin() as connection:
        names = sa.inspect(connection).get_table_names()
        for name in names:
            connection.execute(sa.text('DROP TABLE IF EXISTS "{0}" CASCADE'.format(name)))
    engine.dispose()
