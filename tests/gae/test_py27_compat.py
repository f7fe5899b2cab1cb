# -*- coding: utf-8 -*-
"""Every file a gen-1 (python27) app imports stays Python 2.7 / 3.5 syntax."""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

GEN1_PATHS = [
    'gae',
    'authomatic_extras/__init__.py',
    'authomatic_extras/__about__.py',
    'authomatic_extras/interfaces.py',
    'authomatic_extras/providers/__init__.py',
    'authomatic_extras/providers/pkce.py',
    'authomatic_extras/testing/__init__.py',
    'authomatic_extras/testing/providers.py',
    'legacy_examples/gen1',
    'legacy_examples/gen1_upstream',
    'appengine_config.py',
]


def test_vermin_finds_nothing_newer_than_2_7_and_3_5():
    # vermin has no __main__; use its console script of this interpreter.
    script = os.path.join(os.path.dirname(sys.executable), 'vermin')
    vermin = script if os.path.exists(script) else shutil.which('vermin')
    assert vermin, 'vermin is not installed (pip install vermin)'
    command = [vermin, '-q', '--no-tips',
               '--violations', '--eval-annotations', '-t=2.7-', '-t=3.5-']
    proc = subprocess.run(command + GEN1_PATHS, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
