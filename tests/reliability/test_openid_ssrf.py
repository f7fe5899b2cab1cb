"""OpenID discovery is no way into the app's network, and no port scanner.

The attacker's side: ``/login/openid?id=<internal URL>`` on an app whose
OpenID entry allows nothing special (the default), with ``fetch_timeout=1``.
"Internal services" are real local servers (:class:`ScriptedSite`) on
loopback that record every request: the proof that the app never reached
them is that they saw nothing. Before the fix the app fetched them, followed
redirects into them, posted associations to them, and its error message told
200 from 404 from a closed port from a silent one.

Offline there is no public DNS name that resolves to loopback, so the tests
that need one inject a resolver through the documented provider config key
``address_resolver`` (``(host, port) -> [IP strings]``); everything else goes
through the system resolver.
"""
import socket
import time
from urllib.parse import quote

import pytest
from reliability_support import assert_clean_failure, free_port

from authomatic_extras.testing import ScriptedSite, make_flask_login_app

OPENID_PAGE = ('<html><head><link rel="openid2.provider" href="{endpoint}"></head>'
               '<body>internal</body></html>')
GENERIC = ('OpenID discovery failed: no usable OpenID provider was found for this '
           'identifier. Check the identifier and try again.')


def system_resolver(host, port):
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _app(**extra):
    from authomatic.providers.openid import OpenID

    entry = {'class_': OpenID, 'id': 3}
    entry.update(extra)
    return make_flask_login_app({'openid': entry}, fetch_timeout=1)


def _login(app, identifier):
    return app.test_client().get('/login/openid?id=' + quote(identifier, ''))


def _refused(response):
    body = assert_clean_failure(response)
    assert body['error_type'] == 'OpenIDDiscoveryError', body
    assert body['error'] == GENERIC, body
    return body


@pytest.fixture(scope='module')
def internal():
    """An internal service on 127.0.0.1 that even speaks OpenID."""
    with ScriptedSite() as site:
        site.page('/admin', OPENID_PAGE.format(endpoint=site.url + '/op'))
        site.page('/plain', '<html>an internal page without OpenID</html>')
        yield site


@pytest.fixture(scope='module')
def allowed_site():
    """A site the config allows (127.0.0.2, allow-listed): the attacker's
    "public" foothold, which redirects or points inwards."""
    with ScriptedSite(host='127.0.0.2') as site:
        yield site


@pytest.fixture
def hits(internal):
    before = len(internal.hits)
    yield lambda: internal.hits[before:]


LOOPBACK_SPELLINGS = {
    '127.0.0.1': 'http://127.0.0.1:{port}/admin',
    'localhost': 'http://localhost:{port}/admin',
    '127.1': 'http://127.1:{port}/admin',
    'decimal': 'http://2130706433:{port}/admin',
    'octal': 'http://0177.0.0.1:{port}/admin',
    'hex': 'http://0x7f.0.0.1:{port}/admin',
    'unspecified-0.0.0.0': 'http://0.0.0.0:{port}/admin',
    'ipv4-mapped-ipv6': 'http://[::ffff:127.0.0.1]:{port}/admin',
    'no-scheme': '127.0.0.1:{port}/admin',
    'upper-case-scheme': 'HTTP://127.0.0.1:{port}/admin',
}


@pytest.mark.parametrize('spelling', sorted(LOOPBACK_SPELLINGS))
def test_loopback_in_any_spelling_is_never_fetched(internal, hits, spelling):
    response = _login(_app(), LOOPBACK_SPELLINGS[spelling].format(port=internal.port))
    _refused(response)
    assert hits() == []


@pytest.mark.parametrize('target', [
    'http://10.0.0.1/', 'http://10.255.255.254:8080/admin', 'http://192.168.1.1/',
    'http://172.16.0.1/', 'http://169.254.169.254/latest/meta-data/',
    'http://[fd00::1]/', 'http://[fe80::1]/', 'http://[::1]/', 'http://[::]/',
    'http://100.64.0.1/', 'http://224.0.0.1/', 'http://255.255.255.255/',
    'http://[::ffff:169.254.169.254]/', 'http://[64:ff9b::a9fe:a9fe]/',
    'http://[2002:a9fe:a9fe::]/',
])
def test_private_link_local_reserved_and_multicast_are_refused(target):
    started = time.monotonic()
    _refused(_login(_app(), target))
    # Refused before any connection: no connect() time-out to wait for.
    assert time.monotonic() - started < 0.9


