"""Complete a login the way a user would, without a browser.

Two drivers share one loop:

:func:`login_with_requests`
    Everything over real HTTP with a :class:`requests.Session`: the app runs
    on a real server too.
:func:`login_with_test_client`
    The app is driven through a Flask / Werkzeug test client (which cannot
    follow a redirect to another host): requests for the app's host go
    through the test client, keeping its cookies; everything else (the
    provider side) goes over real HTTP with ``requests``.

The loop, from the start URL:

* redirects (301, 302, 303, 307, 308) are followed, across hosts;
* a consent page of a local provider (recognised by its response header
  ``X-Authomatic-Extras-Consent``, not by its markup) is answered by POSTing
  ``username`` and ``decision`` (``allow`` or ``deny``) to the page's own URL;
* an auto-submitting HTML form (OpenID 2.0 with AX/SREG: the core answers its
  first step with one, and so may the provider) is posted as a browser would;
* anything else is the final response: the loop stops and returns a
  :class:`LoginTrip` with that response and every :class:`Hop` on the way.

Example::

    trip = login_with_requests(app_url + '/login/local', username='bob')
    assert trip.response.status_code == 200
    assert any(h.consent for h in trip.hops)
"""
import collections
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

__all__ = ['login_with_requests', 'login_with_test_client', 'stop_before_callback',
           'replace_query', 'LoginTrip', 'Hop', 'LoginDriveError', 'CONSENT_HEADER']

#: Response header that marks the consent page of every local provider.
CONSENT_HEADER = 'X-Authomatic-Extras-Consent'

_REDIRECTS = (301, 302, 303, 307, 308)

#: One request of a login trip: ``method``, ``url``, response ``status``,
#: its ``location`` header (or ``None``), and whether it was a consent page
#: (``consent``) or an auto-submitted form (``form``).
Hop = collections.namedtuple('Hop', 'method url status location consent form')


class LoginDriveError(RuntimeError):
    """The login did not come to an end (too many hops)."""


class LoginTrip(object):
    """What a driver returns.

    .. attribute:: response

        The final response: a :class:`requests.Response`, or with
        :func:`login_with_test_client` the test client's response when the
        last hop went to the app.

    .. attribute:: hops

        List of :class:`Hop`, in order.
    """

    def __init__(self, response, hops):
        self.response = response
        self.hops = hops

    def json(self):
        """The final response's JSON body, for either driver's response type."""
        response = self.response
        if hasattr(response, 'get_data'):
            import json
            return json.loads(response.get_data(as_text=True))
        return response.json()

    @property
    def consent_hops(self):
        """The hops that showed a consent page."""
        return [h for h in self.hops if h.consent]

    def __repr__(self):
        return '<LoginTrip {0} hops, final {1}>'.format(
            len(self.hops), self.hops[-1].status if self.hops else None)


class _FormParser(HTMLParser):
    """Finds an auto-submitting form: ``<body onload="...submit()">`` with a
    form, or a form followed by a script that submits it."""

    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.autosubmit = False
        self.form = None
        self.fields = []
        self._in_form = False
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'body' and 'submit()' in (attrs.get('onload') or ''):
            self.autosubmit = True
        elif tag == 'form' and self.form is None:
            self.form = attrs
            self._in_form = True
        elif tag == 'input' and self._in_form:
            kind = (attrs.get('type') or 'text').lower()
            if attrs.get('name') and kind not in ('submit', 'button', 'image'):
                self.fields.append((attrs['name'], attrs.get('value') or ''))
            elif attrs.get('name') and kind == 'submit' and not any(
                    n == attrs['name'] for n, _ in self.fields):
                self.fields.append((attrs['name'], attrs.get('value') or ''))
        elif tag == 'script':
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == 'form':
            self._in_form = False
        elif tag == 'script':
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and self.form is not None and '.submit()' in data:
            self.autosubmit = True


def _autosubmit_form(text, base_url):
    """Return ``(method, action_url, fields)`` of an auto-submitting form in
    ``text``, or ``None``."""
    if not text or '<form' not in text.lower():
        return None
    parser = _FormParser()
    try:
        parser.feed(text)
    except Exception:
        return None
    if not parser.autosubmit or parser.form is None:
        return None
    action = urljoin(base_url, parser.form.get('action') or base_url)
    method = (parser.form.get('method') or 'get').upper()
    return method, action, parser.fields


class _Reply(object):
    """A response of either transport, reduced to what the loop needs."""

    def __init__(self, raw, status, headers, text_getter):
        self.raw = raw
        self.status = status
        self.headers = headers
        self._text_getter = text_getter

    @property
    def text(self):
        return self._text_getter()


def _requests_transport(session, timeout):
    def send(method, url, data):
        response = session.request(method, url, data=data, allow_redirects=False,
                                   timeout=timeout)
        return _Reply(response, response.status_code, response.headers,
                      lambda: response.text)
    return send


