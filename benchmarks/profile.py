"""Where the time of one login step goes: inclusive microseconds per call of
the functions that differ between our extension and the bare core.

    python -m benchmarks.profile [--n 2000] [--contenders ours,core,upstream]
    python -m benchmarks.profile --pyinstrument ours   # call tree of ours

Each listed function is wrapped with a perf_counter timer (about 0.3 us of
overhead per call) and the steps are run through the WSGI apps as in
``benchmarks.steps``; the table gives the median step time without wrappers
first, then per function: calls per step and mean inclusive us per step.
"""
import argparse
import collections
import functools
import importlib
import time

from benchmarks.apps import LOGIN_PATH, make_app
from benchmarks.client import CookieJar, call_wsgi, consent, environ_for, path_of, provider_process
from benchmarks.stats import median

ALL = frozenset(('ours', 'core', 'upstream'))
OURS = frozenset(('ours',))

#: (module, qualified name, contenders whose steps must call it) of what is
#: timed. A target that does not exist, or that a listed contender never
#: called, is an error: a renamed function must not silently drop out.
TARGETS = [
    ('flask.app', 'Flask.wsgi_app', ALL),
    ('flask.app', 'Flask.full_dispatch_request', ALL),
    ('flask.sessions', 'SecureCookieSessionInterface.open_session', ALL),
    ('flask.sessions', 'SecureCookieSessionInterface.save_session', ALL),
    ('authomatic.core', 'Authomatic.login', ALL),
    ('authomatic.adapters', 'WerkzeugAdapter.__init__', ALL),
    ('authomatic.core', 'Session.save', frozenset(('core',))),
    ('authomatic.core', 'Session._get_data', frozenset(('core',))),
    ('authomatic.providers.oauth2', 'OAuth2.login', ALL),
    ('authomatic.providers', 'BaseProvider._fetch', ALL),
    ('authomatic_extras.flask', 'FlaskAuthomatic._login_for_request', OURS),
    ('authomatic_extras.flask', 'FlaskAuthomatic._ensure_app', OURS),
    ('authomatic_extras.flask', 'FlaskAuthomatic._provider_settings', OURS),
    ('authomatic_extras.flask', 'FlaskAuthomatic._carry_headers', OURS),
    ('authomatic_extras.flask', 'FlaskAuthomatic._send_signal', OURS),
    ('authomatic_extras.login_state', 'LoginState.__init__', OURS),
    ('authomatic_extras.login_state', 'LoginState._select', OURS),
    ('authomatic_extras.login_state', 'LoginState.save', OURS),
    ('authomatic_extras.login_state', 'LoginState.clear', OURS),
    ('authomatic_extras.login_state', 'make_token', OURS),
    ('itsdangerous.timed', 'TimestampSigner.sign', OURS),
    ('itsdangerous.timed', 'TimestampSigner.unsign', OURS),
]


class TargetError(RuntimeError):
    """A profiled function is gone or was never called: the table would lie."""


def resolve(module_name, qualname):
    """(holder, attribute, original) of a target; raises :class:`TargetError`."""
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise TargetError('cannot import {0} to time {1}: {2}'.format(
            module_name, qualname, error)) from error
    owner, _, attr = qualname.rpartition('.')
    holder = module
    for part in owner.split('.') if owner else ():
        holder = getattr(holder, part, None)
    original = vars(holder).get(attr) if holder is not None else None
    if original is None:
        raise TargetError('{0}.{1} does not exist any more: update TARGETS in '
                          'benchmarks/profile.py'.format(module_name, qualname))
    return holder, attr, original


def check_called(calls_by_contender, targets=None):
    """Raise :class:`TargetError` for a target a contender should have called
    but did not (``calls_by_contender``: contender -> Counter of qualnames)."""
    missing = []
    for module_name, qualname, expected in targets or TARGETS:
        for contender, calls in calls_by_contender.items():
            if contender in expected and not calls.get(qualname):
                missing.append('{0}.{1} (by {2})'.format(module_name, qualname, contender))
    if missing:
        raise TargetError('never called, so their rows would read 0: ' + ', '.join(missing)
                          + '; the code moved: update TARGETS in benchmarks/profile.py')


class Timers(object):
    def __init__(self, targets=None):
        self.targets = TARGETS if targets is None else targets
        self.total = collections.Counter()
        self.calls = collections.Counter()
        self._undo = []

    def install(self):
        """Wrap every target; :class:`TargetError` (nothing left wrapped) when one is gone."""
        resolved = [(resolve(module_name, qualname), qualname)
                    for module_name, qualname, _ in self.targets]
        for (holder, attr, original), qualname in resolved:
            wrapped = self._wrap(original, qualname)
            setattr(holder, attr, wrapped)
            self._undo.append((holder, attr, original))

    def uninstall(self):
        for holder, attr, original in reversed(self._undo):
            setattr(holder, attr, original)
        self._undo = []

    def _wrap(self, original, name):
        if isinstance(original, functools._lru_cache_wrapper):
            original = original.__wrapped__
        is_static = isinstance(original, staticmethod)
        func = original.__func__ if is_static else original
        total, calls, clock = self.total, self.calls, time.perf_counter

        @functools.wraps(func)
        def timed(*args, **kwargs):
            t0 = clock()
            try:
                return func(*args, **kwargs)
            finally:
                total[name] += clock() - t0
                calls[name] += 1

        return staticmethod(timed) if is_static else timed

    def reset(self):
        self.total.clear()
        self.calls.clear()


