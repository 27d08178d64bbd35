"""Fixtures for the browser tests of the Voilà apps.

``voila_server`` (session): ``voila apps/`` as ``make apps`` serves it (apps/voila.json), one per pytest-xdist
worker, each on its own free port; ``.url`` and ``.log_text()``. ``browser_page``: a fresh Chromium page that
records ``console_errors`` and ``page_errors`` (lists of str) and saves a screenshot under
test-artifacts/apps/<test name>.png when the test ends.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Iterator

import pytest

if str(Path(__file__).resolve().parents[2]) not in sys.path:  # so `tests.apps.helpers` imports under bare pytest
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.apps.helpers import REPO_ROOT, VoilaServer, launch_chromium  # noqa: E402

ARTIFACTS = REPO_ROOT / "test-artifacts" / "apps"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def voila_server() -> Iterator[VoilaServer]:
    with VoilaServer(pool_size=1) as server:
        yield server


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, request) -> Iterator[object]:
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.console_errors = []
    page.page_errors = []
    page.on("console", lambda message: page.console_errors.append(f"console: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: page.page_errors.append(f"page error: {error}"))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
