"""Serve the app on 127.0.0.1 and drive it with a headless Chromium (Selenium).

Used by the real-browser test (``tests/experiments/test_app_browser.py``) and
by :mod:`experiments.app.screenshots`. The browser is Debian's ``chromium``
with its matching ``chromium-driver`` (``/usr/bin/chromium``,
``/usr/bin/chromedriver``), started headless with a fresh profile directory
and without background network traffic.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

__all__ = [
    "CHROMIUM",
    "CHROMEDRIVER",
    "CHROME_FLAGS",
    "browser_missing",
    "free_port",
    "serve",
    "chrome",
    "wait_for",
    "wait_idle",
]

#: Debian's browser and its driver
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

#: headless, no sandbox (containers), no GPU, and no network traffic of the browser's own
CHROME_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def browser_missing() -> str | None:
    """Why the browser cannot run here (None when it can)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"{path} is missing: apt-get install -y chromium chromium-driver"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return 'selenium is missing: pip install -e ".[app]"'
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(port: int | None = None, timeout: float = 60.0) -> Iterator[str]:
    """Serve the app on 127.0.0.1 (a free port by default); yield its base URL; stop it at the end.

    Raises:
        RuntimeError: when the server does not answer its health check within ``timeout`` seconds.
    """
    from experiments.commands.app import command

    port = free_port() if port is None else port
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(command(port, "127.0.0.1", True), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"the app did not start on {url}: {log.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@contextlib.contextmanager
def chrome(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A headless Chromium driven by Selenium, with a fresh profile directory (removed at the end)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="inv-gym-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: Any, css: str, timeout: float = 30.0) -> Any:
    """The first element matching ``css`` once it is visible."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def wait_idle(driver: Any, timeout: float = 60.0) -> None:
    """Wait until the app's script has finished its run (the status widget says nothing is running)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def idle(d: Any) -> bool:
        return not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')

    time.sleep(0.5)
    WebDriverWait(driver, timeout).until(idle)
