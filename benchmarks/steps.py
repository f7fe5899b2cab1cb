"""Per-request cost of the two login steps, in-process through each WSGI app.

The provider runs in its own process; each contender's app is called directly
as a WSGI callable (environ built before the clock starts, the whole body read
inside it). Contenders are interleaved in a new random order every round, so
drift of a shared machine hits them all alike.

* ``redirect``: ``GET /login/local`` with no cookie -> 302 to the provider.
  Also timed alone, many more times (no provider involved).
* ``callback``: ``GET /login/local?code=..&state=..`` with the cookies of
  step 1 -> token request + user info request to the provider -> 200.

Wall time (``perf_counter``) and CPU time of the calling thread
(``thread_time``; excludes the provider's work, which runs in another process).
"""
import random

from benchmarks.apps import LOGIN_PATH, make_app
from benchmarks.client import CookieJar, call_wsgi, consent, environ_for, path_of
from benchmarks.stats import summary

USERS = (('alice', 'id-alice'), ('bob', 'id-bob'))


class StepError(RuntimeError):
    pass


def one_login(app, name, username, expected_sub):
    """Both steps of one login; returns (step1 WSGIResult, step2 WSGIResult)."""
    jar = CookieJar()
    first = call_wsgi(app, environ_for(LOGIN_PATH))
    if first.status != 302 or not first.header('Location'):
        raise StepError('{0}: step 1 answered {1}: {2!r}'.format(
            name, first.status, first.body[:300]))
    jar.update(first.set_cookies())
    callback_url = consent(first.header('Location'), username)
    second = call_wsgi(app, environ_for(path_of(callback_url), jar.header()))
    from benchmarks.apps import user_of
    if second.status != 200 or not user_of(second.body, expected_sub):
        raise StepError('{0}: callback answered {1}: {2!r}'.format(
            name, second.status, second.body[:300]))
    return first, second


def measure(provider_url, contenders, logins=300, redirects=3000, warmup=5, seed=1):
    """Returns {contender: {...}} with wall/cpu summaries in microseconds."""
    rng = random.Random(seed)
    apps = dict((name, make_app(name, provider_url)) for name in contenders)
    raw = dict((name, {'redirect_wall': [], 'redirect_cpu': [], 'callback_wall': [],
                       'callback_cpu': [], 'redirect_only_wall': [],
                       'redirect_only_cpu': [], 'cookie1': [], 'cookie2': [],
                       'cookies1': [], 'cookies2': []}) for name in contenders)
    order = list(contenders)
    for name in order:                      # warm-up: imports, caches, connections
        for i in range(warmup):
            username, sub = USERS[i % 2]
            one_login(apps[name], name, username, sub)
    for i in range(logins):
        rng.shuffle(order)
        username, sub = USERS[i % 2]
        for name in order:
            first, second = one_login(apps[name], name, username, sub)
            r = raw[name]
            r['redirect_wall'].append(first.wall)
            r['redirect_cpu'].append(first.cpu)
            r['callback_wall'].append(second.wall)
            r['callback_cpu'].append(second.cpu)
            r['cookie1'].append(sum(len(c) for c in first.set_cookies()))
            r['cookie2'].append(sum(len(c) for c in second.set_cookies()))
            r['cookies1'].append(len(first.set_cookies()))
            r['cookies2'].append(len(second.set_cookies()))
    # The redirect step alone, many more times (no back channel at all).
    environ = environ_for(LOGIN_PATH)
    for _ in range(redirects):
        rng.shuffle(order)
        for name in order:
            result = call_wsgi(apps[name], dict(environ))
            if result.status != 302:
                raise StepError('{0}: redirect answered {1}'.format(name, result.status))
            raw[name]['redirect_only_wall'].append(result.wall)
            raw[name]['redirect_only_cpu'].append(result.cpu)
    out = {}
    for name in contenders:
        r = raw[name]
        us = lambda values: [v * 1e6 for v in values]   # noqa: E731
        out[name] = {
            'redirect_wall': summary(us(r['redirect_only_wall'] + r['redirect_wall'])),
            'redirect_cpu': summary(us(r['redirect_only_cpu'] + r['redirect_cpu'])),
            'callback_wall': summary(us(r['callback_wall'])),
            'callback_cpu': summary(us(r['callback_cpu'])),
            'set_cookie_bytes': {'redirect': max(r['cookie1']), 'callback': max(r['cookie2']),
                                 'redirect_headers': max(r['cookies1']),
                                 'callback_headers': max(r['cookies2'])},
        }
    return out
