# -*- coding: utf-8 -*-
"""Tie an OpenID answer to the login that asked for it.

An OpenID provider answers by sending the browser to the ``openid.return_to``
URL of the request, with the answer's fields added; it signs ``return_to``
(``openid.signed`` always lists it), and python3-openid accepts an answer
only when every parameter of the signed ``return_to`` is in the callback URL
with the same value. Nothing in the core's ``return_to`` is specific to one
login, so any valid answer would complete any pending login (login CSRF).

:func:`add_to_return_to` adds the flow's own random id as the parameter
:data:`FLOW_PARAM` of ``return_to`` in the first step's answer (a redirect to
the provider, or python3-openid's auto-submitting form). The callback then
carries it, covered by the provider's signature, and the extension
continues only the flow whose id it carries.
"""
from __future__ import annotations

import html
import re
from typing import Match
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.wrappers import Response

__all__ = ['FLOW_PARAM', 'add_to_return_to']

#: Name of the ``return_to`` parameter that carries a login's flow id.
FLOW_PARAM = 'authomatic_flow'

_RETURN_TO = 'openid.return_to'
_INPUT = re.compile(r'(<input\b[^>]*?\bname="openid\.return_to"[^>]*?\bvalue=")([^"]*)(")'
                    r'|(<input\b[^>]*?\bvalue=")([^"]*)("[^>]*?\bname="openid\.return_to")')


def _with_param(url: str, name: str, value: str) -> str:
    return '{0}{1}{2}={3}'.format(url, '&' if '?' in url else '?', name, value)


def add_to_return_to(response: Response, name: str, value: str) -> bool:
    """Add ``name=value`` to the ``openid.return_to`` of the first step's
    answer in ``response``: the ``Location`` of a redirect, or the field of
    an auto-submitting form. ``value`` must be URL-safe (a flow id).

    :returns: whether exactly one ``return_to`` was found and changed.
    """
    location = response.headers.get('Location')
    if location:
        parts = urlsplit(location)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if sum(1 for key, _ in pairs if key == _RETURN_TO) != 1:
            return False
        pairs = [(key, _with_param(item, name, value) if key == _RETURN_TO else item)
                 for key, item in pairs]
        response.headers['Location'] = urlunsplit(parts._replace(query=urlencode(pairs)))
        return True
    body = response.get_data(as_text=True)

    def bound(match: Match[str]) -> str:
        start, url, end = (match.group(1, 2, 3) if match.group(1) is not None
                           else match.group(4, 5, 6))
        return start + html.escape(_with_param(html.unescape(url), name, value)) + end

    changed, count = _INPUT.subn(bound, body)
    if count != 1:
        return False
    response.set_data(changed)
    return True
