"""Login state serialization: JSON plus python3-openid's session objects, never pickle."""
import pickle

import pytest
from openid.consumer.discover import OpenIDServiceEndpoint
from openid.yadis.manager import YadisServiceManager

from authomatic_extras.serializer import UnserializableStateError, login_state_serializer


def _endpoint(claimed_id='http://127.0.0.1:1/id/alice'):
    endpoint = OpenIDServiceEndpoint()
    endpoint.claimed_id = claimed_id
    endpoint.server_url = 'http://127.0.0.1:1/openid'
    endpoint.type_uris = ['http://specs.openid.net/auth/2.0/signon']
    endpoint.local_id = claimed_id
    endpoint.used_yadis = True
    return endpoint


def test_plain_json_and_tuples_round_trip():
    value = {'csrf': 'abc', 'n': 3, 'assoc': ('http://x', 'handle', 'secret'), 'l': [1, None]}
    assert login_state_serializer.loads(login_state_serializer.dumps(value)) == value


def test_a_dict_that_looks_like_a_tag_round_trips():
    value = {'__ae__': 'openid.endpoint', 'v': {'claimed_id': 'x'}}
    assert login_state_serializer.loads(login_state_serializer.dumps(value)) == value


def test_openid_endpoint_and_yadis_manager_round_trip():
    endpoint = _endpoint()
    manager = YadisServiceManager('http://start', 'http://yadis', [endpoint, _endpoint('b')], 'k')
    next(manager)
    restored = login_state_serializer.loads(login_state_serializer.dumps(
        {'token': endpoint, 'disco': manager}))
    assert isinstance(restored['token'], OpenIDServiceEndpoint)
    assert vars(restored['token']) == vars(endpoint)
    assert isinstance(restored['disco'], YadisServiceManager)
    assert restored['disco'].current().claimed_id == endpoint.claimed_id
    assert [s.claimed_id for s in restored['disco'].services] == ['b']


def test_other_objects_are_refused_with_a_message_naming_the_type():
    class Custom(object):
        pass
    with pytest.raises(UnserializableStateError, match='Custom'):
        login_state_serializer.dumps({'x': Custom()})


def test_a_pickle_payload_is_never_unpickled():
    payload = pickle.dumps(_endpoint()).decode('latin-1')
    with pytest.raises(ValueError):
        login_state_serializer.loads(payload)


def test_unknown_tags_are_refused():
    with pytest.raises(ValueError, match='Unknown login state tag'):
        login_state_serializer.loads('{"__ae__": "os.system", "v": {}}')
