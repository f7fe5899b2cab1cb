# -*- coding: utf-8 -*-
"""Keep login secrets out of log records.

The Authomatic core logs the URL it redirects the browser to at INFO (with
the OAuth 2.0 ``state`` and the OAuth 1.0a request token in it) and, at
DEBUG, the body, parameters and headers of every call to the provider
(codes, client secrets, PKCE verifiers, access tokens); python3-openid logs
association handles at INFO. Anyone who reads the log could finish or
forge a login with them.

:class:`RedactingFilter` rewrites such values to ``[redacted]`` in every
record it sees (message and traceback), whatever the level:

* ``key=value`` in URLs and form bodies, also URL-encoded inside another
  URL (``%26state%3D...``), for every key in :data:`SENSITIVE_KEYS`;
* ``'key': 'value'`` and ``"key": "value"`` (dict reprs, JSON) and
  ``key="value"`` (OAuth 1.0a headers) for the same keys;
* ``Authorization`` header values and ``Basic`` / ``Bearer`` / ``OAuth``
  credentials;
* python3-openid association handles (``{HMAC-SHA256}{...}{...}``).

:class:`~authomatic_extras.flask.FlaskAuthomatic` installs it
(:func:`install`) on the logger it gives the core (its own, or the
``logger=`` you pass), on the core's module logger and on python3-openid's
loggers. For a logger of your own::

    from authomatic_extras.log_redaction import install
    install(logging.getLogger('myapp.auth'))

or use :func:`redact` on any text.
"""
from __future__ import annotations

import logging
import re
from typing import Iterable, List, Optional

__all__ = ['RedactingFilter', 'SENSITIVE_KEYS', 'install', 'install_everywhere', 'redact']

#: Parameter names whose values never appear in a log.
SENSITIVE_KEYS = (
    'state', 'code', 'code_verifier', 'client_secret', 'consumer_secret', 'access_token',
    'refresh_token', 'id_token', 'token', 'token_secret', 'oauth_token', 'oauth_token_secret',
    'oauth_verifier', 'oauth_signature', 'nonce', 'csrf', 'password', 'assertion',
    'client_assertion', 'session', 'janrain_nonce', 'openid.assoc_handle', 'openid.sig',
    'openid.response_nonce', 'openid.invalidate_handle', 'openid.mac_key',
    'openid.enc_mac_key', 'openid.dh_server_public', 'openid.dh_consumer_public',
    'authomatic_flow',
)

#: What a redacted value becomes.
MASK = '[redacted]'

#: The python3-openid loggers (the consumer logs association handles).
OPENID_LOGGERS = ('openid', 'openid.consumer.consumer', 'openid.consumer.discover',
                  'openid.extensions.sreg', 'openid.kvform', 'openid.oidutil',
                  'openid.server.trustroot', 'openid.store.filestore')


def _patterns(keys: Iterable[str]) -> List['re.Pattern[str]']:
    names = '|'.join(sorted((re.escape(k) for k in keys), key=len, reverse=True))
    return [
        # key=value, key%3Dvalue (inside an encoded URL), after a delimiter.
        re.compile(r'(?:(?<![\w.%\-])|(?<=%26)|(?<=%3F)|(?<=%3f))'
                   r'((?:' + names + r')(?:=|%3D|%3d))'
                   r'((?:(?!%26)[^&\s\'"#<>,;)\]}])*)', re.IGNORECASE),
        # 'key': 'value' / "key": "value" / 'key': b'value'
        re.compile(r'(([\'"])(?:' + names + r')\2\s*:\s*b?)([\'"])(.*?)(?<!\\)\3',
                   re.IGNORECASE),
        # key="value" (OAuth 1.0a Authorization header)
        re.compile(r'((?<![\w.\-])(?:' + names + r')=)"([^"]*)"', re.IGNORECASE),
    ]


_AUTH_HEADER = re.compile(r'(([\'"]?)authorization\2\s*[:=]\s*b?([\'"]?))([^\'"\n]*)',
                          re.IGNORECASE)
_CREDENTIALS = re.compile(r'\b(Basic|Bearer|OAuth|Digest)\s+[A-Za-z0-9\-._~+/=,"%]{6,}')
_OPENID_HANDLE = re.compile(r'\{HMAC-SHA(?:1|256)\}\{[^}\s]*\}\{[^}\s]*\}')
_DEFAULT = _patterns(SENSITIVE_KEYS)


def redact(text: str, keys: Optional[Iterable[str]] = None) -> str:
    """``text`` with the values of sensitive keys (default
    :data:`SENSITIVE_KEYS`) and credentials replaced by ``[redacted]``."""
    if not text:
        return text
    pairs, quoted, header = _DEFAULT if keys is None else _patterns(keys)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, text)
    text = _CREDENTIALS.sub(lambda m: m.group(1) + ' ' + MASK, text)
    text = pairs.sub(lambda m: m.group(1) + (MASK if m.group(2) else ''), text)
    text = quoted.sub(lambda m: m.group(1) + m.group(3) + MASK + m.group(3), text)
    text = header.sub(lambda m: m.group(1) + '"' + MASK + '"', text)
    return _OPENID_HANDLE.sub(MASK, text)


def _will_be_emitted(record: logging.LogRecord) -> bool:
    """Whether a handler will receive ``record`` (logged through the logger
    named ``record.name``): the handlers :meth:`logging.Logger.callHandlers`
    would call, or logging's last resort when there are none. Redacting a
    record nobody emits (INFO lines of an app that logs warnings only) would
    cost regular expressions on every login step for nothing."""
    logger: Optional[logging.Logger] = logging.getLogger(record.name)
    found = False
    while logger is not None:
        for handler in logger.handlers:
            found = True
            if record.levelno >= handler.level:
                return True
        if not logger.propagate:
            break
        logger = logger.parent
    if found:
        return False
    last_resort = logging.lastResort
    return last_resort is not None and record.levelno >= last_resort.level


class RedactingFilter(logging.Filter):
    """A :class:`logging.Filter` that redacts every record a handler will
    receive (never drops one).

    The message is formatted and redacted (``args`` emptied). A traceback is
    formatted and redacted into ``exc_text``; when that removed anything,
    ``exc_info`` is dropped so no handler formats the raw one.
    """

    def __init__(self, keys: Optional[Iterable[str]] = None) -> None:
        super(RedactingFilter, self).__init__()
        self.keys = None if keys is None else tuple(keys)

    def filter(self, record: logging.LogRecord) -> bool:
        if not _will_be_emitted(record):
            return True  # no handler will see it: nothing to redact
        try:
            message = record.getMessage()
        except Exception:  # a broken record: leave it to logging's own handling
            return True
        cleaned = redact(message, self.keys)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            cleaned = redact(text, self.keys)
            record.exc_text = cleaned
            if cleaned != text:
                record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, self.keys)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.keys)
        return True


def install(logger: logging.Logger) -> logging.Logger:
    """Add a :class:`RedactingFilter` to ``logger`` (once). Returns it.

    A logger's filters see only records logged through that logger, not
    those of its children: install it on every logger that needs it.
    """
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger


def install_everywhere(logger: Optional[logging.Logger] = None) -> None:
    """Install on ``logger``, the core's module logger and python3-openid's."""
    if logger is not None:
        install(logger)
    install(logging.getLogger('authomatic.core'))
    for name in OPENID_LOGGERS:
        install(logging.getLogger(name))
