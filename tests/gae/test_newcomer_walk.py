# -*- coding: utf-8 -*-
"""docs/gae.md's walk from a checkout to a local gen-1 login, run as written.

The commands of the section "From a checkout to a local gen-1 login" are
taken from the page and run with ``bash`` in a fresh copy of the repository
(the files git lists): the install into a new virtualenv (a normal, not
editable, install: ``python -m authomatic_extras.gae.devserver`` then runs
from the repository root with the copy's ``authomatic_extras/`` folder first
on ``sys.path``), the local provider, and the dev server with ``--seed``.
The only change: the documented ports 8765 and 8080 are replaced by free
ones (in the commands and the copied seed file), as tests never bind fixed
ports. Step 5 logs in over real HTTP with ``requests``.

Takes about a minute (most of it ``pip install`` from pip's cache).
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests

pytestmark = pytest.mark.slow

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SECTION = '## From a checkout to a local gen-1 login'


def walk_commands():
    text = open(os.path.join(REPO, 'docs', 'gae.md'), encoding='utf-8').read()
    section = text.split(SECTION, 1)[1].split('\n## ', 1)[0]
    return re.findall(r'```\n(.+?)\n```', section, re.S)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def fresh_copy(dest):
    """The files a fresh clone has (git's list; without git, the tree
    without caches, virtualenvs and build output)."""
    try:
        listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others',
                                 '--exclude-standard'], cwd=REPO, capture_output=True,
                                check=True).stdout.decode().split('\0')
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(REPO, str(dest), ignore=shutil.ignore_patterns(
            '.git', '.venv', '.py27', '.nox', 'build', 'dist', '*.egg-info', '__pycache__',
            '.pytest_cache', '.ruff_cache', '.mypy_cache', 'test-artifacts'))
        return
    for name in filter(None, listed):
        source = os.path.join(REPO, name)
        if os.path.isfile(source):
            target = os.path.join(str(dest), name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(source, target)


class Background(object):
    """A documented command run with bash in the background; its output kept."""

    def __init__(self, command, cwd, ready):
        self.lines = []
        self.proc = subprocess.Popen(['bash', '-c', 'exec ' + command], cwd=cwd,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, PYTHONUNBUFFERED='1'))
        self._ready = threading.Event()
        self._pattern = re.compile(ready)
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(120) or not any(self._pattern.search(x) for x in self.lines):
            self.stop()
            raise AssertionError('%s did not start:\n%s' % (command, self.output))

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode('utf-8', 'replace')
            self.lines.append(line)
            if self._pattern.search(line):
                self._ready.set()
        self._ready.set()

    @property
    def output(self):
        return ''.join(self.lines)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def test_the_walk_has_five_steps_in_three_commands():
    install, provider, server = walk_commands()
    assert install.startswith('python3 -m venv .venv') and "'.[gae,testing]'" in install
    assert '-e ' not in install  # a normal install, as a newcomer makes
    assert 'authomatic_extras.testing --port 8765' in provider
    assert 'authomatic_extras.gae.devserver app.yaml --port 8080 --seed ' in server
    assert 'authomatic-extras[' not in open(os.path.join(REPO, 'docs', 'gae.md')).read()


def test_the_walk_as_written_logs_in(tmp_path):
    from authomatic_extras.testing import login_with_requests

    install, provider, server = walk_commands()
    checkout = tmp_path / 'checkout'
    fresh_copy(checkout)
    provider_port, app_port = free_port(), free_port()

    def ports(text):
        return text.replace('8765', str(provider_port)).replace('8080', str(app_port))

    seed = re.search(r'--seed (\S+)', server).group(1)
    seed_path = checkout / seed
    seed_path.write_text(ports(seed_path.read_text()))

    started = time.time()
    done = subprocess.run(['bash', '-c', install], cwd=str(checkout), capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    install_seconds = time.time() - started

    local_provider = Background(ports(provider), str(checkout), r'listening on http://')
    try:
        app = Background(ports(server), str(checkout), r'^Serving .* at http://')
        try:
            url = 'http://localhost:%d' % app_port
            assert 'Seeded NDBConfig: local' in app.output
            home = requests.get(url + '/', timeout=30)
            assert home.status_code == 200 and 'href="/login/local"' in home.text
            trip = login_with_requests(url + '/login/local', username='alice')
            assert 'Logged in as Alice Liddell (alice@example.org)' in trip.response.text
        finally:
            code = app.stop()
        assert code == 0, app.output
        assert 'Traceback' not in app.output and 'No module named' not in app.output, app.output
    finally:
        local_provider.stop()
    print('walk: install %.0f s' % install_seconds)
