"""The app in a real browser: serve it on 127.0.0.1, drive Debian's headless Chromium with Selenium.

Load the Twin page, change the holding cost, wait for the CI table and check
every shown number against :func:`inv_gym.evaluation.evaluate` of the exact
optimum with the same seed and settings; save a screenshot.
Skipped only when Chromium or its driver is absent (``.ci/run`` installs them).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
pytest.importorskip("selenium")

from experiments.app.browser import browser_missing, chrome, serve, wait_for, wait_idle  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser_missing() is not None, reason=f"no headless browser: {browser_missing()}"),
]


def table_rows(driver) -> dict[str, list[str]]:
    """The CI table as ``{metric: [mean, ci_low, ci_high]}`` (the text shown)."""
    from selenium.webdriver.common.by import By

    rows = {}
    for tr in driver.find_elements(By.CSS_SELECTOR, ".st-key-ci_table table tbody tr"):
        cells = [c.text.strip() for c in tr.find_elements(By.CSS_SELECTOR, "th, td")]
        if len(cells) == 4:
            rows[cells[0]] = cells[1:]
    return rows


def test_twin_page_in_chromium(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from agents.analytical import policy_from_solution
    from inv_gym.analytic.solve import solve
    from inv_gym.evaluation import evaluate
    from inv_gym.presets import preset_params

    params = preset_params("inv_gym/Qr-v0", holding_cost=2.0)
    ev = evaluate(policy_from_solution(solve(params), params), params, reps=100, horizon=1000, warmup=0, seed=0)

    start = time.monotonic()
    with serve() as url, chrome() as driver:
        driver.get(url + "/")
        wait_for(driver, ".st-key-ci_table table", timeout=60)
        before = table_rows(driver)["cost_per_period"]
        field = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="holding_cost"]')
        field.click()
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys("2", Keys.ENTER)
        deadline = time.monotonic() + 40
        while table_rows(driver).get("cost_per_period") in (None, before):
            assert time.monotonic() < deadline, "the CI table did not change after the holding cost changed"
            time.sleep(0.3)
        wait_idle(driver)
        shown = table_rows(driver)
        driver.save_screenshot(str(tmp_path / "twin.png"))
    assert (tmp_path / "twin.png").stat().st_size > 10_000
    assert len(shown) == len(ev.metrics)
    for name, ci in ev.metrics.items():
        assert shown[name] == [f"{ci.mean:.4f}", f"{ci.ci_low:.4f}", f"{ci.ci_high:.4f}"], name
    assert time.monotonic() - start < 60


def test_long_work_shows_progress_and_stops(tmp_path: Path) -> None:
    """The Bandits page draws a progress bar while it runs; the Stop button ends the run before its results."""
    from selenium.webdriver.common.by import By

    with serve() as url, chrome() as driver:
        driver.get(url + "/bandits")
        wait_for(driver, '[data-testid="stProgress"]', timeout=60)
        status = wait_for(driver, '[data-testid="stStatusWidget"]', timeout=30)
        progress = driver.find_element(By.CSS_SELECTOR, '[data-testid="stProgress"]').text
        assert "iteration" in progress or "parts done" in progress or "running" in progress, progress
        stop = status.find_element(By.CSS_SELECTOR, "button")
        assert stop.text == "Stop"
        stop.click()
        deadline = time.monotonic() + 20
        while driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'):
            assert time.monotonic() < deadline, "the run did not stop"
            time.sleep(0.2)
        assert not driver.find_elements(By.CSS_SELECTOR, ".st-key-bandit_summary")
        driver.save_screenshot(str(tmp_path / "stopped.png"))
