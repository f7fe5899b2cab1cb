# -*- coding: utf-8 -*-
"""The dev server is safe to run: every class of bad input gets a 4xx (never
a 5xx), static files never leave their folder, no off-site redirect, no
header injection, no foreign Host.

One real server (``python -m authomatic_extras.gae.devserver`` in a
subprocess) serves the sample app of tests/gae/conftest.py, whose app.yaml has
the common gen-1 static handler ``url: /(.+\\.[a-z]+)``, ``static_files:
www/\\1``, ``upload: www/(.*)``; ``secret.png`` and ``app.yaml`` sit next to
``www/`` and must never be served. Requests are written byte for byte on a
socket (``requests`` would normalise ``..`` and encodings away).
"""
import socket
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SECRET_MARKERS = (b'SECRET-OUTSIDE-WWW', b'runtime: python27', b'import webapp2',
                  b'FROM_INCLUDE')


def raw(server, request_bytes, timeout=10):
    """Sends bytes on a new connection; returns everything read until close."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request_bytes)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b''.join(chunks)


def get(server, target, method='GET', host=None, headers=()):
    """``(status, headers dict, body)`` for one request with a raw target."""
    host = urlsplit(server.url).netloc if host is None else host
    lines = ['%s %s HTTP/1.1' % (method, target), 'Host: %s' % host,
             'Connection: close'] + list(headers)
    data = raw(server, ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1'))
    head, _, body = data.partition(b'\r\n\r\n')
    status_line, *header_lines = head.decode('latin-1').split('\r\n')
    fields = {}
    for line in header_lines:
        name, _, value = line.partition(':')
        fields.setdefault(name.strip().lower(), []).append(value.strip())
    return int(status_line.split()[1]), fields, body


def assert_safe(status, body):
    assert status < 500, (status, body[:300])
    for marker in SECRET_MARKERS:
        assert marker not in body, (status, body[:300])


# -- static files stay in their folder -----------------------------------------

TRAVERSALS = [
    '/../app.yaml', '/%2e%2e/app.yaml', '/%2E%2E/app.yaml', '/img/../secret.png',
    '/img/%2e%2e/secret.png', '/..%2fsecret.png', '/%2e%2e%2fsecret.png',
    '/img/..%5c..%5csecret.png', '/..\\secret.png', '/./../secret.png',
    '//secret.png', '/img//../../secret.png', '/../main.py', '/%2e%2e/main.py',
    '/cached/../secret.png', '/cached/%2e%2e/app.yaml', '/cached//etc/passwd',
    '/cached/..%2fapp.yaml', '/%2fetc/passwd.txt', '/../../../../etc/hostname.txt',
]


@pytest.mark.parametrize('target', TRAVERSALS)
def test_static_traversal_is_refused(sample_devserver, target):
    status, _, body = get(sample_devserver, target)
    assert 400 <= status < 500, (target, status, body[:200])
    assert_safe(status, body)


def test_static_files_in_their_folder_are_served(sample_devserver):
    assert get(sample_devserver, '/hello.txt')[2] == b'hello from www\n'
    assert get(sample_devserver, '/img/logo.png')[2] == b'\x89PNG fake'
    assert get(sample_devserver, '/cached/style.css')[2] == b'body {}\n'


def test_symlink_out_of_the_folder_is_refused(sample_devserver):
    link = sample_devserver.root / 'www' / 'link.png'
    link.symlink_to(sample_devserver.root / 'secret.png')
    try:
        status, _, body = get(sample_devserver, '/link.png')
    finally:
        link.unlink()
    assert status == 404
    assert_safe(status, body)


SEGMENT = st.one_of(
    st.sampled_from(['..', '.', '', '%2e%2e', '%2E.', '%2f', '%5c', '\\', '%00', '%0a',
                     'www', 'img', 'cached', 'secret.png', 'app.yaml', 'main.py',
                     'hello.txt', 'logo.png', '%252e%252e', '%c0%ae%c0%ae', '%ff',
                     ';', '%3b', '?', '#']),
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7e,
                                   blacklist_characters='?#%'), max_size=8),
)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segments=st.lists(SEGMENT, min_size=1, max_size=6))
def test_generated_paths_never_leak_or_fail(sample_devserver, segments):
    target = '/' + '/'.join(segments)
    status, _, body = get(sample_devserver, target)
    assert_safe(status, body)


# -- NUL and other control characters ------------------------------------------


@pytest.mark.parametrize('target', ['/hello%00.txt', '/img/%00/../../secret.png',
                                    '/%00', '/hello.txt%00.png', '/a%0d%0aSet-Cookie:x=1'])
def test_control_characters_in_path_are_400(sample_devserver, target):
    status, fields, body = get(sample_devserver, target)
    assert status == 400, (status, body)
    assert 'set-cookie' not in fields
    assert_safe(status, body)


def test_raw_nul_byte_in_request_line_is_4xx(sample_devserver):
    data = raw(sample_devserver, b'GET /hello\x00.txt HTTP/1.1\r\nHost: localhost\r\n'
                                 b'Connection: close\r\n\r\n')
    assert data.startswith(b'HTTP/1.1 4'), data[:200]


# -- HEAD --------------------------------------------------------------------------


@pytest.mark.parametrize('target', ['/hello.txt', '/', '/nope-no-handler.txt'])
def test_head_has_no_body_and_keeps_the_connection_usable(sample_devserver, target):
    """HEAD then GET pipelined on one keep-alive connection: exactly the
    GET's body follows, so the HEAD sent none."""
    host = urlsplit(sample_devserver.url).netloc
    data = raw(sample_devserver, (
        'HEAD {0} HTTP/1.1\r\nHost: {1}\r\n\r\n'
        'GET /hello.txt HTTP/1.1\r\nHost: {1}\r\nConnection: close\r\n\r\n'
    ).format(target, host).encode())
    head_response, _, rest = data.partition(b'\r\n\r\n')
    assert rest.startswith(b'HTTP/1.1 200'), data[:600]
    assert rest.endswith(b'\r\n\r\nhello from www\n'), data[:600]
    if target == '/hello.txt':  # the GET's length, announced, not sent
        assert b'Content-Length: 15' in head_response, head_response


