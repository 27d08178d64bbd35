"""The ECA workbench app (apps/workbench.ipynb) in a real browser: load, edit and autosave, download and
upload back, a bad upload, and the HTML report opened in a page of its own.

The harness's server keeps the workbench's assessments in a workshop store of its own (the SQLite file
``VoilaServer.workshop_db``, passed to the kernels as ``EXSITU_WORKSHOP_DB``), so the tests read what was
autosaved from the store, by the id the page shows.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from exsitu.assessment import Assessment
from tests.apps.helpers import VoilaServer, open_app, page_problems, server_problems, upload

APP = "workbench.ipynb"
#: Failed loads of resources from the internet (the test machine is offline); not the app's errors.
OFFLINE_NOISE = re.compile(r"net::ERR_(NAME_NOT_RESOLVED|INTERNET_DISCONNECTED|CONNECTION_REFUSED)")


def _page_errors(page) -> list[str]:
    return [text for text in page_problems(page) if not OFFLINE_NOISE.search(text)]


@pytest.fixture
def workbench_server(voila_server) -> tuple[VoilaServer, object]:
    """The shared server and the workshop store its workbench kernels autosave to (``EXSITU_WORKSHOP_DB``)."""
    from exsitu.workshop import open_store

    return voila_server, open_store(f"sqlite:///{Path(voila_server.workshop_db)}")


def _wait(predicate, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _assessment_id(page) -> str:
    return page.locator("code.wb-id").inner_text().strip()


def _stored(storage, assessment_id: str) -> Assessment | None:
    """The assessment saved under ``assessment_id`` (None while there is none)."""
    if not assessment_id or assessment_id == "new":
        return None
    try:
        return storage.load_solo(assessment_id)[0]
    except Exception:  # noqa: BLE001 - not saved yet
        return None


def _open(page, server) -> float:
    started = time.perf_counter()
    open_app(page, server, APP)
    page.get_by_text("Ex situ Conservation Assessment workbench").wait_for()
    page.locator("code.wb-id").wait_for()
    return time.perf_counter() - started


def _open_start_panel(page) -> None:
    if not page.get_by_role("button", name="Open case").is_visible():
        page.get_by_text("Start, resume or upload").click()
    page.get_by_role("button", name="Open case").wait_for(state="visible")


def _open_case(page, storage, label: str, opened: str) -> str:
    """Open the bundled case shown as ``label`` from the start panel; its id once it is saved."""
    _open_start_panel(page)
    page.locator(".widget-dropdown", has_text="Bundled case").locator("select").select_option(label=label)
    page.get_by_role("button", name="Open case").click()
    page.get_by_text(f"Opened the bundled case {opened}").wait_for()
    return _wait(lambda: _stored(storage, _assessment_id(page)) is not None and _assessment_id(page),
                 what="the case's autosave")


def test_workbench_loads_without_errors(workbench_server, browser_page):
    server, storage = workbench_server
    seconds = _open(browser_page, server)
    print(f"workbench: navigation to first widget and id shown {seconds:.2f} s")
    assert browser_page.get_by_text("Not saved yet").is_visible()
    assert browser_page.get_by_text("5 of 5 steps done").is_visible()
    assert "Traceback" not in browser_page.content()
    assert _page_errors(browser_page) == []
    assert server_problems(server.log_text()) == []
    assert _assessment_id(browser_page) == "new"  # nothing written before the first change


def test_edit_autosave_download_upload_and_report(workbench_server, browser_page, tmp_path):
    server, storage = workbench_server
    page = browser_page
    _open(page, server)

    # choose a bundled case: it is saved at once
    case_id = _open_case(page, storage, "Canadian snakes", "Canadian snakes")
    page.locator(".wb-saved").wait_for()
    assert re.search(r"Saved \d\d:\d\d:\d\d", page.locator(".wb-saved").inner_text())
    assert _stored(storage, case_id).taxon.startswith("Canadian snakes")
    _wait(lambda: f"solo={case_id}" in page.evaluate("window.location.href"), what="the page address to carry the work")

    # change something: the store follows, the label says saved
    started = time.perf_counter()
    page.locator(".widget-text", has_text="Title").locator("input").fill("Browser workshop, group 3")
    _wait(lambda: _stored(storage, case_id).title == "Browser workshop, group 3", what="the edited title saved")
    print(f"workbench: edit to autosaved store {time.perf_counter() - started:.3f} s")
    assert page.locator(".wb-saved").is_visible()

    # download the JSON, as a person would
    with page.expect_download() as download_info:
        page.locator("a.wb-download").click()
    downloaded = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(downloaded)
    assert downloaded.name.endswith(".json")
    on_disk = _stored(storage, case_id)
    assert Assessment.load(downloaded).to_dict() == on_disk.to_dict()

    # a bad upload: a message naming what is wrong, and the work stays
    garbage = tmp_path / "studbook.json"
    garbage.write_text('{"name": "not an assessment"}', encoding="utf-8")
    upload(page, garbage)
    page.get_by_text("your current work is unchanged").wait_for()
    assert page.get_by_text("schema_version").first.is_visible()
    assert _assessment_id(page) == case_id

    # upload the downloaded file: a new file on the server, identical to the download
    upload(page, downloaded)
    page.get_by_text(f"Loaded {downloaded.name}").wait_for()
    new_id = _wait(lambda: _assessment_id(page) not in (case_id, "new") and _assessment_id(page),
                   what="a new assessment id")
    reloaded = _wait(lambda: _stored(storage, new_id), what="the uploaded assessment's autosave")
    assert reloaded.to_dict() == on_disk.to_dict()
    assert _stored(storage, case_id).to_dict() == on_disk.to_dict()  # the earlier assessment is untouched

    # export the HTML report and open it in a page of its own
    page.get_by_role("button", name="HTML report").click()
    with page.expect_download() as report_info:
        page.locator("a.wb-report-html").click()
    report = tmp_path / report_info.value.suggested_filename
    report_info.value.save_as(report)
    report_page = page.context.new_page()
    report_page.goto(report.as_uri())
    assert report_page.locator("h2", has_text="Summary").is_visible()
    assert report_page.get_by_text("Recommendation:").first.is_visible()
    assert report_page.get_by_text("Browser workshop, group 3").first.is_visible()
    report_page.close()

    assert "Traceback" not in page.content()
    assert _page_errors(page) == []
    assert server_problems(server.log_text()) == []


def test_a_step_can_be_edited_and_saved(workbench_server, browser_page):
    server, storage = workbench_server
    page = browser_page
    _open(page, server)
    page.get_by_role("tab", name=re.compile("4 Feasibility")).click()
    page.get_by_text("Risk heat maps").wait_for()
    page.get_by_role("button", name="Save Step 4 to the assessment").click()
    page.get_by_text("Step 4 saved to the assessment.").wait_for()
    saved = _wait(lambda: _stored(storage, _assessment_id(page)), what="the step's autosave")
    assert saved.steps_done()[4]
    assert _page_errors(page) == []
    assert server_problems(server.log_text()) == []


def _without_dates(data: dict) -> dict:
    return {key: value for key, value in data.items() if key not in ("created", "updated")}


def test_visiting_and_saving_step2_of_a_case_keeps_its_roles(workbench_server, browser_page, tmp_path):
    """Issue 7: opening Step 2 of a bundled case shows the saved roles; saving it unedited changes nothing."""
    from exsitu.examples import example_assessment

    server, storage = workbench_server
    page = browser_page
    _open(page, server)
    case_id = _open_case(page, storage, "Lord howe island stick insect", "Dryococelus australis")
    expected = _without_dates(json.loads(example_assessment("lord-howe-island-stick-insect").to_json()))

    for tab in ("2 Roles", "3 Population", "4 Feasibility", "5 Decision", "1 Status review", "2 Roles"):
        page.get_by_role("tab", name=re.compile(tab)).click()
    page.get_by_text("These are the saved roles").wait_for()
    rationale = example_assessment("lord-howe-island-stick-insect").roles.get("insurance").rationale
    assert page.get_by_text(f"Rationale: {rationale}").first.is_visible()
    assert not page.get_by_text("Unsaved changes").is_visible()  # a visit is not an edit

    page.get_by_role("button", name="Save Step 2 to the assessment").click()
    page.get_by_text("Step 2 saved to the assessment.").wait_for()
    with page.expect_download() as download_info:
        page.locator("a.wb-download").click()
    downloaded = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(downloaded)
    assert _without_dates(json.loads(downloaded.read_text(encoding="utf-8"))) == expected
    _wait(lambda: _without_dates(json.loads(_stored(storage, case_id).to_json())) == expected,
          what="the saved assessment equal to the case")
    assert _page_errors(page) == []
    assert server_problems(server.log_text()) == []
