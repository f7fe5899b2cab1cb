"""What-if (not part of the run): ours with one cost removed at a time.

    python -m benchmarks.whatif [--logins 100] [--redirects 1500]

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


def variants():
    """name -> [Patch]: ours with one cost removed."""
    import authomatic_extras.flask as ae_flask
    import authomatic_extras.login_state as ls
    return {
        'ours-no-echoes': [Patch(ls.LoginState, '_needed_echoes', lambda self: [])],
        'ours-no-openid-check': [Patch(ae_flask, '_needs_openid_store',
                                       lambda settings: False)],
        'ours-no-signals': [Patch(ae_flask.FlaskAuthomatic, '_send_signal',
                                  lambda *args: None, static=True)],
    }


def builder(patches):
    """A contender builder: ours, with ``patches`` applied around every request."""
    def build(provider_url):
        app = apps.make_ours(provider_url)

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


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks.whatif')
    parser.add_argument('--logins', type=int, default=100)
    parser.add_argument('--redirects', type=int, default=1500)
    args = parser.parse_args(argv)
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
