"""The one command: ``python -m benchmarks [--quick]``.

Measures every section in one run on this machine against one
``LocalOAuth2Server`` (own process), then writes ``RESULTS.md``, the chart
``ratios.png`` and the raw numbers ``results.json`` into ``--out``
(default: ``benchmarks/``).
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

FULL = {'logins': 300, 'redirects': 3000, 'seconds': 10.0, 'rss_logins': 10000,
        'warmup': 0.5, 'two_orders': True, 'instr_n': 20}
QUICK = {'logins': 10, 'redirects': 60, 'seconds': 0.6, 'rss_logins': 150,
         'warmup': 0.2, 'two_orders': False, 'instr_n': 5}
SECTIONS = ('instructions', 'guarantees', 'steps', 'throughput', 'rss', 'gae')
#: Contenders whose instructions are counted (quick: only what CI checks).
INSTRUCTION_CONTENDERS = {'full': ('harness', 'ours', 'upstream', 'core', 'authlib',
                                   'core-wsgi', 'floor'),
                          'quick': ('ours', 'upstream')}


def _versions():
    from importlib.metadata import PackageNotFoundError, version
    names = ['authomatic', 'authomatic-extras', 'Flask', 'Werkzeug', 'Authlib',
             'itsdangerous', 'requests', 'appengine-python-standard', 'webapp2']
    found = []
    for name in names:
        try:
            found.append('{0} {1}'.format(name, version(name)))
        except PackageNotFoundError:
            found.append('{0} (missing)'.format(name))
    return ', '.join(found)


def _machine():
    model = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as info:
            for line in info:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ''
    try:
        with open('/proc/meminfo') as info:
            kb = int(info.readline().split()[1])
            mem = ', {0:.1f} GiB RAM'.format(kb / 1048576.0)
    except (OSError, ValueError, IndexError):
        pass
    return '{0}, {1} CPUs{2}, {3} {4}'.format(model, os.cpu_count(), mem, platform.system(),
                                              platform.release())


def _commit():
    try:
        rev = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=HERE, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '--', '../authomatic_extras',
                                '../gae'], cwd=HERE, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL).stdout.strip()
        return rev + (' (authomatic_extras/ or gae/ modified)' if dirty else '')
    except OSError:
        return 'unknown'


def _load():
    try:
        return ' '.join('{0:.2f}'.format(v) for v in os.getloadavg())
    except OSError:
        return 'n/a'


def _busy(load):
    """Whether a 1-minute load average (as _load() gives it) means other work ran."""
    try:
        return float(load.split()[0]) > 0.5 * (os.cpu_count() or 1)
    except (ValueError, IndexError):
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m benchmarks',
                                     description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='far fewer repetitions (a smoke run, ~15 s); numbers are rough')
    parser.add_argument('--out', default=HERE, help='where RESULTS.md, ratios.png and '
                        'results.json go (default: benchmarks/)')
    parser.add_argument('--only', default=','.join(SECTIONS),
                        help='comma-separated sections: ' + ', '.join(SECTIONS))
    parser.add_argument('--no-chart', action='store_true', help='skip the PNG')
    for key in ('logins', 'redirects', 'rss_logins', 'instr_n'):
        parser.add_argument('--' + key.replace('_', '-'), type=int,
                            help='override ({0} full / {1} quick)'.format(FULL[key], QUICK[key]))
    parser.add_argument('--seconds', type=float, help='per contender and concurrency '
                        '({0} full / {1} quick)'.format(FULL['seconds'], QUICK['seconds']))
    args = parser.parse_args(argv)

    settings = dict(QUICK if args.quick else FULL)
    for key in ('logins', 'redirects', 'rss_logins', 'seconds', 'instr_n'):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    sections = [s for s in args.only.split(',') if s]
    os.makedirs(args.out, exist_ok=True)

    from benchmarks import (gae_rpcs, gae_runtimes, instructions, memory, report, steps,
                            throughput)
    from benchmarks.apps import CONTENDERS, MAIN
    from benchmarks.client import provider_process

    started = time.time()
    load_before = _load()
    command = 'python -m benchmarks' + (' --quick' if args.quick else '')
    results = {'meta': {
        'command': command,
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'machine': _machine(), 'python': sys.version.split()[0] + ' (' +
        platform.python_implementation() + ')',
        'versions': _versions(), 'commit': _commit(),
        'mode': ('quick' if args.quick else 'full') + ': ' + ', '.join(
            '{0}={1}'.format(k, v) for k, v in sorted(settings.items()))},
        'make_chart': not args.no_chart, 'notes': []}

    def say(text):
        sys.stderr.write('[benchmarks {0:6.1f}s] {1}\n'.format(time.time() - started, text))
        sys.stderr.flush()

    with provider_process() as provider:
        say('provider at ' + provider.url)
        if 'instructions' in sections:
            names = INSTRUCTION_CONTENDERS['quick' if args.quick else 'full']
            say('instructions per step (callgrind): {0} x {1} steps'.format(
                ', '.join(names), settings['instr_n']))
            results['instructions'] = instructions.measure(
                provider.url, names, settings['instr_n'], warmup=2 if args.quick else 3)
        if 'guarantees' in sections and not args.quick:
            say('what each guarantee costs (callgrind, ours with one feature removed)')
            from benchmarks import whatif
            results['guarantees'] = {
                'counted': instructions.measure(
                    provider.url, ['whatif:' + v for v in whatif.variants()],
                    settings['instr_n'], warmup=3),
                'gives_up': dict(whatif.GIVES_UP)}
        if 'steps' in sections:
            say('per-step cost: {0} logins x {1} contenders, {2} extra redirects'.format(
                settings['logins'], len(CONTENDERS), settings['redirects']))
            results['steps'] = steps.measure(provider.url, list(CONTENDERS),
                                             settings['logins'], settings['redirects'],
                                             warmup=3 if args.quick else 10)
        if 'throughput' in sections:
            say('logins/s: {0} contenders x (1, 8) clients x {1}s'.format(
                len(MAIN), settings['seconds']))
            if settings['two_orders']:
                data = throughput.measure(provider.url, list(MAIN), (1, 8),
                                          settings['seconds'], settings['warmup'])
            else:
                data = throughput.measure_once(provider.url, list(MAIN), (1, 8),
                                               settings['seconds'], settings['warmup'])
            results['throughput'] = dict(
                (name, dict((str(c), v) for c, v in per.items())) for name, per in data.items())
        if 'rss' in sections:
            say('RSS: {0} logins (ours)'.format(settings['rss_logins']))
            results['rss'] = memory.measure('ours', provider.url, settings['rss_logins'])
        if 'gae' in sections:
            say('App Engine RPCs')
            results['gae'] = gae_rpcs.run(provider.url)
            say('App Engine login steps on Python 3' + ('' if args.quick else ' and 2.7'))
            results['gae_steps'] = gae_runtimes.measure(
                provider.url, logins=2 if args.quick else 7, py27=not args.quick)

    results['meta']['load'] = 'load average (1, 5, 15 min) before: {0}; after: {1}'.format(
        load_before, _load())
    results['meta']['duration'] = '{0:.0f} s'.format(time.time() - started)
    busy = _busy(load_before)
    if busy:
        results['notes'].append(
            'The machine was busy while this ran (load average before: {0} on {1} CPUs), so '
            'the times and logins/s are noisy; rerun `{2}` on an otherwise idle machine to '
            'regenerate them. The instruction counts do not depend on the load.'.format(
                load_before, os.cpu_count(), command))
    if args.quick:
        results['notes'].append('Quick mode: a handful of repetitions; ratios are rough and '
                                'the targets are not judged reliably. Run without --quick.')
    results['notes'] += [
        'The baseline of the step targets is `upstream`, the extension this one replaces. '
        '`core` is the core call in a Flask view of the same kind of app, with the core\'s '
        'own cookie session; `core-wsgi` the same call without Flask, for reference.',
        'Contenders are interleaved in random order per repetition (steps) and run in '
        'forward then reverse order (logins/s), so drift of the shared machine hits them alike.',
        'The callback wall time includes two real HTTP requests to the provider for every '
        'contender; CPU time excludes the provider (other process).',
    ]
    path = report.write(results, args.out)
    results.pop('make_chart', None)
    with open(os.path.join(args.out, 'results.json'), 'w') as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
    say('wrote ' + path)
    for target, measured, met in report.targets(results):
        say('{0:7s} {1}: {2}'.format('holds' if met else 'NO', target, measured))
    failures = report.instruction_check(results)
    for failure in failures:
        say('FAIL ' + failure)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
