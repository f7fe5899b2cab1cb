"""Login soak: many complete OAuth 2.0 logins against FlaskAuthomatic on a real
threaded server, counting 5xx and cross-talk and sampling the app's memory.

    python tests/reliability/soak.py --logins 10000 [--concurrency 8] [--json out.json]

The local OAuth 2.0 provider (Authlib) runs in this process; the Flask app
runs in a child process (Werkzeug's threaded server), so the resident set
size (RSS, from /proc or psutil) measured is the app's alone. Each login uses
its own cookie jar and one of ``--users`` distinct users, and its final answer
must name that user (anything else is cross-talk). RSS is sampled every
``--sample-every`` logins; "warm-up" ends after ``--warmup`` logins (default
10 %, at least 200). Exit status 0 only with zero 5xx, zero cross-talk, zero
failed logins, and RSS growth after warm-up within ``--max-growth-mb``.

CI runs a short version inside the suite (test_load.py, 300 logins).
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def rss_bytes(pid):
    """Resident set size of ``pid`` in bytes (psutil if installed, else /proc)."""
    try:
        import psutil
        return psutil.Process(pid).memory_info().rss
    except ImportError:
        with open(f'/proc/{pid}/status') as status:
            for line in status:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) * 1024
    raise RuntimeError(f'cannot read the RSS of {pid}')


# -- the app process -------------------------------------------------------------


def serve_app(provider_url, port_file):
    """Child process: FlaskAuthomatic on Werkzeug's threaded server."""
    import logging

    from authomatic_extras.testing import make_flask_login_app
    from werkzeug.serving import make_server

    from authomatic_extras.testing.providers import LocalOAuth2

    logging.getLogger('werkzeug').setLevel(logging.ERROR)
    config = {'local': {'class_': LocalOAuth2, 'id': 1, 'consumer_key': 'local-client',
                        'consumer_secret': 'local-secret',
                        'scope': ['openid', 'profile', 'email'],
                        'provider_url': provider_url}}
    app = make_flask_login_app(config, logging_level=logging.WARNING)
    logging.getLogger('authomatic_extras').setLevel(logging.WARNING)
    server = make_server('localhost', 0, app, threaded=True)
    server.socket.listen(256)
    with open(port_file + '.tmp', 'w') as handle:
        handle.write(str(server.server_port))
    os.rename(port_file + '.tmp', port_file)
    server.serve_forever()


class AppProcess:
    def __init__(self, provider_url, workdir):
        port_file = os.path.join(workdir, 'soak-app-port')
        if os.path.exists(port_file):
            os.remove(port_file)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), '--serve-app', provider_url,
             '--port-file', port_file], stdout=subprocess.DEVNULL)
        deadline = time.time() + 60
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError('the soak app did not start')
            time.sleep(0.05)
        with open(port_file) as handle:
            self.url = f'http://localhost:{handle.read().strip()}'

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# -- the driver --------------------------------------------------------------------


