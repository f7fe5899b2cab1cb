"""Run the gen-1 dev server (:mod:`authomatic_extras.gae.devserver`) in a
child process, for end-to-end tests of an ``app.yaml``::

    from authomatic_extras.testing.devserver_process import DevServerProcess

    with DevServerProcess('app.yaml', storage_path=str(tmp_path / 'storage')) as server:
        requests.get(server.url + '/')

The child runs outside the source checkout by default (in the storage
folder's parent), so ``import authomatic_extras`` there finds the installed
package, whose ``gae`` subpackage a source checkout only has under ``gae/``.
"""
import os
import select
import signal
import subprocess
import sys
import time

__all__ = ['DevServerProcess']


class DevServerProcess(object):
    """``python -m authomatic_extras.gae.devserver APP_YAML --port 0 ...``.

    :param str app_yaml: path of the ``app.yaml`` (made absolute).
    :param str storage_path: the datastore folder (kept across restarts).
    :param str application: the application id (``dev~`` and 6+ characters).
    :param str cwd: where the child runs (default: ``storage_path``'s parent).
    :param dict env: its environment (default: this process's).
    :param float timeout: seconds to wait for "Serving ... at URL".

    :attr:`url` is the server's base URL (no trailing slash);
    :meth:`stop` ends it and returns its exit status.
    """

    def __init__(self, app_yaml, storage_path, application='dev~authomatic-extras',
                 cwd=None, env=None, timeout=60):
        storage_path = os.path.abspath(storage_path)
        self.proc = subprocess.Popen(
            [sys.executable, '-u', '-m', 'authomatic_extras.gae.devserver',
             os.path.abspath(app_yaml), '--port', '0', '--storage-path', storage_path,
             '--application', application],
            cwd=cwd or os.path.dirname(storage_path), env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self._first_line(timeout)
        if not line.startswith(b'Serving'):
            self.stop()
            raise RuntimeError('The dev server did not start: {0!r} {1!r}'.format(
                line, self.proc.stderr.read()[-2000:]))
        self.url = line.split(b' at ')[1].split()[0].decode().rstrip('/')

    def _first_line(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 1)
            if ready:
                return self.proc.stdout.readline()
            if self.proc.poll() is not None:
                break
        return b''

    def stop(self):
        """End the server (SIGTERM, then SIGKILL after 30 s); its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()
