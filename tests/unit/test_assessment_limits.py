"""Hostile assessment files and widget values: JSON limits (depth, number size, NaN), wrong scalar types and
over-long texts end in a message — in the library (AssessmentLoadError / InvalidInputError) and the workbench —
and nothing non-standard is ever written."""

from __future__ import annotations

import json

import pytest

from exsitu import limits
from exsitu import workbench_store as store
from exsitu.assessment import Assessment, AssessmentLoadError, PopulationNeed, load_assessment
from exsitu.examples import example_assessment
from exsitu.validation import InvalidInputError
from exsitu.widgets.workbench import workbench

GOOD = json.loads(Assessment(taxon="Exemplia hostilis").to_json())
assert b'"schema_version": %d' % GOOD["schema_version"] in json.dumps(GOOD).encode()


def _with(**fields) -> bytes:
    return json.dumps({**GOOD, **fields}).encode()


HOSTILE = {
    "nested 10,000 deep": b'{"format": "exsitu-assessment", "schema_version": 1, "taxon": "x", "notes": '
                          + b"[" * 10_000 + b"]" * 10_000 + b"}",
    "5,000-digit integer": _with(taxon="x").replace(b'"schema_version": %d' % GOOD["schema_version"],
                                                     b'"schema_version": 1' + b"0" * 5000),
    "5,000-digit integer in a section": _with(population_needs=[]).replace(b'"population_needs": []',
                                                                          b'"population_needs": [' + b"9" * 5000 + b"]"),
    "NaN": _with().replace(b'"notes": ""', b'"notes": NaN'),
    "Infinity": _with().replace(b'"notes": ""', b'"notes": -Infinity'),
    "1e400": _with().replace(b'"notes": ""', b'"notes": 1e400'),
    "10**300": _with().replace(b'"notes": ""', b'"notes": ' + str(10**300).encode()),
    "wrong scalar types": _with(taxon=5, title=[1], scope={"a": 1}, notes=2.5, taxon_group=True),
    "wrong section types": _with(participants={"name": 1}, sources="x", roles=[1], decision=7, feasibility=[[]]),
    "schema_version as a list": _with(schema_version=[1]),
    "over-long title": _with(title="t" * 100_000),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_assessment_file_ends_in_a_message_in_the_library(name):
    content = HOSTILE[name]
    try:
        assessment, problems = load_assessment(content)
    except AssessmentLoadError as error:
        assert error.problem
        return
    # partly readable: every bad part is reported, and what loads can be written back as standard JSON
    assert problems, name
    text = assessment.to_json()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard {c}"))
    with pytest.raises(AssessmentLoadError):
        Assessment.from_json(content)  # strict reading refuses the same file with a message


def _saved_json(bench) -> str:
    """What the workbench last saved in the workshop store (its solo assessment), as JSON."""
    assessment, _version = bench.store.load_solo(bench.assessment_id)
    return assessment.to_json()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_assessment_upload_ends_in_a_message_in_the_workbench(tmp_path, name):
    bench = workbench(tmp_path)
    bench.title.value = "our work"
    before = bench.assessment.to_dict()
    loaded = bench.load_json(HOSTILE[name], "hostile.json")
    if not loaded:
        assert "current work is unchanged" in bench.message.value
        assert bench.assessment.to_dict() == before
    else:
        assert "could not be read" in bench.message.value  # the list of problems
        on_disk = _saved_json(bench)
        json.loads(on_disk, parse_constant=lambda c: pytest.fail(f"non-standard {c}"))


def test_json_depth_is_measured_without_recursion_and_ignores_brackets_in_texts():
    assert limits.json_depth('{"a": "[[[[{{{{", "b": [[1]]}') == 3
    assert limits.json_depth("[" * 100_000 + "]" * 100_000) == 100_000
    assert limits.json_depth(r'{"a": "x\"[[["}') == 1


def test_parse_json_refuses_big_numbers_before_converting_them():
    with pytest.raises(InvalidInputError, match="more than 30 digits"):
        limits.parse_json("[" + "1" * 31 + "]")
    assert limits.parse_json("[" + "1" * 30 + ", 1.5e300]") == [int("1" * 30), 1.5e300]


def test_to_json_never_writes_non_standard_json():
    assessment = example_assessment("panamanian-golden-frog")
    assessment.population_needs = [PopulationNeed(role_id="insurance", pva={"headline": 0.5})]
    assessment.population_needs[0].pva["headline"] = float("nan")  # set after construction, by code
    with pytest.raises(InvalidInputError) as error:
        assessment.to_json()
    assert "population_needs[0].pva.headline" in error.value.field
    with pytest.raises(InvalidInputError):
        PopulationNeed(role_id="insurance", pva={"p": float("inf")})
    with pytest.raises(InvalidInputError):
        PopulationNeed(role_id="insurance", duration_years=float("inf"))


def test_a_crafted_widget_message_with_a_huge_title_is_refused_in_the_kernel(tmp_path):
    bench = workbench(tmp_path)
    bench.title.value = "Workshop, day 1"
    saved = _saved_json(bench)
    bench.title.value = "x" * 40_000_000  # what a crafted comm message can set, whatever the browser limits
    assert "title" in bench.details_message.value and "characters" in bench.details_message.value
    assert bench.assessment.title == "Workshop, day 1"
    assert _saved_json(bench) == saved
    bench.title.value = "Workshop, day 1"
    for field in ("taxon", "scope", "notes", "taxon_group"):
        control = getattr(bench, field)
        kept = control.value
        control.value = "y" * 1_000_000
        assert field in bench.details_message.value
        control.value = kept
    assert len(_saved_json(bench)) < 1_000_000


def test_saved_list_does_not_read_files_over_the_limit(tmp_path):
    big = tmp_path / "abcdef123456.json"
    big.write_text(json.dumps({**GOOD, "title": "t" * (store.MAX_UPLOAD_BYTES + 10)}), encoding="utf-8")
    long = tmp_path / "abcdef654321.json"
    long.write_text(json.dumps({**GOOD, "title": "t" * 5000}), encoding="utf-8")
    saved = {item.assessment_id: item for item in store.list_saved(tmp_path)}
    assert saved["abcdef123456"].title == "" and len(saved["abcdef654321"].title) <= limits.MAX_NAME_CHARS
