"""add_to_return_to: the flow id goes into the openid.return_to of a first
step, whether python3-openid answered with a redirect or a form."""
from urllib.parse import parse_qs, urlencode, urlsplit

from werkzeug.wrappers import Response

from authomatic_extras.openid_binding import FLOW_PARAM, add_to_return_to

RETURN_TO = 'http://app.example/login/openid?realm=realm&janrain_nonce=2026-01-01T00:00:00Zabc'


def test_redirect_to_an_openid1_endpoint():
    response = Response(status=302)
    response.headers['Location'] = 'http://op.example/server?x=1&' + urlencode(
        {'openid.mode': 'checkid_setup', 'openid.return_to': RETURN_TO,
         'openid.trust_root': 'http://app.example/login/openid?realm=realm'})
    assert add_to_return_to(response, FLOW_PARAM, 'flow-id-0123456789abc')
    query = parse_qs(urlsplit(response.headers['Location']).query)
    assert query['openid.return_to'] == [RETURN_TO + '&authomatic_flow=flow-id-0123456789abc']
    assert query['x'] == ['1'] and query['openid.mode'] == ['checkid_setup']


def test_auto_submitting_form():
    from openid.message import Message

    message = Message.fromPostArgs({'openid.ns': 'http://specs.openid.net/auth/2.0',
                                    'openid.mode': 'checkid_setup',
                                    'openid.return_to': RETURN_TO,
                                    'openid.realm': 'http://app.example/x?a=1&b="2"'})
    response = Response(message.toFormMarkup('http://op.example/openid'))
    assert add_to_return_to(response, FLOW_PARAM, 'flow-id-0123456789abc')
    html = response.get_data(as_text=True)
    assert ('value="http://app.example/login/openid?realm=realm&amp;janrain_nonce='
            '2026-01-01T00:00:00Zabc&amp;authomatic_flow=flow-id-0123456789abc"') in html
    assert html.count('authomatic_flow') == 1


def test_nothing_to_bind_is_reported():
    assert not add_to_return_to(Response('<form></form>'), FLOW_PARAM, 'x' * 20)
    redirect = Response(status=302)
    redirect.headers['Location'] = 'http://op.example/?openid.mode=checkid_setup'
    assert not add_to_return_to(redirect, FLOW_PARAM, 'x' * 20)
