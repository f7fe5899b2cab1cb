"""Instructions per login step, counted by valgrind's callgrind.

A time moves by a fifth from run to run on a busy machine; the number of
instructions a step executes does not. For each contender one child process
runs under ``valgrind --tool=callgrind --collect-atstart=no``:

1. it builds the contender's app and logs in ``warmup`` times (imports,
   caches, connections), then prepares ``n`` logins up to the callback
   (redirect + consent on the real provider, cookies kept), all uncounted;
2. it runs ``n`` redirect steps, then the ``n`` prepared callback steps,
   each batch inside one :mod:`ctypes` call of libc's ``bsearch`` over a
   one-element array whose comparator (a ctypes callback) runs the batch.
   ``--toggle-collect=ffi_call`` counts exactly what runs inside that foreign
   call and ``--dump-after=ffi_call`` writes one profile per batch.

So the count is the contender's app and the in-process WSGI call only: no
interpreter start, no import, no warm-up, nothing of the provider (another
process). The child checks that every step answered right, and the parent
checks that there is exactly one non-empty profile per batch (a count of 0,
or a foreign call made inside a batch, which would split it, fails loudly).

``harness`` is the same child with an app that answers each step with a
fixed response: the cost of the WSGI call and the ctypes callback, which the
report subtracts from every contender ("net").

    python -m benchmarks.instructions [--n 20] [--contenders ours,upstream]

needs ``valgrind`` on the PATH (Debian: ``apt-get install valgrind``).
"""
import argparse
import ctypes
import ctypes.util
import gc
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

from benchmarks.apps import LOGIN_PATH, make_app, user_of
from benchmarks.client import CookieJar, REPO, call_wsgi, consent, environ_for, path_of

#: Contenders counted by default (the harness first: it is subtracted).
DEFAULT = ('harness', 'ours', 'upstream', 'core', 'authlib')
STEPS = ('redirect', 'callback')
USERS = (('alice', 'id-alice'), ('bob', 'id-bob'))
#: libffi's entry point: every ctypes call goes through it.
TOGGLE = 'ffi_call'


class CountError(RuntimeError):
    """A count that would measure nothing, or something else than asked."""


def make_harness(provider_url):
    """A WSGI app answering like a contender without doing any login work."""
    location = provider_url.rstrip('/') + '/authorize?state=harness'

    def app(environ, start_response):
        if 'code=' in environ.get('QUERY_STRING', ''):
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return [b'OK id-harness']
        start_response('302 Found', [('Location', location)])
        return [b'']

    return app


def _build(name, provider_url):
    """(app, check) of a contender; ``whatif:<variant>`` is ours with that
    variant's patches (:mod:`benchmarks.whatif`), and ``check()`` raises
    when a patch was never called (the variant would measure nothing)."""
    if name == 'harness':
        return make_harness(provider_url), lambda: None
    if name.startswith('whatif:'):
        from benchmarks import whatif
        patches = whatif.variants()[name.split(':', 1)[1]]
        return (whatif.builder(patches, per_request=False)(provider_url),
                lambda: whatif.check_called({name: patches}))
    return make_app(name, provider_url), lambda: None


def _in_bsearch(batch, libc):
    """Run ``batch()`` inside one ctypes call of libc's ``bsearch`` (the counted region)."""
    compare = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
    box = {}

    def comparator(key, item):
        try:
            box['value'] = batch()
        except BaseException as error:   # ctypes would only print it
            box['error'] = error
        return 0

    callback = compare(comparator)
    libc.bsearch.restype = ctypes.c_void_p
    libc.bsearch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                             ctypes.c_size_t, compare]
    one = ctypes.c_int(0)
    libc.bsearch(ctypes.byref(one), ctypes.byref(one), 1, ctypes.sizeof(one), callback)
    if 'error' in box:
        raise box['error']
    if 'value' not in box:
        raise CountError('bsearch did not call the batch')
    return box['value']


def _start(app, name, username):
    first = call_wsgi(app, environ_for(LOGIN_PATH))
    if first.status != 302 or not first.header('Location'):
        raise CountError('{0}: step 1 answered {1}: {2!r}'.format(
            name, first.status, first.body[:200]))
    return first


