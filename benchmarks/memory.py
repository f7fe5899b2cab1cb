"""Resident memory of one contender's app after many logins.

Run as a child process (``python -m benchmarks.memory <contender>
<provider_url> <logins>``) so that nothing else lives in it; prints JSON.
The logins go through the app in-process (WSGI calls) and through the real
provider (another process). RSS is read from ``/proc/self/status``.
"""
import gc
import json
import sys


def _status():
    values = {}
    with open('/proc/self/status') as status:
        for line in status:
            key, _, rest = line.partition(':')
            if key in ('VmRSS', 'VmHWM'):
                values[key] = int(rest.split()[0])   # kB
    return values


def main(argv):
    from benchmarks.apps import make_app
    from benchmarks.steps import USERS, one_login

    name, provider_url, logins = argv[0], argv[1], int(argv[2])
    app = make_app(name, provider_url)
    warmup = max(50, min(1000, logins // 10))
    start = _status()
    for i in range(logins):
        if i == warmup:
            gc.collect()
            after_warmup = _status()
        username, sub = USERS[i % 2]
        one_login(app, name, username, sub)
    end = _status()
    gc.collect()
    end_gc = _status()
    json.dump({
        'contender': name, 'logins': logins, 'warmup_logins': warmup,
        'rss_start_kb': start['VmRSS'], 'rss_after_warmup_kb': after_warmup['VmRSS'],
        'rss_end_kb': end['VmRSS'], 'rss_end_after_gc_kb': end_gc['VmRSS'],
        'peak_rss_kb': end_gc['VmHWM'],
        'growth_after_warmup_kb': end_gc['VmRSS'] - after_warmup['VmRSS'],
    }, sys.stdout)
    return 0


def measure(name, provider_url, logins):
    import os
    import subprocess

    from benchmarks.client import REPO
    env = dict(os.environ)
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    out = subprocess.run([sys.executable, '-m', 'benchmarks.memory', name, provider_url,
                          str(logins)], cwd=REPO, env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
