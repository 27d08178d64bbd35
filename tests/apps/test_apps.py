"""The calculator apps in a real browser (Chromium through Playwright), served by Voilà as ``make apps`` does.

Each app: opens with no error in the page or the server log, a control change updates its output, a good and a
bad upload (the bad one gives a message naming the problem and the fix, and the app keeps working), and the
studbook analyser's CSV downloads.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest

from exsitu.widgets.apps import MAX_UPLOAD_BYTES
from tests.apps.helpers import REPO_ROOT, open_app, page_problems, server_problems, upload

OCCURRENCES = REPO_ROOT / "data" / "occurrences"
STUDBOOK = REPO_ROOT / "data" / "studbooks" / "synthetic_frog_studbook.csv"
#: Console errors that are not the app's: fonts Voilà's template asks of a CDN, unreachable offline.
OFFLINE_NOISE = re.compile(r"net::ERR_(NAME_NOT_RESOLVED|INTERNET_DISCONNECTED|CONNECTION_REFUSED)")


def assert_clean(page, voila_server) -> None:
    problems = [text for text in page_problems(page) if not OFFLINE_NOISE.search(text)]
    assert not problems, "errors in the page:\n" + "\n".join(problems)
    assert not server_problems(voila_server.log_text()), voila_server.log_text()[-4000:]
    assert "Traceback" not in page.inner_text("body")


def gbif_download(tmp_path: Path) -> Path:
    """A GBIF-style tab-separated download (unquoted) made from a bundled Darwin Core file."""
    rows = list(csv.reader(io.StringIO((OCCURRENCES / "synthetic_island_snail.csv").read_text(encoding="utf-8"))))
    path = tmp_path / "gbif_snail.txt"
    path.write_text("\n".join("\t".join(row) for row in rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["redlist-calculator.ipynb", "population-planner.ipynb",
                                  "studbook-analyser.ipynb"])
def test_app_opens_without_errors_and_shows_no_code(browser_page, voila_server, name):
    open_app(browser_page, voila_server, name)
    browser_page.wait_for_timeout(500)
    body = browser_page.inner_text("body")
    assert "import" not in body and "exsitu.widgets" not in body  # sources stripped
    assert browser_page.locator(".jp-InputArea, .jp-CodeMirrorEditor").count() == 0
    assert_clean(browser_page, voila_server)


def test_redlist_calculator_dataset_change_updates_range(browser_page, voila_server):
    page = browser_page
    open_app(page, voila_server, "redlist-calculator.ipynb")
    message = page.locator(".widget-html", has_text="records read").first
    first = message.inner_text()
    select = page.locator(".widget-dropdown select").first
    select.select_option(label="island snail (SYNTHETIC)")
    page.get_by_text(re.compile(r"Loaded island snail \(SYNTHETIC\): 26 records read")).wait_for()
    assert page.locator(".widget-html", has_text="records read").first.inner_text() != first
    page.get_by_text("Red List category").click()
    page.get_by_text("Category", exact=False).first.wait_for()
    assert_clean(page, voila_server)


def test_redlist_calculator_good_and_bad_upload(browser_page, voila_server, tmp_path):
    page = browser_page
    open_app(page, voila_server, "redlist-calculator.ipynb")
    bad = tmp_path / "no_coordinates.csv"
    bad.write_text("species,place\nExemplia,Hill\n", encoding="utf-8")
    upload(page, bad)
    page.get_by_text("no_coordinates.csv was not loaded.").wait_for()
    text = page.inner_text("body")
    assert "decimalLatitude" in text and "How to fix it" in text and "Still showing" in text
    upload(page, gbif_download(tmp_path))
    page.get_by_text(re.compile(r"Loaded gbif_snail\.txt: 26 records read, 1 excluded, 25 used")).wait_for()
    assert page.locator(".widget-dropdown select").first.input_value() == "uploaded: gbif_snail.txt"
    archive = tmp_path / "0001234-260101000000000.zip"  # GBIF's download zip, as it comes
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.write(gbif_download(tmp_path), "occurrence.txt")
        bundle.writestr("meta.xml", "<archive/>")
    upload(page, archive)
    page.get_by_text(re.compile(r"Loaded 0001234-260101000000000\.zip: 26 records read, 1 excluded, 25 used"
                                )).wait_for()
    # still working after both: pick a bundled file again
    select = page.locator(".widget-dropdown select").first
    select.select_option(label="springfish (SYNTHETIC)")
    page.get_by_text(re.compile(r"Loaded springfish \(SYNTHETIC\)")).wait_for()
    assert_clean(page, voila_server)


def test_redlist_calculator_refuses_a_file_over_the_size_limit(browser_page, voila_server, tmp_path):
    page = browser_page
    open_app(page, voila_server, "redlist-calculator.ipynb")
    big = tmp_path / "too_big.csv"
    header = (OCCURRENCES / "synthetic_springfish.csv").read_text(encoding="utf-8").splitlines()[0]
    big.write_text(header + "\n" + ("x" * 99 + "\n") * (MAX_UPLOAD_BYTES // 100 + 1_000), encoding="utf-8")
    assert MAX_UPLOAD_BYTES < big.stat().st_size < 2**24  # over the app's limit, under the old websocket limit
    upload(page, big)
    page.get_by_text("too_big.csv was not loaded.").wait_for()
    assert f"larger than the {MAX_UPLOAD_BYTES / 1e6:.1f} MB limit" in page.inner_text("body")
    assert_clean(page, voila_server)


def set_readout(page, index: int, text: str) -> None:
    """Type a value into the ``index``-th slider's readout and press Enter, as a person can."""
    readout = page.locator(".widget-slider .widget-readout").nth(index)
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_population_planner_control_and_pva_tab(browser_page, voila_server):
    page = browser_page
    open_app(page, voila_server, "population-planner.ipynb")
    page.get_by_text(re.compile(r"90\.0% of wild gene diversity after 100 years")).wait_for()
    set_readout(page, 0, "0.8")  # gene diversity target
    page.get_by_text(re.compile(r"80\.0% of wild gene diversity after 100 years")).wait_for()
    set_readout(page, 0, "0.99")  # more than 20 founders can capture: a message, not a traceback
    page.get_by_text(re.compile(r"start from at least \d+ founders or lower the target")).wait_for()
    set_readout(page, 0, "0.85")
    page.get_by_text(re.compile(r"85\.0% of wild gene diversity after 100 years")).wait_for()
    page.get_by_text("PVA: management options").click()
    page.get_by_text(re.compile(r"P\(extinct by year 50\)")).wait_for()
    assert_clean(page, voila_server)


