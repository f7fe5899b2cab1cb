"""Saved credentials: keep a user's provider access and use it later.

After a login, store ``result.user.credentials.serialize()`` (a short string)
with the user. Later, in any request (or an app context), turn it back into
credentials, refresh them when they expired or are about to, and call the
provider's API on the user's behalf.
"""
from authomatic_extras.flask import FlaskAuthomatic


def save(result):
    """What to store after a successful login."""
    return result.user.credentials.serialize()


def call_api(authomatic: FlaskAuthomatic, serialized, url, refresh_within=60):
    """Call ``url`` with the stored credentials, refreshing them if needed.

    Returns ``(response, serialized)``: store the new serialized credentials
    when they changed (a refresh issues a new access token).
    """
    credentials = authomatic.credentials(serialized)
    if not credentials.valid or credentials.expire_soon(refresh_within):
        refreshed = credentials.refresh(force=True)
        if refreshed is None or refreshed.status != 200:
            raise RuntimeError('Refreshing the credentials failed: log the user in again.')
        serialized = credentials.serialize()
    return authomatic.access(credentials, url), serialized