# -- the sign-in page: continue ----------------------------------------------------

OFF_SITE = ['http://evil.example/', 'https://evil.example/x', '//evil.example/',
            '/\\evil.example/', '\\\\evil.example', '/\t/evil.example', '\t//evil.example',
            'https:evil.example', 'http:evil.example', 'javascript:alert(1)',
            'data:text/html,hi', ' //evil.example',
            'http://localhost.evil.example/', 'http://127.0.0.1.nip.io/',
            'http://evil.example@localhost/', '///evil.example', '\\/evil.example']


@pytest.mark.parametrize('target', OFF_SITE)
@pytest.mark.parametrize('action', ['Login', 'Logout', ''])
def test_continue_never_redirects_off_site(sample_devserver, target, action):
    query = 'email=a%40example.com&action={0}&continue={1}'.format(
        action, quote(target, safe=''))
    status, fields, body = get(sample_devserver, '/_ah/login?' + query)
    assert status == 400, (target, status, fields)
    assert 'location' not in fields


@pytest.mark.parametrize('target', ['/after', '/a/b?c=d', '/x#frag', 'PLACEHOLDER/after',
                                    '/%5Cevil.example/'])
def test_continue_on_this_server_redirects_there(sample_devserver, target):
    target = target.replace('PLACEHOLDER', sample_devserver.url)
    query = 'email=a%40example.com&action=Login&continue=' + quote(target, safe='')
    status, fields, _ = get(sample_devserver, '/_ah/login?' + query)
    assert status == 302
    location = fields['location'][0]
    assert location.startswith(sample_devserver.url + '/'), location
    assert location.endswith(target.replace(sample_devserver.url, '')), location


@pytest.mark.parametrize('payload', ['/x%0d%0aSet-Cookie:%20evil=1', '/x%0aLocation:%20//evil',
                                     '/x%0d', '%0d%0a', '/x%00y'])
def test_cr_lf_in_continue_is_400_not_500(sample_devserver, payload):
    status, fields, body = get(sample_devserver, '/_ah/login?email=a%40example.com'
                               '&action=Login&continue=' + payload)
    assert status == 400, (status, body)
    assert 'evil' not in ' '.join(v for values in fields.values() for v in values)