def run_soak(logins, concurrency=8, users=200, warmup=None, sample_every=None,
             workdir=None, progress=None):
    """Run the soak; return a summary dict (see the module docstring)."""
    import tempfile

    from authomatic_extras.testing import LocalOAuth2Server, login_with_requests

    warmup = warmup if warmup is not None else max(200, logins // 10)
    warmup = min(warmup, logins)
    sample_every = sample_every or max(10, logins // 100)
    workdir = workdir or tempfile.mkdtemp(prefix='authomatic-soak-')
    names = [f'soak{i:04d}' for i in range(users)]

    counts = {'ok': 0, 'server_errors': 0, 'cross_talk': 0, 'failed': 0}
    problems = []
    samples = []
    lock = threading.Lock()
    done = [0]

    with LocalOAuth2Server() as provider:
        for name in names:
            provider.add_user(name, name='Name ' + name, email=name + '@example.org')
        app = AppProcess(provider.url, workdir)
        try:
            samples.append((0, rss_bytes(app.pid)))
            started = time.monotonic()

            def one(index):
                name = names[index % users]
                try:
                    trip = login_with_requests(app.url + '/login/local', username=name,
                                               timeout=60)
                    statuses = [hop.status for hop in trip.hops]
                    status = trip.response.status_code
                    body = trip.response.json() if status < 500 else None
                except Exception as error:  # a broken connection counts as a failure
                    statuses, status, body = [], None, None
                    outcome = ('failed', repr(error))
                else:
                    if any(s >= 500 for s in statuses):
                        outcome = ('server_errors', statuses)
                    elif body and body.get('user') and \
                            body['user'].get('email') != name + '@example.org':
                        outcome = ('cross_talk', (name, body['user']))
                    elif status == 200 and body and body.get('user'):
                        outcome = ('ok', None)
                    else:
                        outcome = ('failed', (status, body))
                with lock:
                    counts[outcome[0]] += 1
                    if outcome[0] != 'ok' and len(problems) < 20:
                        problems.append(outcome)
                    done[0] += 1
                    n = done[0]
                    if n % sample_every == 0 or n == warmup or n == logins:
                        samples.append((n, rss_bytes(app.pid)))
                        if progress:
                            progress(n, counts, samples[-1][1])

            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                list(pool.map(one, range(logins)))
            elapsed = time.monotonic() - started
        finally:
            app.stop()

    at_warmup = [rss for n, rss in samples if n >= warmup][0]
    after = [(n, rss) for n, rss in samples if n >= warmup]
    end = after[-1][1]
    peak = max(rss for _, rss in after)
    slope = 0.0
    if len(after) >= 2:
        xs = [n for n, _ in after]
        ys = [rss for _, rss in after]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        den = sum((x - mx) ** 2 for x in xs)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0
    return {
        'logins': logins, 'concurrency': concurrency, 'users': users,
        'seconds': round(elapsed, 1), 'logins_per_second': round(logins / elapsed, 1),
        'ok': counts['ok'], 'server_errors': counts['server_errors'],
        'cross_talk': counts['cross_talk'], 'failed': counts['failed'],
        'problems': [repr(p)[:300] for p in problems],
        'warmup_logins': warmup,
        'rss_start_mb': round(samples[0][1] / 2 ** 20, 1),
        'rss_at_warmup_mb': round(at_warmup / 2 ** 20, 1),
        'rss_end_mb': round(end / 2 ** 20, 1),
        'rss_peak_after_warmup_mb': round(peak / 2 ** 20, 1),
        'rss_growth_after_warmup_mb': round((end - at_warmup) / 2 ** 20, 2),
        'rss_slope_bytes_per_login': round(slope, 1),
        'samples': [(n, round(rss / 2 ** 20, 2)) for n, rss in samples],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--logins', type=int, default=10000)
    parser.add_argument('--concurrency', type=int, default=8)
    parser.add_argument('--users', type=int, default=200)
    parser.add_argument('--warmup', type=int, default=None)
    parser.add_argument('--sample-every', type=int, default=None)
    parser.add_argument('--max-growth-mb', type=float, default=16.0,
                        help='allowed RSS growth from warm-up to the end (default 16)')
    parser.add_argument('--json', default=None, help='also write the summary here')
    parser.add_argument('--serve-app', default=None, help=argparse.SUPPRESS)
    parser.add_argument('--port-file', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_app:
        serve_app(args.serve_app, args.port_file)
        return 0

    def progress(n, counts, rss):
        sys.stderr.write('{0:6d} logins  ok={1} 5xx={2} cross-talk={3} failed={4}  '
                         'rss={5:.1f} MiB\n'.format(n, counts['ok'], counts['server_errors'],
                                                    counts['cross_talk'], counts['failed'],
                                                    rss / 2 ** 20))

    summary = run_soak(args.logins, args.concurrency, args.users, args.warmup,
                       args.sample_every, progress=progress)
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        with open(args.json, 'w') as handle:
            handle.write(text + '\n')
    held = (summary['server_errors'] == 0 and summary['cross_talk'] == 0
            and summary['failed'] == 0
            and summary['rss_growth_after_warmup_mb'] <= args.max_growth_mb)
    print('soak: {0}'.format('HELD' if held else 'FAILED'))
    return 0 if held else 1


if __name__ == '__main__':
    sys.exit(main())
