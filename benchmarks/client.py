"""Lean clients: direct WSGI calls, http.client, a tiny cookie jar, and the
provider / app servers run in their own processes (so their CPU never
competes for the measuring process's GIL)."""
import http.client
import os
import subprocess
import sys
import time
from urllib.parse import urlsplit

from werkzeug.test import EnvironBuilder

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CookieJar(object):
    """name -> value; honours deletions (``Max-Age=0`` / an expiry in 1970)."""

    def __init__(self):
        self.cookies = {}

    def update(self, set_cookie_headers):
        for header in set_cookie_headers:
            pair, _, attrs = header.partition(';')
            name, _, value = pair.strip().partition('=')
            low = attrs.lower()
            if 'max-age=0' in low or '1970' in low or not value.strip('"'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def header(self):
        return '; '.join('{0}={1}'.format(k, v) for k, v in self.cookies.items())


class WSGIResult(object):
    __slots__ = ('status', 'headers', 'body', 'wall', 'cpu')

    def __init__(self, status, headers, body, wall, cpu):
        self.status, self.headers, self.body, self.wall, self.cpu = (
            status, headers, body, wall, cpu)

    def header(self, name):
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def set_cookies(self):
        return [v for k, v in self.headers if k.lower() == 'set-cookie']


def environ_for(path_qs, cookie_header=None, host='localhost'):
    """A GET environ for ``path?query``, built before the clock starts."""
    path, _, query = path_qs.partition('?')
    headers = {'Cookie': cookie_header} if cookie_header else None
    return EnvironBuilder(path=path, query_string=query, base_url='http://' + host,
                          headers=headers).get_environ()


def call_wsgi(app, environ, clock=time.perf_counter, cpu_clock=time.thread_time):
    """Call ``app`` once and read the whole body: (status, headers, body, wall s, cpu s)."""
    captured = []

    def start_response(status, headers, exc_info=None):
        captured[:] = [status, headers]
        return lambda data: None

    c0 = cpu_clock()
    t0 = clock()
    iterable = app(environ, start_response)
    try:
        body = b''.join(iterable)
    finally:
        close = getattr(iterable, 'close', None)
        if close is not None:
            close()
    t1 = clock()
    c1 = cpu_clock()
    return WSGIResult(int(captured[0].split(' ', 1)[0]), captured[1], body, t1 - t0, c1 - c0)


def http_request(url, method='GET', body=None, headers=None, timeout=30):
    """One request with http.client (new connection, like the core's own fetch).

    Returns (status, header list, body bytes)."""
    parts = urlsplit(url)
    target = parts.path or '/'
    if parts.query:
        target += '?' + parts.query
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def consent(authorize_url, username):
    """Answer the provider's consent page (POST to its own URL) and return the
    callback URL it redirects to."""
    status, headers, body = http_request(
        authorize_url, 'POST', 'username={0}&decision=allow'.format(username),
        {'Content-Type': 'application/x-www-form-urlencoded'})
    location = dict((k.lower(), v) for k, v in headers).get('location')
    if status not in (302, 303) or not location:
        raise RuntimeError('consent failed: {0} {1!r}'.format(status, body[:200]))
    return location


def path_of(url):
    parts = urlsplit(url)
    return parts.path + ('?' + parts.query if parts.query else '')


class Subprocess(object):
    """A child ``python -m benchmarks.serve ...`` that prints ``URL <url>``."""

    def __init__(self, *args):
        env = dict(os.environ)
        env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
        self.proc = subprocess.Popen(
            [sys.executable, '-m', 'benchmarks.serve'] + list(args),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO, env=env,
            # The core logs every suppressed error with a traceback: keep the
            # console for the report (the wrong logins are counted, with samples).
            stderr=subprocess.DEVNULL,
            text=True)
        line = self.proc.stdout.readline()
        if not line.startswith('URL '):
            self.stop()
            raise RuntimeError('server did not start: {0!r}'.format(line))
        self.url = line.split()[1]

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def provider_process():
    return Subprocess('provider')


def app_process(contender, provider_url):
    return Subprocess('app', contender, provider_url)
