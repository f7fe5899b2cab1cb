"""What-if (not part of the run): ours with one cost removed at a time.

    python -m benchmarks.whatif [--logins 100] [--redirects 1500]
    python -m benchmarks.whatif --instructions [--n 10]     # callgrind counts instead

Each variant monkeypatches private names of ``authomatic_extras`` (fragile by
design: it answers "what would removing this save?"). So that a renamed
function cannot make a variant measure nothing, every patched name must
exist before the run (:class:`PatchError` otherwise) and every replacement
must have been called during it (:class:`PatchError` again).
"""
import argparse
import functools
import sys

from benchmarks import apps, steps
from benchmarks.client import provider_process


class PatchError(RuntimeError):
    """A variant would measure nothing: its target is gone or was never called."""


class Patch(object):
    """Replace ``holder.attr`` with ``replacement`` while a request runs,
    counting the calls of the replacement."""

    def __init__(self, holder, attr, replacement, static=False):
        self.holder, self.attr, self.static = holder, attr, static
        self.calls = 0

        @functools.wraps(replacement)
        def counted(*args, **kwargs):
            self.calls += 1
            return replacement(*args, **kwargs)

        self.replacement = staticmethod(counted) if static else counted

    @property
    def name(self):
        return '{0}.{1}'.format(getattr(self.holder, '__name__', self.holder), self.attr)

    def check_exists(self):
        if self.attr not in vars(self.holder):
            raise PatchError('{0} does not exist any more: update benchmarks/whatif.py'
                             .format(self.name))

    def apply(self):
        self.check_exists()
        self.saved = vars(self.holder)[self.attr]
        setattr(self.holder, self.attr, self.replacement)

    def undo(self):
        setattr(self.holder, self.attr, self.saved)


@functools.lru_cache(maxsize=8)
def unsigned_signer(secret):
    """Stands in for the login state's signer: the same token format and
    timestamp, no HMAC (so the difference is what the signature costs)."""
    from itsdangerous import TimestampSigner

    class Unsigned(TimestampSigner):
        def get_signature(self, value):
            return b'unsigned'

        def verify_signature(self, value, sig):
            return True

    return Unsigned(secret)


#: What each variant gives up (for the report).
GIVES_UP = {
    'ours-as-is': 'nothing (ours under the same patching harness: the reference)',
    'ours-unsigned-state': 'the signature of the login state (tampering then rests on the '
                           'session store alone; a server-side session store is not signed)',
    'ours-keeps-finished-flows': 'removing a login\'s state when it finishes (as upstream: '
                                 'the session keeps it until it expires)',
    'ours-plain-json': 'the typed JSON encoding (OpenID\'s objects could not be stored)',
    'ours-no-echoes': 'keeping the redirect\'s values (OAuth 1.0a logins in two tabs '
                      'could not be told apart)',
    'ours-no-signals': 'the login_started / login_failed / login_succeeded signals',
}


def variants():
    """name -> [Patch]: ours with one cost removed."""
    import authomatic_extras.flask as ae_flask
    import authomatic_extras.login_state as ls
    from authomatic_extras.serializer import LoginStateSerializer
    return {
        'ours-as-is': [],
        'ours-unsigned-state': [Patch(ls, '_signer', unsigned_signer)],
        'ours-keeps-finished-flows': [Patch(ls.LoginState, 'clear', lambda self: None)],
        'ours-plain-json': [Patch(LoginStateSerializer, '_encode', lambda self, value: value),
                            Patch(LoginStateSerializer, '_decode',
                                  lambda self, value, *depth: value)],
        'ours-no-echoes': [Patch(ls.LoginState, '_needed_echoes', lambda self: [])],
        'ours-no-signals': [Patch(ae_flask.FlaskAuthomatic, '_send_signal',
                                  lambda *args: None, static=True)],
    }


def builder(patches, per_request=True):
    """A contender builder: ours, with ``patches`` applied around every request
    (several variants in one process), or once for good (``per_request=False``:
    a process of its own; patching a class per request would itself cost,
    since it empties the interpreter's method caches)."""
    def build(provider_url):
        app = apps.make_ours(provider_url)
        if not per_request:
            for patch in patches:
                patch.apply()
            return app

        def wsgi(environ, start_response):
            for patch in patches:
                patch.apply()
            try:
                iterable = app(environ, start_response)
                body = b''.join(iterable)
                getattr(iterable, 'close', lambda: None)()
                return [body]
            finally:
                for patch in reversed(patches):
                    patch.undo()
        return wsgi
    return build


def check_called(table):
    """Raise :class:`PatchError` for any patch that no request called."""
    idle = [patch.name + ' (' + name + ')' for name, patches in table.items()
            for patch in patches if not patch.calls]
    if idle:
        raise PatchError('never called, so these variants measured nothing: '
                         + ', '.join(idle))


def count(provider_url, n=10, names=None):
    """Instructions per step of ours, upstream and every variant (callgrind):
    {name: {'redirect', 'callback', 'n'}}, variants named ``whatif:<variant>``."""
    from benchmarks import instructions
    names = list(names or variants())
    return instructions.measure(provider_url, ['ours', 'upstream'] +
                                ['whatif:' + name for name in names], n)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks.whatif')
    parser.add_argument('--logins', type=int, default=100)
    parser.add_argument('--redirects', type=int, default=1500)
    parser.add_argument('--instructions', action='store_true',
                        help='count instructions per step with callgrind instead of timing')
    parser.add_argument('--n', type=int, default=10, help='steps per callgrind batch')
    args = parser.parse_args(argv)
    if args.instructions:
        with provider_process() as provider:
            counted = count(provider.url, args.n)
        base = counted['whatif:ours-as-is']
        for name, c in counted.items():
            print('%-34s redirect %10.0f (%+8.0f)  callback %10.0f (%+8.0f)' % (
                name, c['redirect'], c['redirect'] - base['redirect'],
                c['callback'], c['callback'] - base['callback']))
        return 0
    table = variants()
    for patches in table.values():
        for patch in patches:
            patch.check_exists()
    for name, patches in table.items():
        apps.BUILDERS[name] = builder(patches)
    names = ['ours', 'upstream'] + list(table)
    with provider_process() as provider:
        r = steps.measure(provider.url, names, logins=args.logins, redirects=args.redirects)
    check_called(table)
    base = r['upstream']
    for n in names:
        s = r[n]
        redirect, callback = s['redirect_wall']['median'], s['callback_wall']['median']
        print('%-22s redirect %5.0f us (%.3fx upstream)  callback %5.0f us (%.3fx)  '
              'cpu %5.0f (%.3fx)  cookie %d' % (
                  n, redirect, redirect / base['redirect_wall']['median'],
                  callback, callback / base['callback_wall']['median'],
                  s['callback_cpu']['median'],
                  s['callback_cpu']['median'] / base['callback_cpu']['median'],
                  s['set_cookie_bytes']['redirect']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