def test_studbook_good_and_bad_upload_and_download(browser_page, voila_server, tmp_path):
    page = browser_page
    open_app(page, voila_server, "studbook-analyser.ipynb")
    bad = tmp_path / "no_sex.csv"
    bad.write_text("id,sire,dam\n1,UNK,UNK\n", encoding="utf-8")
    upload(page, bad)
    page.get_by_text(re.compile(r"no_sex\.csv was not loaded")).wait_for()
    assert "sex" in page.locator(".widget-html", has_text="was not loaded").first.inner_text()
    good = tmp_path / "my_frogs.csv"
    good.write_bytes(STUDBOOK.read_bytes())
    upload(page, good)
    page.get_by_text("Loaded my_frogs.csv.").wait_for()
    # "Loaded" is the last update of an upload: the links already name the new file
    assert page.locator("a.exsitu-download[download='my_frogs_mean_kinship.csv']").count() == 1
    with page.expect_download() as info:
        page.locator("a.exsitu-download", has_text="mean kinship").click()
    download = info.value
    assert download.suggested_filename == "my_frogs_mean_kinship.csv"
    table = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert list(table[0]) == ["id", "mk rank", "mk", "F", "sex", "location"]
    summary = page.locator(".widget-html", has_text=re.compile(r"individuals, \d+ living")).first.inner_text()
    assert re.search(rf"individuals, {len(table)} living", summary), summary  # one row per living animal
    assert [int(row["mk rank"]) for row in table] == list(range(1, len(table) + 1))
    with page.expect_download() as info:
        page.locator("a.exsitu-download", has_text="ranked pairings").click()
    pairs = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert pairs and {"sire", "dam", "mean_mk"} <= set(pairs[0])
    assert_clean(page, voila_server)
