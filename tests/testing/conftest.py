"""Fixtures for the tests of authomatic_extras.testing.

The app under test is :func:`authomatic_extras.testing.apps.make_login_app`:
a plain Werkzeug app calling the authomatic core directly.
"""
import json

import pytest

SECRET = 'authomatic-extras-test-secret'


def _body(trip):
    response = trip.response
    if hasattr(response, 'get_data'):
        return json.loads(response.get_data(as_text=True))
    return response.json()


@pytest.fixture
def body():
    """``body(trip)``: the JSON the login app answered at the end of a trip."""
    return _body
