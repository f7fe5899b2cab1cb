"""Complete logins per second against a real threaded server.

Each contender's app runs in its own process on Werkzeug's threaded server
(``LocalAppServer``), the provider in another; the clients are threads of this
process speaking plain ``http.client`` (new connection per request, as a
browser without keep-alive would; no HTML parsing). One login =

1. ``GET /login/local`` -> 302 to the provider (+ cookies),
2. ``POST`` the consent (as alice or bob, alternating) -> 302 to the callback,
3. ``GET`` the callback with the cookies -> must be ``200 OK <sub> ...`` of
   the user who consented.

A login is *wrong* when step 3 names another user or answers an error, or
when any step answers something unexpected. The time is split in two halves
run in opposite contender orders, so slow drift hits every contender alike.
"""
import threading
import time

from benchmarks.apps import LOGIN_PATH, user_of
from benchmarks.client import CookieJar, app_process, consent, http_request

USERS = (('alice', 'id-alice'), ('bob', 'id-bob'))


def one_login(app_url, username, sub):
    """Returns None when the login went right, else a short description."""
    jar = CookieJar()
    status, headers, body = http_request(app_url + LOGIN_PATH)
    heads = dict((k.lower(), v) for k, v in headers)
    if status != 302 or 'location' not in heads:
        return 'step 1: {0} {1!r}'.format(status, body[:120])
    jar.update([v for k, v in headers if k.lower() == 'set-cookie'])
    try:
        callback = consent(heads['location'], username)
    except RuntimeError as error:
        return 'consent: {0}'.format(error)
    status, headers, body = http_request(callback, headers={'Cookie': jar.header()})
    if status != 200 or not user_of(body, sub):
        return 'callback: {0} {1!r}'.format(status, body[:120])
    return None


def run_clients(app_url, clients, seconds):
    """Run ``clients`` threads for ``seconds``; returns (ok, wrong, samples, elapsed)."""
    lock = threading.Lock()
    counts = {'ok': 0, 'wrong': 0}
    samples = []
    deadline = [None]
    start = threading.Barrier(clients + 1)

    def worker(index):
        n = index
        start.wait()
        while time.perf_counter() < deadline[0]:
            username, sub = USERS[n % 2]
            n += 1
            try:
                problem = one_login(app_url, username, sub)
            except Exception as error:   # connection reset etc.: counted, not hidden
                problem = 'exception: {0}: {1}'.format(type(error).__name__, error)
            with lock:
                if problem is None:
                    counts['ok'] += 1
                else:
                    counts['wrong'] += 1
                    if len(samples) < 5:
                        samples.append(problem)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return counts['ok'], counts['wrong'], samples, elapsed


def measure_once(provider_url, contenders, concurrencies=(1, 8), seconds=1.0, warmup=0.2):
    """One pass in one order (quick mode)."""
    return measure(provider_url, contenders, concurrencies, seconds, warmup, orders=1)


def measure(provider_url, contenders, concurrencies=(1, 8), seconds=10.0, warmup=0.5,
            orders=2):
    """{contender: {clients: {'logins_per_s', 'ok', 'wrong', 'samples', 'seconds'}}}."""
    out = dict((name, dict((c, {'ok': 0, 'wrong': 0, 'samples': [], 'seconds': 0.0})
                           for c in concurrencies)) for name in contenders)
    half = seconds / float(orders)
    for order in (list(contenders), list(reversed(contenders)))[:orders]:
        for name in order:
            with app_process(name, provider_url) as app:
                run_clients(app.url, 2, warmup)            # warm the app process
                for clients in concurrencies:
                    ok, wrong, samples, elapsed = run_clients(app.url, clients, half)
                    slot = out[name][clients]
                    slot['ok'] += ok
                    slot['wrong'] += wrong
                    slot['samples'].extend(samples[:5 - len(slot['samples'])])
                    slot['seconds'] += elapsed
    for name in contenders:
        for clients in concurrencies:
            slot = out[name][clients]
            slot['logins_per_s'] = slot['ok'] / slot['seconds'] if slot['seconds'] else 0.0
    return out