def _drive(start_url, send_for, username, decision, max_hops):
    if decision not in ('allow', 'deny'):
        raise ValueError("decision must be 'allow' or 'deny'")
    hops = []
    method, url, data = 'GET', start_url, None
    while True:
        if len(hops) >= max_hops:
            raise LoginDriveError('No end after {0} hops: {1}'.format(
                max_hops, [(h.method, h.url.split('?')[0], h.status) for h in hops]))
        reply = send_for(url)(method, url, data)
        location = reply.headers.get('Location')
        consent = bool(reply.headers.get(CONSENT_HEADER))
        form = None
        if not consent and reply.status == 200:
            # Not by Content-Type: the core writes its OpenID form into
            # whatever response the app gave it (text/plain by default).
            form = _autosubmit_form(reply.text, url)
        hops.append(Hop(method, url, reply.status, location, consent, form is not None))
        if reply.status in _REDIRECTS and location:
            next_url = urljoin(url, location)
            if reply.status not in (307, 308):
                method, data = 'GET', None
            url = next_url
        elif consent:
            method, data = 'POST', {'decision': decision}
            if username is not None:
                data['username'] = username
        elif form is not None:
            method, url, fields = form
            data = fields
            if method == 'GET':
                sep = '&' if '?' in url else '?'
                url, data = url + sep + urlencode(fields), None
        else:
            return LoginTrip(reply.raw, hops)


def login_with_requests(start_url, username='alice', decision='allow',
                        session=None, timeout=30, max_hops=25):
    """Log in through ``start_url`` over real HTTP.

    :param str start_url: the app's login URL, e.g.
        ``'http://localhost:5000/login/local'`` (for OpenID add
        ``?id=<identifier>``).
    :param str username: the test user to pick on the consent page.
    :param str decision: ``'allow'`` or ``'deny'``.
    :param session: a :class:`requests.Session` to use (keeps the app's and
        the provider's cookies); default: a new one.
    :param float timeout: per-request timeout in seconds.
    :param int max_hops: give up (:class:`LoginDriveError`) after this many.
    :returns: :class:`LoginTrip`; ``trip.response`` is the final
        :class:`requests.Response`.
    """
    import requests

    own = session is None
    session = session or requests.Session()
    try:
        send = _requests_transport(session, timeout)
        return _drive(start_url, lambda url: send, username, decision, max_hops)
    finally:
        if own:
            session.close()


def login_with_test_client(client, path, username='alice', decision='allow',
                           app_base_url='http://localhost', session=None,
                           timeout=30, max_hops=25):
    """Log in through a Flask (or Werkzeug) test client.

    Requests for ``app_base_url``'s host go through ``client`` (so the app's
    session cookie stays in the client); the provider side goes over real
    HTTP with ``requests``. The provider must therefore run on a real port
    (the local servers do) and on a host other than the app's.

    :param client: ``app.test_client()`` or a :class:`werkzeug.test.Client`.
    :param str path: the app's login path, e.g. ``'/login/local'`` (for
        OpenID ``'/login/openid?id=' + quote(identifier)``).
    :param str app_base_url: what the test client answers to; Flask's is
        ``http://localhost``.
    :param str username: the test user to pick on the consent page.
    :param str decision: ``'allow'`` or ``'deny'``.
    :returns: :class:`LoginTrip`; ``trip.response`` is the test client's
        final response (a ``TestResponse``).
    """
    import requests

    app_netloc = urlsplit(app_base_url).netloc

    def via_client(method, url, data):
        parts = urlsplit(url)
        target = parts.path or '/'
        if parts.query:
            target += '?' + parts.query
        response = client.open(target, method=method, data=data,
                               base_url=app_base_url, follow_redirects=False)
        return _Reply(response, response.status_code, response.headers,
                      lambda: response.get_data(as_text=True))

    own = session is None
    session = session or requests.Session()
    via_requests = _requests_transport(session, timeout)

    def send_for(url):
        netloc = urlsplit(url).netloc
        return via_client if (not netloc or netloc == app_netloc) else via_requests

    try:
        return _drive(urljoin(app_base_url + '/', path), send_for, username,
                      decision, max_hops)
    finally:
        if own:
            session.close()


def stop_before_callback(client, path, username='alice', decision='allow',
                         app_base_url='http://localhost', timeout=10):
    """Run a login up to the provider's answer, but do not deliver it.

    Step 1 goes through the test ``client`` (its cookies keep the login
    state), the consent through ``requests``. Returns the app's callback as a
    path with its query, to be called (or tampered with, replayed, delayed)
    by the test.
    """
    import requests

    start = client.get(path, base_url=app_base_url)
    with requests.Session() as http:
        if start.status_code in _REDIRECTS:
            consent = http.get(start.headers['Location'], allow_redirects=False,
                               timeout=timeout)
        else:  # OpenID with SREG/AX: an auto-submitting form to the provider
            form = _autosubmit_form(start.get_data(as_text=True), app_base_url + path)
            if start.status_code != 200 or form is None:
                raise LoginDriveError('Step 1 answered {0} without a redirect or form.'
                                      .format(start.status_code))
            method, action, fields = form
            consent = http.request(method, action, data=fields, timeout=timeout)
        if not consent.headers.get(CONSENT_HEADER):
            raise LoginDriveError('No consent page at {0} ({1}).'.format(
                consent.url, consent.status_code))
        back = http.post(consent.url, data={'username': username, 'decision': decision},
                         allow_redirects=False, timeout=timeout)
    if back.status_code not in _REDIRECTS:
        raise LoginDriveError('The consent answered {0}, not a redirect.'.format(
            back.status_code))
    parts = urlsplit(back.headers['Location'])
    return parts.path + '?' + parts.query


def replace_query(url, /, **changes):
    """``url`` with query parameters replaced; a value of ``None`` removes one."""
    from urllib.parse import parse_qsl, urlunsplit

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))