def child(name, provider_url, n, warmup):
    """Runs under callgrind: warm up, prepare, then the two counted batches.

    Logging stays as each app configures it, as in the timed runs: what a
    contender does with its log records is part of its cost."""
    app, check_patches = _build(name, provider_url)

    def prepared_callback(i):
        username, sub = USERS[i % 2]
        jar = CookieJar()
        first = _start(app, name, username)
        jar.update(first.set_cookies())
        if name == 'harness':
            callback = provider_url.rstrip('/') + LOGIN_PATH + '?code=x&state=harness'
            sub = 'id-harness'
        else:
            callback = consent(first.header('Location'), username)
        return environ_for(path_of(callback), jar.header()), sub

    for i in range(warmup):
        env, sub = prepared_callback(i)
        result = call_wsgi(app, env)
        if result.status != 200 or not user_of(result.body, sub):
            raise CountError('{0}: warm-up callback answered {1}: {2!r}'.format(
                name, result.status, result.body[:200]))
    libc = ctypes.CDLL(ctypes.util.find_library('c'))
    redirects = [environ_for(LOGIN_PATH) for _ in range(n)]
    callbacks = [prepared_callback(i) for i in range(n)]

    def redirect_batch():
        return [call_wsgi(app, env) for env in redirects]

    def callback_batch():
        return [call_wsgi(app, env) for env, _ in callbacks]

    # Whether a full collection of everything the warm-up left falls inside
    # a batch would be luck: collect it and set it aside (young collections,
    # which the steps' own garbage causes, still count).
    gc.collect()
    gc.freeze()
    firsts = _in_bsearch(redirect_batch, libc)
    gc.collect()
    gc.freeze()
    seconds = _in_bsearch(callback_batch, libc)
    check_patches()
    for result in firsts:
        if result.status != 302 or not result.header('Location'):
            raise CountError('{0}: counted redirect answered {1}'.format(name, result.status))
    for result, (_, sub) in zip(seconds, callbacks):
        if result.status != 200 or not user_of(result.body, sub):
            raise CountError('{0}: counted callback answered {1}: {2!r}'.format(
                name, result.status, result.body[:200]))
    return 0


def _total(path):
    """The instruction total of one callgrind profile."""
    with open(path) as profile:
        for line in profile:
            if line.startswith(('summary:', 'totals:')):
                return int(line.split()[1])
    raise CountError('no total in ' + path)


def valgrind_available():
    return shutil.which('valgrind') is not None


def count(name, provider_url, n=20, warmup=3, toggle=TOGGLE):
    """{'redirect': instructions per step, 'callback': ..., 'n': n} for one contender.

    :raises CountError: when valgrind is missing, the child failed, or the
        profiles are not one non-empty count per batch.
    """
    if not valgrind_available():
        raise CountError('valgrind is not installed (Debian: apt-get install valgrind)')
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    env['PYTHONHASHSEED'] = '0'      # same dict/set layouts in every run
    with tempfile.TemporaryDirectory(prefix='callgrind-') as tmp:
        out = os.path.join(tmp, 'callgrind.out')
        proc = subprocess.run(
            ['valgrind', '--tool=callgrind', '--collect-atstart=no',
             '--toggle-collect=' + toggle, '--dump-after=' + toggle,
             '--callgrind-out-file=' + out + '.%p', sys.executable, '-m',
             'benchmarks.instructions', '--child', name, provider_url, str(n), str(warmup)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise CountError('{0}: the counting child failed ({1}):\n{2}'.format(
                name, proc.returncode, proc.stderr[-3000:]))
        parts = sorted(glob.glob(out + '.*'), key=_part_number)
        totals = [_total(p) for p in parts]
    # One dump after every foreign call; only the batches' ones count anything.
    counted = [t for t in totals if t]
    if len(counted) != len(STEPS):
        raise CountError('{0}: expected {1} non-empty profiles (one per batch), got {2}: a '
                         'foreign call inside a batch split it, or the toggle on "{3}" did '
                         'not work'.format(name, len(STEPS), totals, toggle))
    result = dict((step, total / float(n)) for step, total in zip(STEPS, counted))
    result['n'] = n
    return result


def _part_number(path):
    """callgrind.out.PID.K -> K (the final dump has no K: last)."""
    tail = path.rsplit('.', 1)[1]
    suffix = os.path.basename(path).split('.')
    return int(tail) if len(suffix) == 4 and tail.isdigit() else 1 << 30


def measure(provider_url, contenders=DEFAULT, n=20, warmup=3):
    """{contender: {'redirect', 'callback', 'n', 'net_redirect', 'net_callback'}}."""
    out = dict((name, count(name, provider_url, n, warmup)) for name in contenders)
    base = out.get('harness')
    if base:
        for counted in out.values():
            for step in STEPS:
                counted['net_' + step] = counted[step] - base[step]
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == '--child':
        return child(argv[1], argv[2], int(argv[3]), int(argv[4]))
    parser = argparse.ArgumentParser(prog='python -m benchmarks.instructions')
    parser.add_argument('--n', type=int, default=20, help='steps per batch')
    parser.add_argument('--contenders', default=','.join(DEFAULT))
    args = parser.parse_args(argv)
    from benchmarks.client import provider_process
    with provider_process() as provider:
        print(json.dumps(measure(provider.url, args.contenders.split(','), args.n), indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
