"""The README's commands are the ones the project really runs."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands():
    text = (ROOT / 'README.md').read_text(encoding='utf-8')
    setup = text.split('## Set up', 1)[1].split('\n## ', 1)[0]
    return re.findall(r'```\n(.+?)\n```', setup)


def test_readme_has_the_two_set_up_commands():
    demo, tests = _readme_commands()[:2]
    assert 'legacy_examples.flask_demo' in demo
    assert 'pytest' in tests


def test_ci_runs_exactly_the_readme_test_command():
    test_command = _readme_commands()[1]
    ci_lines = (ROOT / '.ci' / 'run').read_text(encoding='utf-8').splitlines()
    assert test_command + ' || exit $?' in ci_lines


def test_the_flask_quick_start_logs_in(local_oauth2_server):
    from authomatic_extras.testing import login_with_test_client

    text = (ROOT / 'README.md').read_text(encoding='utf-8')
    quick_start = text.split('## Flask quick start', 1)[1]
    code = re.findall(r'```python\n(.+?)```', quick_start, re.S)[0]
    namespace = {'__name__': 'readme_quick_start'}
    exec(compile(code, 'README.md', 'exec'), namespace)
    # The README configures GitHub; point the same extension at the local provider.
    namespace['authomatic'].config = {'local': local_oauth2_server.config_entry(id=1)}
    client = namespace['app'].test_client()
    assert client.get('/login/nope/').status_code == 404
    trip = login_with_test_client(client, '/login/local/', username='bob')
    assert trip.response.data == b'Hello Bob Marley (bob@example.org)'
