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
import signal
import subprocess
import sys
import threading

__all__ = ['DevServerProcess']


class DevServerProcess(object):
    """``python -m authomatic_extras.gae.devserver APP_YAML --port 0 ...``.

    :param str app_yaml: path of the ``app.yaml`` (made absolute).
    :param str storage_path: the datastore folder (kept across restarts).
    :param str application: the application id (``dev~`` and 6+ characters).
    :param str cwd: where the child runs (default: ``storage_path``'s parent).
    :param dict env: its environment (default: this process's).
    :param float timeout: seconds to wait for "Serving ... at URL".
    :param list args: more command-line arguments (e.g. ``['--seed', F]``).

    :attr:`url` is the server's base URL (no trailing slash);
    :attr:`output` what it printed so far (stdout and stderr, read all the
    time so a chatty server never blocks on a full pipe);
    :meth:`stop` ends it and returns its exit status.
    """

    def __init__(self, app_yaml, storage_path, application='dev~authomatic-extras',
                 cwd=None, env=None, timeout=60, args=()):
        storage_path = os.path.abspath(storage_path)
        self.lines = []
        self._serving = threading.Event()
        self.proc = subprocess.Popen(
            [sys.executable, '-u', '-m', 'authomatic_extras.gae.devserver',
             os.path.abspath(app_yaml), '--port', '0', '--storage-path', storage_path,
             '--application', application] + list(args),
            cwd=cwd or os.path.dirname(storage_path), env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._serving.wait(timeout)
        serving = [line for line in self.lines if line.startswith('Serving')]
        if not serving:
            self.stop()
            raise RuntimeError('The dev server did not start:\n' + self.output[-4000:])
        self.url = serving[0].split(' at ')[1].split()[0].rstrip('/')

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode('utf-8', 'replace')
            self.lines.append(line)
            if line.startswith('Serving'):
                self._serving.set()
        self._serving.set()  # ended

    @property
    def output(self):
        """Everything the server printed so far."""
        return ''.join(self.lines)

    def stop(self):
        """End the server (SIGTERM, then SIGKILL after 30 s); its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(10)
        self.proc.stdout.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()
