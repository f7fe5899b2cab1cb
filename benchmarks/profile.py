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

#: (module, qualified name) of what is timed; missing ones are skipped.
TARGETS = [
    ('flask.app', 'Flask.wsgi_app'),
    ('flask.app', 'Flask.full_dispatch_request'),
    ('flask.sessions', 'SecureCookieSessionInterface.open_session'),
    ('flask.sessions', 'SecureCookieSessionInterface.save_session'),
    ('authomatic.core', 'Authomatic.login'),
    ('authomatic.core', 'Session.save'),
    ('authomatic.core', 'Session._get_data'),
    ('authomatic.providers.oauth2', 'OAuth2.login'),
    ('authomatic.providers', 'BaseProvider._fetch'),
    ('authomatic_extras.flask', 'FlaskAuthomatic._login_for_request'),
    ('authomatic_extras.flask', 'FlaskAuthomatic._ensure_app'),
    ('authomatic_extras.flask', 'FlaskAuthomatic._is_provider'),
    ('authomatic_extras.flask', 'FlaskAuthomatic._carry_headers'),
    ('authomatic_extras.flask', '_redirect_values'),
    ('authomatic_extras.login_state', 'LoginState.__init__'),
    ('authomatic_extras.login_state', 'LoginState._select'),
    ('authomatic_extras.login_state', 'LoginState.save'),
    ('authomatic_extras.login_state', 'LoginState.clear'),
    ('authomatic_extras.login_state', '_haystack'),
    ('itsdangerous.serializer', 'Serializer.dumps'),
    ('itsdangerous.timed', 'TimedSerializer.loads'),
    ('authomatic.extras.flask', 'FlaskAuthomatic.session_saver'),
]


class Timers(object):
    def __init__(self):
        self.total = collections.Counter()
        self.calls = collections.Counter()
        self._undo = []

    def install(self):
        for module_name, qualname in TARGETS:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            owner, _, attr = qualname.rpartition('.')
            holder = getattr(module, owner) if owner else module
            original = holder.__dict__.get(attr) if hasattr(holder, '__dict__') else None
            if original is None:
                continue
            wrapped = self._wrap(original, qualname)
            setattr(holder, attr, wrapped)
            self._undo.append((holder, attr, original))

    def uninstall(self):
        for holder, attr, original in reversed(self._undo):
            setattr(holder, attr, original)
        self._undo = []

    def _wrap(self, original, name):
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
