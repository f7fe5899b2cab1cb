"""What-if (not part of the run): ours with one cost removed at a time, by
monkeypatching private names of authomatic_extras (fragile by design; for the
fix proposals in the benchmark report). Usage: python -m benchmarks.whatif 100 1500
"""
import sys
from benchmarks import apps, steps
from benchmarks.client import provider_process
import authomatic_extras.flask as ae_flask
import authomatic_extras.login_state as ls
from itsdangerous import URLSafeTimedSerializer

class PlainSigner(object):
    """No inner signature: JSON + timestamp (the outer Flask cookie is signed)."""
    def __init__(self, *a, **k):
        import time
        self.time = time
    def dumps(self, obj):
        return ls.login_state_serializer.dumps({'p': obj, 't': int(self.time.time())})
    def loads(self, token, return_timestamp=False, max_age=None):
        import datetime
        v = ls.login_state_serializer.loads(token)
        if return_timestamp:
            return v['p'], datetime.datetime.fromtimestamp(v['t'], datetime.timezone.utc)
        return v['p']

_cached = {}
def cached_serializer(secret, salt=None, serializer=None):
    key = (secret, salt, id(serializer))
    s = _cached.get(key)
    if s is None:
        s = _cached[key] = URLSafeTimedSerializer(secret, salt=salt, serializer=serializer)
    return s

PATCHES = {
    'ours-no-echoes': [(ae_flask, '_redirect_values', lambda response: [])],
    'ours-cached-signer': [(ls, 'URLSafeTimedSerializer', cached_serializer)],
    'ours-no-inner-sign': [(ls, 'URLSafeTimedSerializer', PlainSigner)],
    'ours-all-three': [(ae_flask, '_redirect_values', lambda response: []),
                       (ls, 'URLSafeTimedSerializer', PlainSigner)],
}

def variant(name):
    def build(provider_url):
        app = apps.make_ours(provider_url)
        patches = PATCHES[name]
        def wsgi(environ, start_response):
            saved = [(m, a, getattr(m, a)) for m, a, _ in patches]
            for m, a, v in patches:
                setattr(m, a, v)
            try:
                it = app(environ, start_response)
                body = b''.join(it)
                getattr(it, 'close', lambda: None)()
                return [body]
            finally:
                for m, a, v in saved:
                    setattr(m, a, v)
        return wsgi
    return build

for name in PATCHES:
    apps.BUILDERS[name] = variant(name)
names = ['ours', 'core'] + list(PATCHES)
with provider_process() as p:
    r = steps.measure(p.url, names, logins=int(sys.argv[1]), redirects=int(sys.argv[2]))
core = r['core']
for n in names:
    s = r[n]
    redirect, callback = s['redirect_wall']['median'], s['callback_wall']['median']
    print('%-20s redirect %5.0f us (%.3fx core)  callback %5.0f us (%.3fx)  '
          'cpu %5.0f (%.3fx)  cookie %d' % (
        n, redirect, redirect / core['redirect_wall']['median'],
        callback, callback / core['callback_wall']['median'],
        s['callback_cpu']['median'], s['callback_cpu']['median'] / core['callback_cpu']['median'],
        s['set_cookie_bytes']['redirect']))