def test_ipv6_loopback_service_is_never_fetched():
    if not socket.has_ipv6:
        pytest.skip('no IPv6 here')
    try:
        site = ScriptedSite(host='::1').start()
    except OSError as error:
        pytest.skip(f'cannot listen on ::1: {error}')
    try:
        site.page('/admin', '<html>v6</html>')
        _refused(_login(_app(), f'http://[::1]:{site.port}/admin'))
        assert site.hits == []
    finally:
        site.stop()


class SilentPort:
    """Accepts connections (kernel backlog) and never answers."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        return self

    def __exit__(self, *exc):
        self.sock.close()


@pytest.mark.parametrize('allow', [False, True], ids=['default', 'private-allowed'])
def test_no_port_scan_oracle(internal, allow):
    """What the client sees is the same for an open port answering 200 (no
    OpenID), 404, a closed port and a port that never answers; by default
    also for a port that does speak OpenID (it is internal). With
    ``allow_private_addresses=True`` the targets are fetched, and still the
    client cannot tell them apart."""
    app = _app(allow_private_addresses=allow)
    with SilentPort() as silent:
        targets = {
            '200-no-openid': f'{internal.url}/plain',
            '404': f'{internal.url}/missing',
            'closed': f'http://127.0.0.1:{free_port()}/',
            'silent': f'http://127.0.0.1:{silent.port}/',
        }
        if not allow:
            targets['200-openid'] = f'{internal.url}/admin'
        seen = {}
        for name, url in targets.items():
            response = _login(app, url)
            _refused(response)
            seen[name] = (response.status_code, response.get_data(as_text=True),
                          response.headers.get('Content-Type'))
    assert len(set(seen.values())) == 1, seen


def test_public_looking_name_that_resolves_to_loopback(internal, hits):
    def resolver(host, port):
        if host == 'www.public-looking.example':
            return ['127.0.0.1']
        return system_resolver(host, port)

    app = _app(address_resolver=resolver)
    _refused(_login(app, f'http://www.public-looking.example:{internal.port}/admin'))
    assert hits() == []


def test_mixed_answer_with_one_private_address_is_refused(internal, hits):
    """A name resolving to a public and a private address: refused (a client
    library could pick either)."""
    app = _app(address_resolver=lambda host, port: ['93.184.216.34', '127.0.0.1'])
    _refused(_login(app, f'http://mixed.example:{internal.port}/admin'))
    assert hits() == []


def test_connection_goes_to_the_checked_address(local_openid_server):
    """No DNS rebinding: the name is resolved once, checked, and the
    connection goes to that address with ``Host`` kept. ``pinned.invalid``
    resolves nowhere but through the injected resolver, so a fetch that
    resolved the name again could not have reached the site."""
    calls = []

    def resolver(host, port):
        if host != 'pinned.invalid':
            return system_resolver(host, port)
        calls.append(host)
        # First answer allowed; any later resolution would be refused.
        return ['127.0.0.1'] if len(calls) == 1 else ['10.9.9.9']

    with ScriptedSite() as site:
        site.page('/me', OPENID_PAGE.format(endpoint=local_openid_server.endpoint_url))
        app = _app(address_resolver=resolver, allow_private_addresses=['127.0.0.1/32'])
        response = _login(app, f'http://pinned.invalid:{site.port}/me')
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert local_openid_server.endpoint_url in response.get_data(as_text=True)
        assert site.requests[0][2] == f'pinned.invalid:{site.port}'
        assert calls == ['pinned.invalid']


@pytest.mark.parametrize('inward', ['loopback', 'localhost', 'metadata', 'file', 'chain'])
def test_redirect_from_an_allowed_url_to_an_internal_one(internal, hits, allowed_site, inward):
    target = {
        'loopback': f'{internal.url}/admin',
        'localhost': f'http://localhost:{internal.port}/admin',
        'metadata': 'http://169.254.169.254/latest/meta-data/',
        'file': 'file:///etc/passwd',
        'chain': allowed_site.url + '/hop2',
    }[inward]
    allowed_site.redirect('/hop2', f'{internal.url}/admin', status=307)
    start = allowed_site.redirect('/start-' + inward, target)
    app = _app(allow_private_addresses=['127.0.0.2/32'])
    _refused(_login(app, start))
    assert hits() == []
    assert '/start-' + inward in allowed_site.hits


def test_yadis_document_location_inwards(internal, hits, allowed_site):
    start = allowed_site.page('/yadis', '<html>me</html>',
                              headers={'X-XRDS-Location': f'{internal.url}/admin'})
    _refused(_login(_app(allow_private_addresses=['127.0.0.2/32']), start))
    assert hits() == []


def test_declared_provider_endpoint_on_an_internal_address(internal, hits, allowed_site):
    """The identity page is allowed, its provider endpoint is internal: the
    app would POST an association to it. Refused before that."""
    start = allowed_site.page('/points-in', OPENID_PAGE.format(endpoint=f'{internal.url}/op'))
    _refused(_login(_app(allow_private_addresses=['127.0.0.2/32']), start))
    assert hits() == []


def test_bad_allow_list_is_a_config_error():
    app = _app(allow_private_addresses=['not-a-network'])
    app.testing = True
    with pytest.raises(Exception) as raised:
        _login(app, 'http://example.org/')
    assert 'allow_private_addresses' in str(raised.value)


def test_concurrent_logins_keep_their_own_policy(internal, hits, local_openid_server):
    """The policy is per login: while a login whose config allows loopback is
    inside its (slow) discovery, a login with the default policy in another
    thread is still refused, and the first still succeeds."""
    from concurrent.futures import ThreadPoolExecutor

    local_openid_server.fault('discovery', 'slow', seconds=1.5, times=1)
    allowing = make_flask_login_app({'openid': local_openid_server.config_entry(id=3)})
    strict = _app()
    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(_login, allowing, local_openid_server.identifier('alice'))
        time.sleep(0.5)                       # the slow discovery is under way
        refused = _login(strict, f'{internal.url}/admin')
        assert not slow.done()
        allowed = slow.result(timeout=30)
    _refused(refused)
    assert hits() == []
    assert allowed.status_code == 200, allowed.get_data(as_text=True)[:300]
    assert local_openid_server.endpoint_url in allowed.get_data(as_text=True)


@pytest.fixture
def tls_site(tmp_path, monkeypatch):
    """A ScriptedSite over TLS with a certificate for ``tls.example`` from a
    test CA (trustme) that this process trusts (``SSL_CERT_FILE``)."""
    import ssl

    import trustme

    ca = trustme.CA()
    ca_file = tmp_path / 'ca.pem'
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv('SSL_CERT_FILE', str(ca_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert('tls.example').configure_cert(context)
    site = ScriptedSite()
    site.start()
    site._server.socket = context.wrap_socket(site._server.socket, server_side=True)
    try:
        yield site
    finally:
        site.stop()


@pytest.mark.parametrize('name,ok', [('tls.example', True), ('other.example', False)])
def test_tls_to_the_checked_address_keeps_the_server_name(tls_site, local_openid_server,
                                                          name, ok):
    """HTTPS goes to the checked address, while SNI and the certificate check
    use the URL's host: the certificate for ``tls.example`` is accepted for
    that name and refused for another name on the same address."""
    tls_site.page('/me', OPENID_PAGE.format(endpoint=local_openid_server.endpoint_url))

    def resolver(host, port):
        return ['127.0.0.1'] if host == name else system_resolver(host, port)

    app = _app(address_resolver=resolver, allow_private_addresses=['127.0.0.1/32'])
    response = _login(app, f'https://{name}:{tls_site.port}/me')
    if ok:
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert tls_site.requests[-1][2] == f'{name}:{tls_site.port}'
    else:
        _refused(response)
        assert tls_site.hits == []
