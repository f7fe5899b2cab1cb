"""The benchmark tools fail loudly instead of measuring nothing.

``benchmarks.profile`` times functions by name and ``benchmarks.whatif``
patches functions by name: when a name disappears from the code, or the
function is no longer on the path a login takes, they must raise rather than
print a table of zeros.
"""
import collections
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

pytest.importorskip('authlib')

from benchmarks import profile, whatif  # noqa: E402


def test_every_profiled_target_exists():
    for module_name, qualname, _ in profile.TARGETS:
        holder, attr, original = profile.resolve(module_name, qualname)
        assert callable(getattr(holder, attr)), qualname


def test_a_profiled_target_that_is_gone_fails_and_wraps_nothing():
    from authomatic_extras.flask import FlaskAuthomatic
    before = FlaskAuthomatic.__dict__['_provider_settings']
    timers = profile.Timers(targets=[
        ('authomatic_extras.flask', 'FlaskAuthomatic._provider_settings', profile.OURS),
        ('authomatic_extras.flask', 'FlaskAuthomatic._is_provider', profile.OURS)])
    with pytest.raises(profile.TargetError, match='_is_provider does not exist'):
        timers.install()
    assert FlaskAuthomatic.__dict__['_provider_settings'] is before


def test_a_profiled_target_nobody_called_fails():
    targets = [('m', 'A.used', profile.OURS), ('m', 'A.unused', profile.OURS),
               ('m', 'B.core_only', frozenset(('core',)))]
    calls = {'ours': collections.Counter({'A.used': 3})}
    with pytest.raises(profile.TargetError, match=r'm\.A\.unused \(by ours\)'):
        profile.check_called(calls, targets)
    profile.check_called({'ours': collections.Counter({'A.used': 1, 'A.unused': 1})},
                         targets)


def test_the_profile_of_real_logins_sees_every_target_called(local_oauth2_server):
    table = profile.attribute(local_oauth2_server.url, ['ours', 'core', 'upstream'], 2)
    assert '`LoginState.save` | 1.0 |' in table
    assert '`Session._get_data` | 0.0 | 0.0 | 1.0 |' in table


def test_every_whatif_patch_target_exists():
    for patches in whatif.variants().values():
        for patch in patches:
            patch.check_exists()


def test_a_whatif_patch_of_a_missing_name_fails():
    import authomatic_extras.login_state as ls
    patch = whatif.Patch(ls, 'URLSafeTimedSerializer', lambda *a: None)
    with pytest.raises(whatif.PatchError, match='URLSafeTimedSerializer does not exist'):
        patch.apply()


def test_a_whatif_variant_is_called_by_real_logins_or_fails(local_oauth2_server):
    from benchmarks.steps import one_login
    table = whatif.variants()
    with pytest.raises(whatif.PatchError, match='never called'):
        whatif.check_called(table)
    for name, patches in table.items():
        app = whatif.builder(patches)(local_oauth2_server.url)
        one_login(app, name, 'alice', 'id-alice')
    whatif.check_called(table)
    assert all(p.calls > 0 for patches in table.values() for p in patches)


def test_the_gen1_step_benchmark_stays_python_2_7_compatible():
    import shutil
    import subprocess
    script = os.path.join(os.path.dirname(sys.executable), 'vermin')
    vermin = script if os.path.exists(script) else shutil.which('vermin')
    assert vermin, 'vermin is not installed (pip install vermin)'
    proc = subprocess.run([vermin, '-q', '--no-tips', '--violations', '--eval-annotations',
                           '-t=2.7-', '-t=3.5-', 'benchmarks/gae_steps.py',
                           'benchmarks/gae_provider.py'],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_whatif_variant_patched_for_good_is_called_or_fails(local_oauth2_server):
    """The callgrind children patch once for the process (``per_request=False``)."""
    from benchmarks.steps import one_login
    patches = whatif.variants()['ours-unsigned-state']
    app = whatif.builder(patches, per_request=False)(local_oauth2_server.url)
    try:
        with pytest.raises(whatif.PatchError, match='never called'):
            whatif.check_called({'ours-unsigned-state': patches})
        one_login(app, 'ours-unsigned-state', 'bob', 'id-bob')
        whatif.check_called({'ours-unsigned-state': patches})
    finally:
        for patch in patches:
            patch.undo()
    from authomatic_extras import login_state
    assert login_state._signer is patches[0].saved
