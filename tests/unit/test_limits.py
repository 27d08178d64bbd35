"""Input bounds (exsitu.limits) and their use by the readers and apps: zip bombs, huge files, too many rows."""

from __future__ import annotations

import datetime
import io
import tracemalloc
import zipfile

import pytest

from exsitu import limits
from exsitu.geo import read_occurrences
from exsitu.studbook import read_studbook
from exsitu.validation import InvalidInputError

#: Extra memory a refused hostile file may cost (the brief's goal is < 200 MB).
MEMORY_BUDGET = 200 * 2**20


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A GBIF-like download zip whose occurrence.txt inflates to 4 × the cap (~256 MB) from ~0.25 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("meta.xml", "<archive/>")
        with archive.open("occurrence.txt", "w", force_zip64=True) as member:
            member.write(b"decimalLatitude\tdecimalLongitude\n")
            block = b"0" * (16 * 2**20)  # no line breaks: one endless field
            for _ in range(4 * limits.MAX_TABLE_BYTES // len(block)):
                member.write(block)
    return buffer.getvalue()


def _refused_within_budget(call) -> InvalidInputError:
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInputError) as error:
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BUDGET, f"{peak / 2**20:.0f} MB"
    return error.value


def test_zip_bomb_is_refused_by_read_occurrences_within_the_memory_budget(zip_bomb):
    assert len(zip_bomb) < 1_000_000
    error = _refused_within_budget(lambda: read_occurrences(zip_bomb))
    assert error.field == "path" and "occurrence.txt in the zip" in error.problem and "larger than" in error.problem


def test_zip_member_whose_header_understates_its_size_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("occurrence.txt", b"decimalLatitude,decimalLongitude\n" + b"1,2\n" * 100_000)
    archive, members = limits.open_zip(buffer.getvalue())
    members[0].file_size = 10  # the directory lies about the size
    with pytest.raises(InvalidInputError) as error:
        limits.read_zip_member(archive, members[0], max_bytes=1000)
    assert "could not be read" in error.value.problem or "larger than" in error.value.problem


def test_zip_member_over_the_line_cap_is_refused_while_inflating():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("occurrence.txt", b"decimalLatitude,decimalLongitude\n" + b"1,2\n" * 50_000)
    archive, members = limits.open_zip(buffer.getvalue())
    with pytest.raises(InvalidInputError, match="more than 1,000 lines"):
        limits.read_zip_member(archive, members[0], max_lines=1000)


def test_read_limited_stops_a_stream_at_the_cap_without_reading_the_rest():
    class Endless(io.RawIOBase):
        reads = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            Endless.reads += 1
            buffer[:] = b"x" * len(buffer)
            return len(buffer)

    with pytest.raises(InvalidInputError, match="larger than 4 MB"):
        limits.read_limited(io.BufferedReader(Endless()), max_bytes=4 * 2**20)
    assert Endless.reads <= 8
    assert limits.read_limited(b"a\nb\n", max_lines=2) == b"a\nb\n"
    with pytest.raises(InvalidInputError, match="more than 1 lines"):
        limits.read_limited(b"a\nb\n", max_lines=1)
    assert limits.read_limited(io.StringIO("abc")) == "abc"


def test_occurrence_file_with_too_many_rows_is_refused_before_parsing(tmp_path):
    path = tmp_path / "many.csv"
    with path.open("wb") as handle:
        handle.write(b"decimalLatitude,decimalLongitude\n")
        handle.write(b"1,2\n" * (limits.MAX_OCCURRENCE_LINES + 1))
    error = _refused_within_budget(lambda: read_occurrences(path))
    assert "more than 1,000,000 lines" in error.problem


def test_wide_table_is_refused_by_its_cell_count():
    header = ",".join(["decimalLatitude", "decimalLongitude"] + [f"c{i}" for i in range(2000)])
    row = ",".join(["1", "2"] + ["x"] * 2000)
    data = (header + "\n" + "\n".join([row] * 6000)).encode()
    error = _refused_within_budget(lambda: read_occurrences(data))
    assert "cells" in error.problem


def test_studbook_with_too_many_rows_is_refused_before_parsing():
    data = b"id,sire,dam,sex\n" + b"".join(b"%d,UNK,UNK,M\n" % i for i in range(limits.MAX_STUDBOOK_LINES + 1))
    error = _refused_within_budget(lambda: read_studbook(data))
    assert error.field == "studbook" and "more than 250,000 lines" in error.problem
    with pytest.raises(InvalidInputError, match="more than 250,000 lines"):
        read_studbook(io.BytesIO(data))


def test_studbook_reader_still_reads_a_normal_file():
    pedigree = read_studbook(io.StringIO("id,sire,dam,sex\n1,UNK,UNK,M\n2,UNK,UNK,F\n3,1,2,F\n"))
    assert len(pedigree.to_frame()) == 3


def _uploaded(name: str, data: bytes) -> tuple[dict, ...]:
    return ({"name": name, "type": "application/zip", "size": len(data), "content": memoryview(data),
             "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)


def test_zip_bomb_uploaded_to_the_redlist_calculator_gets_a_message(zip_bomb):
    from exsitu.widgets import apps

    parts = apps.redlist_calculator("occurrences/synthetic_springfish.csv").parts
    before = parts.range
    tracemalloc.start()
    try:
        parts.upload.value = _uploaded("0001234-gbif.zip", zip_bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BUDGET, f"{peak / 2**20:.0f} MB"
    assert "was not loaded" in parts.message.value and "larger than" in parts.message.value
    assert parts.range is before  # still showing the previous file


def test_studbook_app_upload_with_too_many_rows_gets_a_message():
    from exsitu.widgets import apps

    parts = apps.studbook_app().parts
    data = b"id,sire,dam,sex\n" + b"".join(b"%d,UNK,UNK,M\n" % i for i in range(limits.MAX_STUDBOOK_LINES + 1))
    parts.analyser.upload.value = _uploaded("huge.csv", data)
    assert "more than 250,000 lines" in parts.analyser.message.value
    assert parts.analyser.name.startswith("synthetic_frog_studbook")


def test_pva_slider_shows_a_quick_run_then_the_full_one():
    import time

    from exsitu.pva import compare_scenarios
    from exsitu.widgets.population import pva_comparison

    parts = pva_comparison(years=20, replicates=200, seed=5, quick_replicates=40, background=True).parts
    deadline = time.monotonic() + 120
    while parts.shown_replicates != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert parts.shown_replicates == 200
    parts.adult_survival.value = 0.61
    assert parts.shown_replicates == 40 and "Quick estimate from 40 replicates" in parts.message.value
    assert "40 replicates" in parts.summary.value
    while parts.shown_replicates != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert parts.shown_replicates == 200 and parts.message.value == ""
    assert parts.table.equals(compare_scenarios(parts.scenarios, replicates=200, years=20, seed=5))
    parts.adult_survival.value = 0.62  # two changes in a row: only the last one's full run is shown
    parts.adult_survival.value = 0.63
    while parts.shown_replicates != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert parts.scenarios["wild only"].adult_survival == 0.63
    parts.adult_survival.value = 0.61  # a setting seen before: the full result at once, from the cache
    assert parts.shown_replicates == 200