# -- Host header (DNS rebinding) ---------------------------------------------------------


@pytest.mark.parametrize('host', ['evil.example', 'evil.example:80', 'localhost.evil.example',
                                  '127.0.0.1.evil.example', '10.0.0.1', '', 'a b'])
def test_foreign_host_is_400(sample_devserver, host):
    status, _, body = get(sample_devserver, '/hello.txt', host=host)
    assert status == 400, (host, status)
    assert_safe(status, body)


@pytest.mark.parametrize('name', ['localhost', '127.0.0.1', 'LOCALHOST'])
def test_local_hosts_are_accepted(sample_devserver, name):
    port = urlsplit(sample_devserver.url).port
    status, _, body = get(sample_devserver, '/hello.txt', host='%s:%d' % (name, port))
    assert (status, body) == (200, b'hello from www\n')


def test_allow_host_adds_a_name(tmp_path):
    from authomatic_extras.testing.devserver_process import DevServerProcess

    (tmp_path / 'app').mkdir()
    (tmp_path / 'app' / 'hello.txt').write_text('hi\n')
    (tmp_path / 'app' / 'app.yaml').write_text(
        'runtime: python27\napi_version: 1\nthreadsafe: true\nhandlers:\n'
        '- url: /(hello\\.txt)\n  static_files: \\1\n  upload: hello\\.txt\n')
    server = DevServerProcess(str(tmp_path / 'app' / 'app.yaml'), str(tmp_path / 'st'),
                              args=['--allow-host', 'dev.test'])
    try:
        port = urlsplit(server.url).port
        assert get(server, '/hello.txt', host='dev.test:%d' % port)[::2] == (200, b'hi\n')
        assert get(server, '/hello.txt', host='other.test:%d' % port)[0] == 400
    finally:
        assert server.stop() == 0


# -- other bad requests --------------------------------------------------------------


@pytest.mark.parametrize('target, headers', [
    ('/', ['Cookie: dev_appserver_login="unterminated']),
    ('/', ['Cookie: dev_appserver_login=a@b:True:1; ;;==;']),
    ('/admin/page', ['Cookie: dev_appserver_login=not-an-email:True:1']),
    ('/_ah/login?continue=%zz&action=Login&email=%zz', []),
    ('/_ah/login?email=%ff%fe@x&action=Login', []),
    ('/%ff%fe.txt', []),
    ('/_ah/admin/config', ['Cookie: dev_appserver_login=x@y.z:False:1']),
    ('/_ah/queue/deferred', ['X-AppEngine-TaskName: forged']),
    ('/_ah/login?' + 'a=' * 5000, []),
])
def test_bad_requests_get_4xx_or_a_page(sample_devserver, target, headers):
    status, _, body = get(sample_devserver, target, headers=headers)
    assert status < 500, (target, status, body[:300])
    assert b'Traceback' not in body


def test_admin_config_post_needs_the_form_token(sample_devserver):
    data = b'config=evil%3A%0A%20%20class_%3A%20x.Y%0A'
    request = ('POST /_ah/admin/config HTTP/1.1\r\nHost: {0}\r\nConnection: close\r\n'
               'Cookie: dev_appserver_login=admin@example.com:True:1\r\n'
               'Content-Type: application/x-www-form-urlencoded\r\n'
               'Content-Length: {1}\r\n\r\n').format(
                   urlsplit(sample_devserver.url).netloc, len(data)).encode() + data
    response = raw(sample_devserver, request)
    assert response.startswith(b'HTTP/1.1 403'), response[:200]


def test_http11_without_host_is_400_and_http10_is_served(sample_devserver):
    assert raw(sample_devserver, b'GET /hello.txt HTTP/1.1\r\nConnection: close\r\n\r\n'
               ).startswith(b'HTTP/1.1 400')
    answer = raw(sample_devserver, b'GET /hello.txt HTTP/1.0\r\n\r\n')
    assert answer.startswith(b'HTTP/1.0 200') and answer.endswith(b'hello from www\n')
