"""Browser tests: headless Chromium from Debian's ``chromium`` package,
driven by Playwright for Python (``executable_path``, never its own browser
download).

Skip rule: without Chromium or Playwright these tests skip with the reason,
unless ``AUTHOMATIC_EXTRAS_REQUIRE_SERVICES=1`` (CI), where they fail.

Every test gets a fresh browser with a fresh user-data directory, and a
:class:`Screenshots` folder: ``test-artifacts/browser/<test name>/NN-step.png``
under the repository, or under ``$AUTHOMATIC_EXTRAS_SCREENSHOT_DIR``. A
failing test leaves a last ``NN-failure.png`` there too.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

REQUIRE_ENV = 'AUTHOMATIC_EXTRAS_REQUIRE_SERVICES'
SCREENSHOT_ENV = 'AUTHOMATIC_EXTRAS_SCREENSHOT_DIR'
CHROMIUM_ENV = 'AUTHOMATIC_EXTRAS_CHROMIUM'
DEFAULT_SCREENSHOTS = os.path.join(REPO, 'test-artifacts', 'browser')

# ``legacy_examples`` is not installed (it is the repository's example code):
# make it importable when pytest runs as the ``pytest`` script, too.
if REPO not in sys.path:
    sys.path.append(REPO)

#: The flags Chromium runs with here: headless, as root, and quiet on a
#: closed network (no background connections, no component updates).
CHROMIUM_FLAGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
]

#: Seconds an explicit wait may take before the test fails.
TIMEOUT_S = 15


def unavailable(reason):
    """Skip for a missing browser/driver, or fail when CI requires them."""
    if os.environ.get(REQUIRE_ENV) == '1':
        pytest.fail('{0} ({1}=1: browser tests must run here)'.format(reason, REQUIRE_ENV),
                    pytrace=False)
    pytest.skip(reason)


def find_chromium():
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for candidate in ('/usr/bin/chromium', shutil.which('chromium')):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope='session')
def chromium_path():
    path = find_chromium()
    if path is None:
        unavailable('Chromium is not installed (Debian: apt-get install chromium '
                    'chromium-driver; or set {0})'.format(CHROMIUM_ENV))
    return path


@pytest.fixture(scope='module')
def playwright_driver(chromium_path):
    """Playwright's driver, per test module (its event loop does not outlive
    the browser tests)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable('Playwright for Python is not installed (pip install playwright; '
                    'no "playwright install" needed: Debian\'s Chromium is used)')
    manager = sync_playwright()
    driver = manager.start()
    try:
        yield driver
    finally:
        manager.__exit__(None, None, None)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, 'rep_' + report.when, report)


@pytest.fixture
def screenshots(request):
    """Where this test's screenshots go (emptied first)."""
    root = os.environ.get(SCREENSHOT_ENV) or DEFAULT_SCREENSHOTS
    folder = os.path.join(root, re.sub(r'[^A-Za-z0-9_.-]+', '_', request.node.name))
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return Screenshots(folder)


class Screenshots(object):
    """Numbered full-page screenshots: ``01-start.png``, ``02-consent.png``..."""

    def __init__(self, folder):
        self.folder = folder
        self.taken = []

    def take(self, page, step):
        name = '{0:02d}-{1}.png'.format(len(self.taken) + 1,
                                        re.sub(r'[^A-Za-z0-9_-]+', '-', step))
        path = os.path.join(self.folder, name)
        page.screenshot(path=path, full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def page(request, playwright_driver, chromium_path, screenshots):
    """A page of a fresh headless Chromium (its own new user-data directory)."""
    profile = tempfile.mkdtemp(prefix='authomatic-extras-chromium-')
    context = playwright_driver.chromium.launch_persistent_context(
        profile, executable_path=chromium_path, headless=True, args=CHROMIUM_FLAGS,
        viewport={'width': 1000, 'height': 760}, timeout=TIMEOUT_S * 2000)
    try:
        context.set_default_timeout(TIMEOUT_S * 1000)
        context.set_default_navigation_timeout(TIMEOUT_S * 1000)
        page = context.pages[0] if context.pages else context.new_page()
        yield page
        failed = getattr(request.node, 'rep_call', None)
        if failed is not None and failed.failed:
            try:
                screenshots.take(page, 'failure')
            except Exception:  # the page may be gone; the report has the cause
                pass
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


class Subprocess(object):
    """A server run with ``python -m ...``: waits for the line that gives its
    URL, collects the rest of its output, stops with SIGINT then SIGTERM."""

    def __init__(self, args, ready, cwd=REPO, timeout=60):
        self.args = args
        self.lines = []
        self.proc = subprocess.Popen(
            [sys.executable, '-u'] + list(args), cwd=cwd, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, env=dict(os.environ, PYTHONUNBUFFERED='1'))
        self._ready = threading.Event()
        self._pattern = re.compile(ready)
        self.match = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout) or self.match is None:
            self.stop()
            raise AssertionError('{0} did not start:\n{1}'.format(
                ' '.join(args), self.output))

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            if self.match is None:
                self.match = self._pattern.search(line)
                if self.match is not None:
                    self._ready.set()
        self._ready.set()  # ended before it was ready

    @property
    def output(self):
        return ''.join(self.lines)

    def stop(self):
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGINT, 10), (signal.SIGTERM, 10)):
                self.proc.send_signal(sig)
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
            else:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        self.proc.stdout.close()
        return self.proc.returncode


@pytest.fixture(scope='session')
def subprocess_server():
    """The :class:`Subprocess` class, for the test modules (no ``import tests``)."""
    return Subprocess
