"""Smoke run of the benchmark harness: ``python -m benchmarks --quick``.

Checks only that every section still runs and reports every contender with
non-zero numbers; the numbers themselves are not judged here (CI machines
are noisy, and the quick mode takes a handful of samples).
"""
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytest.importorskip('authlib')
pytest.importorskip('flask')


def test_quick_run_writes_the_table_with_every_contender(tmp_path):
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    proc = subprocess.run(
        [sys.executable, '-m', 'benchmarks', '--quick', '--out', str(tmp_path)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
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

    for heading in ('## Targets', '## Per-request cost', '## Set-Cookie bytes',
                    '## Complete logins per second', '## Memory', '## App Engine'):
        assert heading in table, heading
