# -*- coding: utf-8 -*-
"""The error page of ``debug=True, report_errors=False``.

With these settings the Authomatic core writes a traceback page into the
login response; it puts the exception message and traceback into the HTML
as they are, so a request value that ends up in a message (a forged
``state``, an identifier) becomes markup on the app's origin.
:func:`debug_error_response` builds the page instead: every value
HTML-escaped, login secrets redacted
(:func:`~authomatic_extras.log_redaction.redact`), served as
``text/html; charset=utf-8`` with ``X-Content-Type-Options: nosniff``.
It is a development aid: never run a public site with ``debug=True``.
"""
from __future__ import annotations

import html
import traceback

from werkzeug.wrappers import Response

from authomatic_extras.log_redaction import redact

__all__ = ['debug_error_response']

_PAGE = u"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Login error: {title}</title></head>
<body style="font-family: sans-serif">
<h4>The Authomatic library encountered an error! (debug=True: for development only)</h4>
<h1>{title}</h1>
<pre>{traceback}</pre>
</body>
</html>
"""


def debug_error_response(error: BaseException, status: int = 500) -> Response:
    """A response showing ``error`` and its traceback, escaped."""
    title = redact('{0}: {1}'.format(type(error).__name__, error))
    text = redact(''.join(traceback.format_exception(type(error), error, error.__traceback__)))
    body = _PAGE.format(title=html.escape(title, quote=True),
                        traceback=html.escape(text, quote=True))
    response = Response(body, status=status, content_type='text/html; charset=utf-8')
    response.headers['X-Content-Type-Options'] = 'nosniff'
    response.headers['Cache-Control'] = 'no-store'
    return response
