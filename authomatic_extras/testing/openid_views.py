"""The views of the local OpenID 2.0 provider: a Flask app around
python3-openid's server, built by :class:`~.openid_server.LocalOpenIDServer`
(which owns it; this module does not import the server)."""
import html
import threading

from flask import Flask, Response, redirect, request
from openid.extensions import ax, sreg
from openid.server.server import CheckIDRequest, ProtocolError

from ._base import CONSENT_HEADERS, render_consent_page

_AX_NAME = ('http://axschema.org/namePerson',)
_AX_EMAIL = ('http://axschema.org/contact/email',
             'http://schema.openid.net/contact/email')
_AX_FIRST = ('http://openid.net/schema/namePerson/first',
             'http://axschema.org/namePerson/first')
_AX_LAST = ('http://openid.net/schema/namePerson/last',
            'http://axschema.org/namePerson/last')

_XRDS = u"""<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">
  <XRD>
    <Service priority="0">
      <Type>http://specs.openid.net/auth/2.0/server</Type>
      <Type>http://openid.net/sreg/1.0</Type>
      <Type>http://openid.net/srv/ax/1.0</Type>
      <URI>{endpoint}</URI>
    </Service>
  </XRD>
</xrds:XRDS>
"""


def _ax_values(user):
    first, _, last = user.name.partition(' ')
    values = {}
    for uri in _AX_NAME:
        values[uri] = user.name
    for uri in _AX_EMAIL:
        values[uri] = user.email
    for uri in _AX_FIRST:
        values[uri] = first
    for uri in _AX_LAST:
        values[uri] = last or first
    return values


def create_app(local):
    """Build the Flask app serving ``local`` (a LocalOpenIDServer)."""
    app = Flask('authomatic_extras.testing.openid')
    # python3-openid's stores and associations are not documented as
    # thread-safe; each answer takes microseconds, so serialise them.
    lock = threading.Lock()

    def web(webresponse):
        if webresponse.code in (301, 302, 303) and 'location' in webresponse.headers:
            return redirect(webresponse.headers['location'], code=302)
        return Response(webresponse.body, status=webresponse.code,
                        headers=dict(webresponse.headers))

    def send_answer(openid_response):
        """Encode an answer to a checkid request, always as a redirect."""
        with lock:
            signed = local.openid_server.signatory.sign(openid_response)
        return redirect(signed.encodeToURL(), code=302)

    def error_page(title, message, status):
        return ('<!DOCTYPE html><title>{0}</title><h1>{0}</h1>'
                '<p id="error">{1}</p>').format(html.escape(title),
                                                html.escape(message)), status

    @app.route('/id/<username>')
    def identity(username):
        faulty = local._check_fault('discovery')
        if faulty is not None:
            return faulty
        user = local.users.get(username)
        if user is None:
            return error_page('No such user', username, 404)
        page = (u'<!DOCTYPE html><html><head><meta charset="utf-8">'
                u'<title>{name}</title>'
                u'<link rel="openid2.provider" href="{endpoint}">'
                u'<link rel="openid2.local_id" href="{identity}">'
                u'</head><body><h1>{name}</h1><p>OpenID identity of '
                u'{username} at the local test provider.</p></body></html>')
        return page.format(name=html.escape(user.name), username=html.escape(username),
                           endpoint=local.endpoint_url,
                           identity=local.identifier(username))

    @app.route('/')
    def op_identifier():
        faulty = local._check_fault('discovery')
        if faulty is not None:
            return faulty
        if 'application/xrds+xml' in request.headers.get('Accept', ''):
            return xrds()
        body = ('<!DOCTYPE html><title>LocalOpenIDServer</title>'
                '<h1>LocalOpenIDServer</h1><p>OP identifier: log in with this '
                'URL and pick a user.</p>')
        return body, 200, {'X-XRDS-Location': local.url + '/xrds'}

    @app.route('/xrds')
    def xrds():
        return Response(_XRDS.format(endpoint=local.endpoint_url),
                        content_type='application/xrds+xml')

    @app.route('/openid', methods=['GET', 'POST'])
    def endpoint():
        query = request.values.to_dict(flat=True)
        try:
            with lock:
                openid_request = local.openid_server.decodeRequest(query)
        except ProtocolError as error:
            return web(local.openid_server.encodeResponse(error))
        if openid_request is None:
            return error_page('OpenID endpoint', 'This is an OpenID 2.0 endpoint.', 200)
        if isinstance(openid_request, CheckIDRequest):
            faulty = local._check_fault('authorize')
            if faulty is not None:
                return faulty
            if openid_request.immediate:
                return send_answer(openid_request.answer(False))
            key = local._park(openid_request)
            return redirect(local.url + '/openid/consent?request=' + key, code=303)
        faulty = local._check_fault('direct')
        if faulty is not None:
            return faulty
        with lock:
            answer = local.openid_server.handleRequest(openid_request)
            return web(local.openid_server.encodeResponse(answer))

    @app.route('/openid/consent', methods=['GET', 'POST'])
    def consent():
        key = request.args.get('request', '')
        openid_request = local._pending_request(key)
        if openid_request is None:
            return error_page('Unknown request', 'This sign-in request expired '
                              'or was already answered.', 400)
        fixed = local.username_of(openid_request.identity)
        if request.method == 'GET':
            users = local.users.all()
            if not openid_request.idSelect():
                users = [u for u in users if u.username == fixed]
            return render_consent_page(
                title='Sign in with the local OpenID provider',
                client=openid_request.trust_root, users=users,
                server='LocalOpenIDServer at ' + local.url,
                purpose='receive your name and e-mail address',
                selected=fixed), 200, CONSENT_HEADERS
        if request.form.get('decision') != 'allow':
            local._pending_request(key, pop=True)
            return send_answer(openid_request.answer(False))
        username = request.form.get('username') or fixed
        if fixed is not None and username != fixed:
            return error_page('Wrong user', 'This request is for {0}.'.format(fixed), 400)
        user = local.users.get(username or '')
        if user is None:
            return error_page('Unknown user', 'Pick one of the test users.', 400)
        local._pending_request(key, pop=True)
        identity = local.identifier(user.username)
        if openid_request.message.isOpenID1():  # no claimed_id in OpenID 1.x answers
            answer = openid_request.answer(True, identity=identity)
        else:
            answer = openid_request.answer(True, identity=identity, claimed_id=identity)
        sreg_request = sreg.SRegRequest.fromOpenIDRequest(openid_request)
        answer.addExtension(sreg.SRegResponse.extractResponse(sreg_request, {
            'fullname': user.name, 'email': user.email, 'nickname': user.username}))
        ax_request = ax.FetchRequest.fromOpenIDRequest(openid_request)
        if ax_request is not None:
            ax_response = ax.FetchResponse(request=ax_request)
            values = _ax_values(user)
            for type_uri in ax_request.requested_attributes:
                if type_uri in values:
                    ax_response.addValue(type_uri, values[type_uri])
            answer.addExtension(ax_response)
        return send_answer(answer)

    return app