def _logins(app, name, n, on_step=None):
    """n logins; returns lists of step-1 and step-2 wall times (s)."""
    from benchmarks.steps import USERS
    from benchmarks.apps import user_of
    first_times, second_times = [], []
    for i in range(n):
        username, sub = USERS[i % 2]
        jar = CookieJar()
        if on_step:
            on_step('redirect')
        first = call_wsgi(app, environ_for(LOGIN_PATH))
        jar.update(first.set_cookies())
        callback = consent(first.header('Location'), username)
        env = environ_for(path_of(callback), jar.header())
        if on_step:
            on_step('callback')
        second = call_wsgi(app, env)
        assert second.status == 200 and user_of(second.body, sub), (name, second.body[:200])
        first_times.append(first.wall)
        second_times.append(second.wall)
    return first_times, second_times


def attribute(provider_url, contenders, n):
    apps = dict((c, make_app(c, provider_url)) for c in contenders)
    for c in contenders:
        _logins(apps[c], c, 20)
    plain = dict((c, _logins(apps[c], c, n)) for c in contenders)
    timers = Timers()
    timers.install()
    per_step = {}
    try:
        for c in contenders:
            step_totals = {'redirect': collections.Counter(), 'callback': collections.Counter()}
            step_calls = {'redirect': collections.Counter(), 'callback': collections.Counter()}
            current = ['redirect']

            def on_step(step, current=current, step_totals=step_totals,
                        step_calls=step_calls):
                # Close the books of the previous step, open the next one.
                prev = current[0]
                step_totals[prev].update(timers.total)
                step_calls[prev].update(timers.calls)
                timers.reset()
                current[0] = step

            timers.reset()
            _logins(apps[c], c, n, on_step)
            on_step('redirect')
            per_step[c] = (step_totals, step_calls)
    finally:
        timers.uninstall()
    check_called(dict((c, per_step[c][1]['redirect'] + per_step[c][1]['callback'])
                      for c in contenders))
    lines = []
    for c in contenders:
        totals, calls = per_step[c]
        lines.append('## {0}: redirect median {1:.0f} us, callback median {2:.0f} us '
                     '(no timers, n={3})'.format(c, median(plain[c][0]) * 1e6,
                                                 median(plain[c][1]) * 1e6, n))
        lines.append('| function | redirect: calls/step | us/step '
                     '| callback: calls/step | us/step |')
        lines.append('|---|---:|---:|---:|---:|')
        names = sorted(set(totals['redirect']) | set(totals['callback']),
                       key=lambda k: [t[1] for t in TARGETS].index(k))
        for name in names:
            lines.append('| `{0}` | {1:.1f} | {2:.1f} | {3:.1f} | {4:.1f} |'.format(
                name, calls['redirect'][name] / n, totals['redirect'][name] / n * 1e6,
                calls['callback'][name] / n, totals['callback'][name] / n * 1e6))
        lines.append('')
    return '\n'.join(lines)


def pyinstrument_tree(provider_url, contender, n, step):
    from pyinstrument import Profiler
    app = make_app(contender, provider_url)
    _logins(app, contender, 20)
    profiler = Profiler(interval=0.0001)
    if step == 'redirect':
        environ = environ_for(LOGIN_PATH)
        profiler.start()
        for _ in range(n):
            call_wsgi(app, dict(environ))
        profiler.stop()
    else:
        state = {}

        def on_step(which):
            if which == 'callback':
                profiler.start()
                state['on'] = True
            elif state.get('on'):
                profiler.stop()
                state['on'] = False

        _logins(app, contender, n, on_step)
        if state.get('on'):
            profiler.stop()
    return profiler.output_text(unicode=False, color=False, show_all=False)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks.profile')
    parser.add_argument('--n', type=int, default=1000)
    parser.add_argument('--contenders', default='ours,core,upstream')
    parser.add_argument('--pyinstrument', metavar='CONTENDER')
    parser.add_argument('--step', choices=('redirect', 'callback'), default='redirect')
    args = parser.parse_args(argv)
    with provider_process() as provider:
        if args.pyinstrument:
            print(pyinstrument_tree(provider.url, args.pyinstrument, args.n, args.step))
        else:
            print(attribute(provider.url, args.contenders.split(','), args.n))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
