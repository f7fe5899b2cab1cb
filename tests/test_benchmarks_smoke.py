"""Smoke run of the benchmark harness: ``python -m benchmarks --quick``.

Checks that every section still runs and reports every contender with
non-zero numbers, and that the run passes its own gate: our instructions per
step against upstream's (callgrind counts do not move with the machine's
load, so a step that got dearer fails here). The times themselves are not
judged (CI machines are noisy, and the quick mode takes a handful of samples).
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

pytest.importorskip('authlib')
pytest.importorskip('flask')

from benchmarks import instructions, report  # noqa: E402

HAVE_VALGRIND = shutil.which('valgrind') is not None
NEED_VALGRIND = os.environ.get('AUTHOMATIC_EXTRAS_REQUIRE_SERVICES') == '1'


def _env():
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    return env


def test_quick_run_writes_the_table_with_every_contender(tmp_path):
    if not HAVE_VALGRIND and NEED_VALGRIND:
        pytest.fail('valgrind is missing (apt-get install valgrind): the instruction '
                    'gate cannot run')
    only = [] if HAVE_VALGRIND else ['--only', 'steps,throughput,rss,gae']
    proc = subprocess.run(
        [sys.executable, '-m', 'benchmarks', '--quick', '--out', str(tmp_path)] + only,
        cwd=REPO, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]

    results = json.loads((tmp_path / 'results.json').read_text())
    table = (tmp_path / 'RESULTS.md').read_text()
    contenders = ('ours', 'upstream', 'authlib', 'core', 'core-wsgi', 'floor')

    steps = results['steps']
    assert set(steps) == set(contenders)
    for name in contenders:
        for key in ('redirect_wall', 'redirect_cpu', 'callback_wall', 'callback_cpu'):
            assert steps[name][key]['median'] > 0, (name, key)
        assert steps[name]['set_cookie_bytes']['redirect'] > 0, name
        assert '| {0} | '.format(name) in table

    throughput = results['throughput']
    assert set(throughput) == set(contenders) - {'core-wsgi'}
    for name, per in throughput.items():
        for clients in ('1', '8'):
            assert per[clients]['logins_per_s'] > 0, (name, clients)
            assert per[clients]['ok'] > 0, (name, clients)
    # Our extension must never hand a login to the wrong user.
    assert throughput['ours']['8']['wrong'] == 0, throughput['ours']['8']['samples']

    assert results['rss']['peak_rss_kb'] > 0
    gae = results['gae']
    assert gae['config']['upstream']['warm']['login']['datastore'] > 0
    assert gae['config']['ours']['warm']['login']['datastore'] == 0
    assert set(gae['sessions']) == {'securecookie', 'memcache', 'datastore'}
    # NDBConfig + Webapp2Session per login step on Python 3 (2.7: full run only).
    regimes = results['gae_steps']['py3']['regimes']
    assert regimes['cold']['redirect']['datastore'] == 1      # the config query
    assert regimes['warm']['redirect']['datastore'] == 0
    assert regimes['warm']['callback']['datastore'] == 0
    assert regimes['evicted']['redirect']['datastore'] == 1   # refilled after the flush
    for regime in regimes.values():
        assert regime['redirect']['memcache'] > 0 and regime['callback']['ms'] > 0

    headings = ['## Summary', '## Per-request cost', '## Set-Cookie bytes',
                '## Complete logins per second', '## Memory', '## App Engine',
                '## App Engine gen-1: RPCs and time per login step']
    if HAVE_VALGRIND:
        counted = results['instructions']
        assert set(counted) == {'ours', 'upstream'}
        for name in counted:
            for step in report.STEPS:
                # A real step of a Flask login runs hundreds of thousands.
                assert counted[name][step] > 100000, (name, step, counted[name][step])
        assert report.instruction_check(results) == []
        headings.append('## Instructions per step')
    for heading in headings:
        assert heading in table, heading


def test_the_instruction_gate_fails_a_step_that_got_dearer():
    results = {'instructions': {
        'upstream': {'redirect': 1000000.0, 'callback': 2000000.0, 'n': 5},
        'ours': {'redirect': 1000000.0 * (report.INSTRUCTION_CEILING['redirect'] + 0.01),
                 'callback': 2000000.0, 'n': 5}}}
    failures = report.instruction_check(results)
    assert len(failures) == 1 and 'redirect' in failures[0], failures
    results['instructions']['ours']['redirect'] = 1000000.0
    assert report.instruction_check(results) == []


@pytest.mark.skipif(not HAVE_VALGRIND and not NEED_VALGRIND, reason='valgrind is missing')
def test_a_count_that_measures_nothing_fails_loudly():
    """The counted region is found by a function name: when the name matches
    nothing, the count must fail, not report 0 instructions per step."""
    from benchmarks.client import provider_process
    with provider_process() as provider:
        counted = instructions.count('harness', provider.url, n=2, warmup=1)
        assert counted['redirect'] > 0 and counted['callback'] > 0
        with pytest.raises(instructions.CountError, match='non-empty profiles'):
            instructions.count('harness', provider.url, n=2, warmup=1,
                               toggle='no_function_has_this_name')
