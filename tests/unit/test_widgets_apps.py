"""Tests of exsitu.widgets.apps: the calculator apps' uploads, dataset picker, tabs and CSV downloads."""

from __future__ import annotations

import base64
import datetime
import io
import re

import pandas as pd
import pytest

from exsitu import geo
from exsitu.datasets import data_path
from exsitu.pedigree import mean_kinship, read_studbook
from exsitu.validation import InvalidInputError
from exsitu.widgets import apps

SNAIL = data_path("occurrences/synthetic_island_snail.csv")
STUDBOOK = data_path("studbooks/synthetic_frog_studbook.csv")


def uploaded(name: str, data: bytes) -> tuple[dict, ...]:
    """What ipywidgets 8's FileUpload.value holds after a person chose one file."""
    return ({"name": name, "type": "text/csv", "size": len(data), "content": memoryview(data),
             "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)


# ----------------------------------------------------------------------------------------------- check_upload
def test_check_upload_returns_name_and_bytes():
    assert apps.check_upload(uploaded("a.csv", b"x,y\n1,2\n")) == ("a.csv", b"x,y\n1,2\n")


@pytest.mark.parametrize("files, problem", [
    ((), "expected one file, got 0"),
    (uploaded("a.xlsx", b"x"), "is not a"),
    (uploaded("a.csv", b"  \n"), "is empty"),
    (uploaded("a.csv", b"x" * 11), "larger than the"),
])
def test_check_upload_rejects_bad_files(files, problem):
    with pytest.raises(InvalidInputError) as error:
        apps.check_upload(files, max_bytes=10)
    assert error.value.field == "upload" and problem in error.value.problem and error.value.fix


def test_check_upload_accepts_exactly_the_limit_and_checks_it():
    assert apps.check_upload(uploaded("a.csv", b"x" * 10), max_bytes=10)[1] == b"x" * 10
    with pytest.raises(InvalidInputError, match="max_bytes"):
        apps.check_upload(uploaded("a.csv", b"x"), max_bytes=0)


def test_bundled_occurrences_lists_every_occurrence_csv():
    options = apps.bundled_occurrences()
    assert [value for _, value in options] == sorted(
        f"occurrences/{path.name}" for path in data_path("occurrences/synthetic_springfish.csv").parent.glob("*.csv"))
    assert ("island snail (SYNTHETIC)", "occurrences/synthetic_island_snail.csv") in options


# ------------------------------------------------------------------------------------------ Red List calculator
def test_redlist_calculator_opens_on_a_bundled_file_with_linked_eoo():
    parts = apps.redlist_calculator("occurrences/synthetic_island_snail.csv").parts
    expected = geo.range_summary(geo.read_occurrences(SNAIL))
    assert parts.range.summary.eoo_km2 == pytest.approx(expected.eoo_km2)
    assert parts.range.summary.aoo_km2 == pytest.approx(expected.aoo_km2)
    assert parts.evidence.evidence()["eoo_km2"] == pytest.approx(expected.eoo_km2)
    assert "Loaded" in parts.message.value and "island snail" in parts.message.value


def test_redlist_calculator_bad_upload_gives_message_and_keeps_data():
    parts = apps.redlist_calculator("occurrences/synthetic_island_snail.csv").parts
    before = parts.range
    parts.upload.value = uploaded("plants.csv", b"species,place\nExemplia,Hill\n")
    assert parts.range is before
    assert "plants.csv was not loaded" in parts.message.value
    assert "decimalLatitude" in parts.message.value and "How to fix it" in parts.message.value
    assert "Still showing" in parts.message.value
    assert parts.upload.value == ()  # ready for the next file


def test_redlist_calculator_size_limit():
    parts = apps.redlist_calculator(max_bytes=1_000).parts
    before = parts.range
    data = SNAIL.read_bytes()
    assert len(data) > 1_000
    parts.upload.value = uploaded("snail.csv", data)
    assert parts.range is before and "larger than the" in parts.message.value


def test_redlist_calculator_good_upload_changes_outputs_and_dataset_picker():
    parts = apps.redlist_calculator("occurrences/synthetic_springfish.csv").parts
    springfish_map, springfish_eoo = parts.range.map_image.value, parts.range.summary.eoo_km2
    text = SNAIL.read_text(encoding="utf-8").replace(",", "\t")  # the same records as a GBIF-style TSV
    parts.upload.value = uploaded("gbif.txt", text.encode("utf-8"))
    snail = geo.range_summary(geo.read_occurrences(SNAIL))
    assert parts.range.summary.eoo_km2 == pytest.approx(snail.eoo_km2) != pytest.approx(springfish_eoo)
    assert parts.range.map_image.value != springfish_map
    assert parts.evidence.evidence()["eoo_km2"] == pytest.approx(snail.eoo_km2)
    assert parts.dataset.value == "upload" and parts.dataset.options[-1][0] == "uploaded: gbif.txt"
    parts.dataset.value = "occurrences/synthetic_springfish.csv"
    assert parts.range.summary.eoo_km2 == pytest.approx(springfish_eoo)
    parts.dataset.value = "upload"  # back to the uploaded file
    assert parts.range.summary.eoo_km2 == pytest.approx(snail.eoo_km2)


def test_redlist_calculator_reads_a_gbif_download_zip_as_it_comes():
    import io
    import zipfile
    parts = apps.redlist_calculator("occurrences/synthetic_springfish.csv").parts
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:  # a Darwin Core Archive
        archive.writestr("meta.xml", "<archive/>")
        archive.writestr("occurrence.txt", SNAIL.read_text(encoding="utf-8").replace(",", "\t"))
    assert apps.check_upload(uploaded("0001234-gbif.zip", buffer.getvalue()))[0] == "0001234-gbif.zip"
    parts.upload.value = uploaded("0001234-gbif.zip", buffer.getvalue())
    snail = geo.range_summary(geo.read_occurrences(SNAIL))
    assert parts.range.summary.eoo_km2 == pytest.approx(snail.eoo_km2)
    assert parts.dataset.options[-1][0] == "uploaded: 0001234-gbif.zip"
    assert "zip" in parts.upload.accept


def test_redlist_calculator_keeps_evidence_across_files():
    parts = apps.redlist_calculator("occurrences/synthetic_springfish.csv",
                                    evidence={"locations": 2, "continuing_decline": ["iii"]}).parts
    parts.dataset.value = "occurrences/synthetic_island_snail.csv"
    assert parts.evidence.evidence()["locations"] == 2
    assert parts.evidence.result is not None


def test_redlist_calculator_rejects_unknown_dataset():
    with pytest.raises(InvalidInputError) as error:
        apps.redlist_calculator("occurrences/nope.csv")
    assert error.value.field == "dataset" and "synthetic_springfish" in error.value.fix


# ------------------------------------------------------------------------------------------ population planner
def test_population_planner_app_builds_pva_when_its_tab_opens():
    parts = apps.population_planner_app(pva={"replicates": 50}).parts
    assert parts.pva is None and parts.planner.parts.target is not None
    parts.tabs.selected_index = 1
    assert parts.pva is not None and parts.tabs.children[1] is parts.pva
    assert parts.pva.parts.replicates == 50 and parts.pva.parts.table is not None
    before = parts.planner.parts.target.effective_size
    parts.planner.parts.target_gene_diversity.value = 0.8
    assert parts.planner.parts.target.effective_size < before


# ------------------------------------------------------------------------------------------ studbook analyser
def _decode_link(html_text: str, filename: str) -> pd.DataFrame:
    """The table behind the download link for ``filename`` in ``html_text``."""
    match = re.search(r"href='data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)' download='"
                      + re.escape(filename) + "'", html_text)
    assert match, f"no download link for {filename}"
    return pd.read_csv(io.BytesIO(base64.b64decode(match.group(1))))


def test_studbook_app_downloads_match_the_analysis():
    parts = apps.studbook_app().parts
    mk = _decode_link(parts.downloads.value, "synthetic_frog_studbook_mean_kinship.csv")
    expected = mean_kinship(read_studbook(STUDBOOK))
    assert sorted(mk["id"].astype(str)) == sorted(map(str, expected.index))
    by_id = dict(zip(mk["id"].astype(str), mk["mk"]))
    assert all(by_id[str(key)] == pytest.approx(value) for key, value in expected.items())
    pairs = _decode_link(parts.downloads.value, "synthetic_frog_studbook_pairings.csv")
    assert len(pairs) == len(parts.analyser.pairings) and list(pairs["rank"]) == list(parts.analyser.pairings["rank"])


def test_studbook_app_bad_upload_message_and_good_upload_changes_downloads():
    parts = apps.studbook_app().parts
    before = parts.downloads.value
    parts.analyser.upload.value = uploaded("no_sex.csv", b"id,sire,dam\n1,UNK,UNK\n")
    assert "no_sex.csv" in parts.analyser.message.value and "sex" in parts.analyser.message.value
    assert parts.downloads.value == before and parts.analyser.upload.value == ()
    small = read_studbook(STUDBOOK).to_frame().head(40).to_csv(index=False).encode("utf-8")
    parts.analyser.upload.value = uploaded("small.csv", small)
    assert "Loaded small.csv" in parts.analyser.message.value
    assert "small_mean_kinship.csv" in parts.downloads.value and parts.downloads.value != before


def test_studbook_app_size_limit():
    parts = apps.studbook_app(max_bytes=100).parts
    parts.analyser.upload.value = uploaded("big.csv", STUDBOOK.read_bytes())
    assert "larger than the" in parts.analyser.message.value
    assert parts.analyser.name.startswith("synthetic_frog_studbook")


def test_csv_download_link_round_trips_and_handles_missing_table():
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    link = apps.csv_download_link(frame, "t.csv", "table", index=False)
    assert "download='t.csv'" in link
    assert _decode_link(link, "t.csv").equals(frame)
    assert "not available" in apps.csv_download_link(None, "t.csv", "table")
