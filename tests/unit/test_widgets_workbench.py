"""The ECA workbench (exsitu.widgets.workbench) and its download helpers (exsitu.workbench_store).

Each test's workbench saves in a SQLite workshop store of its own (``workbench(tmp_path)``:
``<tmp_path>/workshop.sqlite3``).
"""

from __future__ import annotations

import datetime
import html
import json
import re

import pytest

from exsitu import workbench_store as store
from exsitu.assessment import Assessment
from exsitu.examples import example_assessment, example_keys
from exsitu.validation import InvalidInputError
from exsitu.widgets.workbench import Workbench, workbench


def _href(markup: str) -> str:
    match = re.search(r"href='([^']*)'", markup)
    assert match, markup
    return html.unescape(match.group(1))


def _download(bench: Workbench) -> Assessment:
    return Assessment.from_json(store.decode_data_uri(_href(bench.download.value)))


def _without_dates(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("created", "updated")}


def _stored(bench: Workbench) -> Assessment | None:
    """The assessment as saved in the store (None if it was never saved)."""
    if bench.assessment_id is None:
        return None
    return bench.store.load_solo(bench.assessment_id)[0]




@pytest.fixture
def bench(tmp_path) -> Workbench:
    return workbench(tmp_path)


# ---------------------------------------------------------------------------------------------- starting

def test_starts_from_a_case_with_every_step_done_and_writes_nothing(tmp_path):
    bench = workbench(tmp_path, case="lord-howe-island-stick-insect")
    assert bench.assessment.steps_done() == {1: True, 2: True, 3: True, 4: True, 5: True}
    assert bench.assessment.to_dict() == example_assessment("lord-howe-island-stick-insect").to_dict()
    assert "5 of 5 steps done" in bench.progress.value
    assert bench.taxon.value.startswith("Dryococelus australis")
    assert "Not saved yet" in bench.status.value
    assert bench.assessment_id is None and _stored(bench) is None  # nothing written before the first change


def test_every_bundled_case_opens(bench):
    for key in example_keys():
        assert bench.start_case(key)
        assert all(bench.assessment.steps_done().values())
        assert bench.assessment_id is not None  # opening a case is a change: saved at once
        assert _stored(bench).to_dict() == bench.assessment.to_dict()


def test_blank_species_has_no_step_done(tmp_path):
    bench = workbench(tmp_path, taxon="Rhododendron exemplum")
    assert bench.assessment.taxon == "Rhododendron exemplum"
    assert bench.assessment.steps_done() == {1: False, 2: False, 3: False, 4: False, 5: False}
    assert "0 of 5 steps done" in bench.progress.value
    assert "Not done yet" in bench.step_summaries[3].value


def test_blank_species_needs_a_name(bench):
    before = bench.assessment.to_dict()
    assert not bench.start_blank_species("   ")
    assert "New species" in bench.message.value
    assert bench.assessment.to_dict() == before


def test_unknown_case_is_a_message(bench):
    before = bench.assessment.to_dict()
    assert not bench.start_case("no-such-case")
    assert "key" in bench.message.value and "panamanian-golden-frog" in bench.message.value
    assert bench.assessment.to_dict() == before


# ---------------------------------------------------------------------------------------------- autosave

def test_an_edit_autosaves_and_updates_the_saved_label(bench):
    assert _stored(bench) is None
    bench.title.value = "Workshop, day 1"
    assert _stored(bench).title == "Workshop, day 1"
    assert re.search(r"Saved \d\d:\d\d:\d\d", bench.status.value)
    first = bench.version
    bench.scope.value = "Panama"
    assert bench.version == first + 1
    assert _stored(bench).scope == "Panama"
    assert bench.last_save_seconds is not None and bench.last_save_seconds >= 0
    assert f"solo={bench.assessment_id}" in bench.connection.query  # the page address carries the work
    assert bench.connection.saved_label and bench.connection.saved_label in bench.status.value


def test_a_bad_detail_is_a_message_naming_the_field_and_is_not_saved(bench):
    bench.title.value = "kept"
    bench.taxon.value = "  "
    assert "taxon" in bench.details_message.value
    assert bench.assessment.taxon.startswith("Atelopus zeteki")
    assert _stored(bench).taxon.startswith("Atelopus zeteki")
    bench.taxon.value = "Atelopus zeteki"
    assert bench.details_message.value == ""
    assert bench.assessment.taxon == "Atelopus zeteki"


def test_reload_from_the_address_gives_an_identical_assessment_at_the_same_step(tmp_path):
    bench = workbench(tmp_path, case="wood-decay-fungi")
    bench.notes.value = "Second session: check the culture collection's records"
    bench.steps.selected_index = 2
    saved_id = bench.assessment_id
    assert bench.connection.query == f"solo={saved_id}&step=3"
    other = workbench(tmp_path, query=bench.connection.query)  # a reload, or the server restarted
    assert other.assessment.to_dict() == bench.assessment.to_dict()
    assert other.assessment_id == saved_id and other.steps.selected_index == 2
    other.title.value = "continued"  # resuming continues the same assessment
    assert _stored(bench).title == "continued"


def test_resume_by_id_or_link(tmp_path):
    first = workbench(tmp_path, case="canadian-snakes")
    first.title.value = "ours"
    other = workbench(tmp_path)
    assert other.resume_saved(first.assessment_id)
    assert other.assessment.title == "ours"
    third = workbench(tmp_path)
    assert third.resume_saved(f"http://127.0.0.1:8866/voila/render/workbench.ipynb?solo={first.assessment_id}&step=2")
    assert third.assessment_id == first.assessment_id


@pytest.mark.parametrize("text, expected", [("", "Type the id"), (None, "Type the id"),
                                            ("../../etc/passwd", "not an assessment id"),
                                            ("x" * 5000, "not an assessment id"),
                                            ("abcdefabcdefabcdef", "no assessment with the id")])
def test_resume_of_nothing_or_a_wrong_id_is_a_message(bench, text, expected):
    before = bench.assessment.to_dict()
    assert not bench.resume_saved(text)
    assert expected in bench.message.value
    assert bench.assessment.to_dict() == before


def test_a_bad_address_is_a_message_and_a_fresh_case(tmp_path):
    bench = workbench(tmp_path, query="solo=nonexistent123&step=9")
    assert "no assessment with the id" in bench.message.value and "step that is not 1" in bench.message.value
    assert bench.assessment.steps_done()[1] and bench.assessment_id is None
    huge = workbench(tmp_path, query="solo=" + "a" * 10_000)
    assert "longer than 2000 characters" in huge.message.value


def test_two_workbenches_on_one_store_do_not_overwrite_each_other(tmp_path):
    first = workbench(tmp_path, case="panamanian-golden-frog")
    second = workbench(tmp_path, case="panamanian-golden-frog")
    first.title.value = "group A"
    second.title.value = "group B"
    first.notes.value = "A's note"
    assert first.assessment_id != second.assessment_id
    assert _stored(first).title == "group A" and _stored(first).notes == "A's note"
    assert _stored(second).title == "group B" and _stored(second).notes == second.assessment.notes != "A's note"


def test_two_pages_on_one_assessment_never_lose_an_edit(tmp_path):
    """The same link open twice: the later save is refused, shows what changed, and a merge keeps both."""
    first = workbench(tmp_path, case="panamanian-golden-frog")
    first.title.value = "v1"
    second = workbench(tmp_path, query=first.connection.query)
    first.title.value = "title from the first page"
    second.notes.value = "notes from the second page"
    assert second.conflict is not None
    assert "Not saved" in second.status.value
    assert "They changed:</b> title" in second.conflict_html.value
    assert "You changed:</b> notes" in second.conflict_html.value
    assert _stored(first).title == "title from the first page"  # nothing was overwritten
    second.title.value = "still typing"  # further edits wait for the choice, and are kept on the page
    assert second.conflict is not None and second.assessment.title == "still typing"
    assert second.merge()
    assert second.conflict is None
    merged = _stored(second)
    assert merged.notes == "notes from the second page" and merged.title == "still typing"


def test_a_conflict_can_keep_mine_as_a_copy(tmp_path):
    first = workbench(tmp_path, case="canadian-snakes")
    first.title.value = "v1"
    second = workbench(tmp_path, query=first.connection.query)
    first.title.value = "theirs"
    second.title.value = "mine"
    copy_id = second.keep_mine_as_copy()
    assert copy_id and copy_id != first.assessment_id
    assert second.store.load_solo(copy_id)[0].title == "mine"
    assert second.assessment.title == "theirs" and second.title.value == "theirs"
    assert f"solo={copy_id}" in second.message.value
    second.notes.value = "continuing on theirs"
    assert _stored(first).notes == "continuing on theirs" and _stored(first).title == "theirs"


def test_a_failed_save_says_so(tmp_path):
    class Broken:
        def create_solo(self, assessment):
            raise OSError("disk full")

    bench = workbench(store=Broken())
    bench.title.value = "changed"
    assert "Save failed" in bench.status.value and "disk full" in bench.status.value
    assert bench.assessment.title == "changed"  # the work stays in the session


def test_default_store_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EXSITU_WORKSHOP_DB", str(tmp_path / "env.sqlite3"))
    monkeypatch.delenv("EXSITU_DATABASE_URL", raising=False)
    bench = workbench()
    bench.title.value = "env"
    assert (tmp_path / "env.sqlite3").exists()
    assert _stored(bench).title == "env"


# ---------------------------------------------------------------------------------------------- upload

def test_upload_of_a_good_file_loads_it_into_a_new_file(bench, tmp_path):
    original = example_assessment("exemplia-montana")
    old_id = bench.assessment_id
    assert bench.load_json(original.to_json().encode("utf-8"), "exemplia.json")
    assert bench.assessment.to_dict() == original.to_dict()
    assert bench.assessment_id != old_id
    assert _stored(bench).to_dict() == original.to_dict()
    assert "exemplia.json" in bench.message.value and bench.problems == []


def test_upload_through_the_file_control(bench):
    original = example_assessment("canadian-snakes")
    content = original.to_json().encode("utf-8")
    bench.upload.value = ({"name": "snakes.json", "type": "application/json", "size": len(content),
                           "content": memoryview(content),
                           "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)
    assert bench.assessment.to_dict() == original.to_dict()
    assert bench.upload.value == ()  # cleared, so the same file can be chosen again
    first_id = bench.assessment_id
    bench.upload.value = ({"name": "snakes.json", "type": "application/json", "size": len(content),
                           "content": memoryview(content),
                           "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)},)
    assert bench.assessment_id != first_id and bench.assessment.to_dict() == original.to_dict()


def test_upload_of_a_partly_bad_file_keeps_what_is_valid_and_names_each_problem(bench):
    data = example_assessment("panamanian-golden-frog").to_dict()
    data["status_review"]["category"] = "XX"
    data["population_needs"][0]["form"] = "frozen zoo"
    assert bench.load_json(json.dumps(data), "edited.json")
    fields = [p.field for p in bench.problems]
    assert any(f.startswith("status_review") for f in fields)
    assert any(f.startswith("population_needs[0]") for f in fields)
    assert "population_needs[0]" in bench.message.value and "status_review" in bench.message.value
    assert bench.assessment.status_review is None and bench.assessment.roles is not None
    assert bench.assessment.decision_record is not None
    # the unreadable sections are written back unchanged
    on_disk = json.loads(_stored(bench).to_json())
    assert on_disk["status_review"]["category"] == "XX"
    assert on_disk["population_needs"][0]["form"] == "frozen zoo"


@pytest.mark.parametrize("content, field", [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "file"),
    (b"this is not json", "file"),
    (b"[1, 2, 3]", "file"),
    (json.dumps({"name": "a studbook"}).encode(), "schema_version"),
])
def test_upload_of_a_non_assessment_is_a_message_and_the_work_stays(bench, content, field):
    bench.title.value = "our work"
    before, before_id = bench.assessment.to_dict(), bench.assessment_id
    on_disk = _stored(bench).to_dict()
    assert not bench.load_json(content, "other.bin")
    assert field in bench.message.value and "current work is unchanged" in bench.message.value
    assert bench.assessment.to_dict() == before and bench.assessment_id == before_id
    assert _stored(bench).to_dict() == on_disk


def test_upload_larger_than_the_limit_is_refused(bench):
    before = bench.assessment.to_dict()
    assert not bench.load_json(b" " * (store.MAX_UPLOAD_BYTES + 1), "huge.json")
    assert "more than the 5 MB" in bench.message.value
    assert bench.assessment.to_dict() == before


# ---------------------------------------------------------------------------------------------- download and report

def test_download_round_trips(bench):
    assert _download(bench).to_dict() == bench.assessment.to_dict()
    assert "download='atelopus-zeteki-panamanian-golden-frog.json'" in bench.download.value
    bench.notes.value = "after an edit the link follows"
    assert _download(bench).to_dict() == bench.assessment.to_dict()
    assert _download(bench).notes == "after an edit the link follows"


def test_download_then_upload_gives_an_identical_assessment(tmp_path):
    first = workbench(tmp_path, case="lord-howe-island-stick-insect")
    first.title.value = "LHISI workshop"
    data = store.decode_data_uri(_href(first.download.value))
    second = workbench(tmp_path)
    assert second.load_json(data, "lhisi.json")
    assert second.assessment.to_dict() == first.assessment.to_dict()
    assert _stored(second).to_dict() == _stored(first).to_dict()


@pytest.mark.parametrize("key", ["panamanian-golden-frog", "canadian-snakes"])
def test_report_export_contains_the_recommendation(bench, key):
    bench.start_case(key)
    uri = bench.export_report("html")
    text = store.decode_data_uri(uri).decode("utf-8")
    assert "Recommendation:" in text and "<h2>Summary</h2>" in text
    assert bench.assessment.taxon.split(" (")[0] in text
    assert "wb-report-html" in bench.report_links.value and _href(bench.report_links.value) == uri
    markdown = store.decode_data_uri(bench.export_report("markdown")).decode("utf-8")
    assert "Recommendation:" in markdown and "-report.md" in bench.report_links.value


def test_report_of_a_blank_species_says_no_decision_yet(tmp_path):
    bench = workbench(tmp_path, taxon="Fungus exemplum")
    text = store.decode_data_uri(bench.export_report("markdown")).decode("utf-8")
    assert "no decision has been recorded" in text


# ---------------------------------------------------------------------------------------------- steps

def test_blank_species_through_the_steps(tmp_path):
    bench = workbench(tmp_path, taxon="Exemplia nova")
    # Step 5 needs retained roles first: a message, not a traceback
    assert bench.open_step(5) is None and "Step 2" in bench.step_messages[5].value
    step1 = bench.open_step(1)
    step1["evidence"].texts["mature_individuals"].value = "40"
    assert bench.save_step(1)
    assert bench.assessment.status_review.category == "CR"  # D: fewer than 50 mature individuals
    assert bench.assessment.steps_done()[1] and _stored(bench) is not None
    step2 = bench.open_step(2)
    parts = step2["parts"]
    role_id = parts.role.options[0][1]
    parts.role.value = role_id
    parts.rationale.value = "the group agrees"
    parts._decide("accept")
    assert bench.save_step(2)
    assert role_id in [role.id for role in bench.assessment.roles.accepted_roles()]
    step3 = bench.open_step(3)
    assert step3["role"].value == bench.assessment.roles.accepted_roles()[0].id
    assert bench.save_step(3)
    need = bench.assessment.population_needs[0]
    assert need.target == step3["parts"].target
    assert bench.save_step(3)  # saving again replaces that role's need
    assert len(bench.assessment.population_needs) == 1
    step4 = bench.open_step(4)
    assert step4["choice"].value == "__new__"
    assert not bench.save_step(4) and "New option" in bench.step_messages[4].value
    step4["name"].value = "Insurance colony"
    assert bench.save_step(4)
    assert [f.option for f in bench.assessment.feasibility] == ["Insurance colony"]
    assert bench.open_step(5) is not None
    assert _stored(bench).to_dict() == bench.assessment.to_dict()
    assert bench.assessment.steps_done() == {1: True, 2: True, 3: True, 4: True, 5: False}


def test_editing_a_step_shows_unsaved_changes_until_saved(bench):
    bench.title.value = "saved first"
    step3 = bench.open_step(3)
    assert "Unsaved changes" not in bench.status.value
    step3["parts"].years.value = 50
    assert "Unsaved changes" in bench.status.value and "Step 3" in bench.status.value
    assert "Saved" in bench.status.value  # the assessment itself is still saved
    assert bench.save_step(3)
    assert "Unsaved changes" not in bench.status.value
    assert any(n.target is not None and n.target.years == 50 for n in _stored(bench).population_needs)
    step4 = bench.open_step(4)
    step4["choice"].value = "__new__"
    assert "Step 4" not in bench.status.value  # choosing what to edit is not an edit
    step4["name"].value = "Insurance colony"
    assert "Step 4" in bench.status.value
    bench.start_case("canadian-snakes")  # a new assessment: nothing pending
    assert "Unsaved changes" not in bench.status.value


def test_step3_bad_sample_count_is_a_message(bench):
    step3 = bench.open_step(3)
    before = bench.assessment.to_dict()
    step3["samples"].value = "many"
    assert not bench.save_step(3)
    assert "Samples" in bench.step_messages[3].value
    assert bench.assessment.to_dict() == before


def test_resaving_a_case_step5_keeps_the_group_choice(tmp_path):
    for key in example_keys():
        bench = workbench(tmp_path, case=key)
        chosen = bench.assessment.decision_record.chosen_option_ids
        assert bench.save_step(5), bench.step_messages[5].value
        assert bench.assessment.decision_record.chosen_option_ids == chosen
        assert "Decision recorded" in bench.step_summaries[5].value


def test_resaving_step1_of_a_case_keeps_the_published_category(tmp_path):
    bench = workbench(tmp_path, case="panamanian-golden-frog")
    before = bench.assessment.status_review
    assert bench.save_step(1)
    after = bench.assessment.status_review
    assert after.category == before.category and after.threats == before.threats
    assert after.knowledge_gaps == before.knowledge_gaps


def test_switching_case_rebuilds_the_open_editor(bench):
    bench.steps.selected_index = 3
    assert 4 in bench.editors
    bench.start_case("wood-decay-fungi")
    options = [label for label, _ in bench.editors[4]["choice"].options]
    assert options[:-1] == [f.option for f in bench.assessment.feasibility]


# ---------------------------------------------------------------------------------------------- storage helpers

def test_file_name_and_data_uri():
    assert store.file_name("Atelopus zeteki (Panamanian golden frog)", ".json") == \
        "atelopus-zeteki-panamanian-golden-frog.json"
    assert store.file_name("???", ".md") == "assessment.md"
    text = "Ñandú — “quotes” & <tags>"
    uri = store.data_uri(text, "text/plain")
    assert uri.startswith("data:text/plain;charset=utf-8;base64,")
    assert store.decode_data_uri(uri).decode("utf-8") == text
    assert store.decode_data_uri(store.data_uri(b"\x00\xff", "application/octet-stream")) == b"\x00\xff"
    with pytest.raises(InvalidInputError) as caught:
        store.decode_data_uri("http://example.org")
    assert caught.value.field == "uri"


# ---------------------------------------------------------------------------------------------- never lose work
# Issue 7: visiting a step, re-opening it, switching cases, uploading or restarting must not change saved content.

def _json_without_dates(assessment: Assessment) -> dict:
    return _without_dates(json.loads(assessment.to_json()))


def _visit_every_step(bench: Workbench) -> None:
    for index in (1, 2, 3, 4, 0, 2, 1):  # through the tabs, as a person clicks them, and back
        bench.steps.selected_index = index
        assert index + 1 in bench.editors, bench.step_messages[index + 1].value


@pytest.mark.parametrize("key", example_keys())
def test_visiting_every_step_of_a_case_changes_nothing(tmp_path, key):
    bench = workbench(tmp_path, case=key)
    before = bench.assessment.to_json()
    _visit_every_step(bench)
    assert bench.assessment.to_json() == before
    assert bench.assessment.to_json() == example_assessment(key).to_json()
    assert bench.pending == set() and "Unsaved changes" not in bench.status.value
    assert bench.assessment_id is None and _stored(bench) is None  # a visit writes nothing


@pytest.mark.parametrize("key", example_keys())
def test_saving_every_step_unedited_keeps_the_case(tmp_path, key):
    bench = workbench(tmp_path, case=key)
    expected = _json_without_dates(example_assessment(key))
    for step in (1, 2, 3, 4, 5, 2, 3):  # Step 3 again after Step 2 rebuilt it
        assert bench.save_step(step), bench.step_messages[step].value
        assert _json_without_dates(bench.assessment) == expected, f"saving Step {step} changed the assessment"
    assert _json_without_dates(_stored(bench)) == expected


@pytest.mark.parametrize("key", example_keys())
def test_resumed_and_uploaded_cases_keep_their_steps(tmp_path, key):
    first = workbench(tmp_path, case=key)
    first.notes.value = "session 1"  # saved to the server
    expected = _json_without_dates(first.assessment)
    restarted = workbench(tmp_path)  # the server restarted: a fresh workbench on the same folder
    assert restarted.resume_saved(first.assessment_id)
    _visit_every_step(restarted)
    for step in (1, 2, 3, 4, 5):
        assert restarted.save_step(step), restarted.step_messages[step].value
    assert _json_without_dates(restarted.assessment) == expected
    uploaded = workbench(tmp_path / "other")
    uploaded.steps.selected_index = 1  # an editor open while a file comes in
    assert uploaded.load_json(first.assessment.to_json().encode("utf-8"), "case.json")
    assert 2 in uploaded.editors  # rebuilt from the uploaded file
    assert uploaded.editors[2]["parts"].selection.to_dict() == first.assessment.roles.to_dict()
    assert uploaded.save_step(2), uploaded.step_messages[2].value
    assert _json_without_dates(uploaded.assessment) == expected


@pytest.mark.parametrize("key", example_keys())
def test_step2_shows_the_saved_roles_not_a_new_ranking(tmp_path, key):
    from exsitu.widgets.roles import ranking_html

    bench = workbench(tmp_path, case=key)
    saved = example_assessment(key).roles
    parts = bench.open_step(2)["parts"]
    assert parts.selection.to_dict() == saved.to_dict()
    assert parts.ranking.value == ranking_html(saved)
    for decision in saved.decisions:
        if decision.rationale:
            assert html.escape(decision.rationale) in parts.ranking.value
    assert "saved roles" in parts.origin.value


def test_step2_decision_is_added_to_the_saved_roles(tmp_path):
    bench = workbench(tmp_path, case="panamanian-golden-frog")
    saved = bench.assessment.roles.to_dict()
    parts = bench.open_step(2)["parts"]
    parts.role.value = "education"
    assert "Unsaved changes" not in bench.status.value  # choosing the role to decide on is not an edit
    parts.rationale.value = "Golden frogs are a national symbol"
    parts.accept.click()
    assert bench.pending == {2}
    assert bench.save_step(2)
    after = bench.assessment.roles.to_dict()
    changed = [i for i, (a, b) in enumerate(zip(saved["decisions"], after["decisions"])) if a != b]
    assert [after["decisions"][i]["role"]["id"] for i in changed] == ["education"]
    assert after["decisions"][changed[0]]["rationale"] == "Golden frogs are a national symbol"
    assert after["log"] == saved["log"] + [{"role_id": "education", "status": after["decisions"][changed[0]]["status"],
                                            "why": "Golden frogs are a national symbol"}]
    assert after["basis"] == saved["basis"]


def test_step2_rerank_only_on_request_keeps_decisions_and_can_be_undone(tmp_path):
    bench = workbench(tmp_path, case="lord-howe-island-stick-insect")
    saved = bench.assessment.roles
    parts = bench.open_step(2)["parts"]
    assert parts.restore.layout.display == "none"
    parts.category.value = "EN"  # an edit: the roles are ranked again
    assert parts.reranked and parts.selection.basis["category"] == "EN"
    for decision in saved.decisions:
        if decision.status in ("accepted", "added", "rejected"):
            again = parts.selection.get(decision.role.id)
            assert again.status == decision.status and again.rationale == decision.rationale
    assert parts.selection.log == saved.log
    assert bench.assessment.roles.to_dict() == saved.to_dict()  # nothing saved until the step is saved
    parts.restore.click()
    assert parts.selection.to_dict() == saved.to_dict()
    parts.rerank.click()  # same inputs: the same ranking as saved
    assert [(d.role.id, d.score, d.status) for d in parts.selection.decisions] == \
        [(d.role.id, d.score, d.status) for d in saved.decisions]


def test_step2_of_a_file_with_unreadable_roles_says_so_and_keeps_them(bench):
    data = json.loads(example_assessment("panamanian-golden-frog").to_json())
    data["roles"]["taxon"] = 42
    assert bench.load_json(json.dumps(data).encode("utf-8"), "frog.json")
    assert "roles.taxon" in bench.message.value
    editor = bench.open_step(2)
    assert "could not be read" in editor["widget"].children[0].value
    bench.title.value = "kept"
    assert json.loads(_stored(bench).to_json())["roles"] == data["roles"]


def test_step1_saved_unedited_keeps_figures_stored_without_evidence(tmp_path):
    from exsitu.status_review import StatusReview
    from exsitu.threats import ThreatImpact

    review = StatusReview(taxon="Exemplia nova", category="CR", criteria="B1ab(iii)", eoo_km2=80.0, aoo_km2=12.0,
                          mature_individuals=35, threats=(ThreatImpact("7.1", "Ongoing", "Majority", "Slow"),))
    bench = workbench(tmp_path, taxon="Exemplia nova")
    bench.assessment.status_review = review
    bench.changed()
    expected = _json_without_dates(bench.assessment)
    assert bench.save_step(1)
    assert _json_without_dates(bench.assessment) == expected
    bench.editors[1]["category"].value = "EN"  # an edit of the category only keeps the figures
    assert bench.save_step(1)
    kept = bench.assessment.status_review
    assert kept.category == "EN" and (kept.eoo_km2, kept.aoo_km2, kept.mature_individuals) == (80.0, 12.0, 35)


def test_step3_edit_of_one_field_keeps_the_rest_of_the_need(tmp_path):
    bench = workbench(tmp_path, case="lord-howe-island-stick-insect")
    needs = [n.to_dict() for n in bench.assessment.population_needs]
    editor = bench.open_step(3)
    assert editor["choice"].value == "0" and editor["role"].value == needs[0]["role_id"]
    editor["notes"].value = "checked in the workshop"
    assert bench.save_step(3)
    after = [n.to_dict() for n in bench.assessment.population_needs]
    assert after[0] == {**needs[0], "notes": "checked in the workshop"}  # target, founders, PVA figures kept
    assert after[1:] == needs[1:]
    if len(needs) > 1:
        editor["choice"].value = "1"
        assert bench.pending == set()  # choosing the need to edit is not an edit
        assert editor["role"].value == needs[1]["role_id"] and editor["notes"].value == needs[1]["notes"]
    editor["choice"].value = "0"
    editor["parts"].years.value = 50  # a planner edit replaces the target of this need only
    assert bench.save_step(3)
    after = bench.assessment.population_needs
    assert after[0].target.years == 50 and after[0].pva == needs[0]["pva"]
    assert [n.to_dict() for n in after[1:]] == needs[1:]


def test_step5_resaved_keeps_the_date_and_notes_of_the_record(tmp_path):
    import dataclasses

    bench = workbench(tmp_path, case="wood-decay-fungi")
    bench.assessment.decision_record = dataclasses.replace(bench.assessment.decision_record,
                                                           notes="kept from the first workshop")
    record = bench.assessment.decision_record.to_dict()
    assert bench.save_step(5)
    assert bench.assessment.decision_record.to_dict() == record
    bench.editors[5]["parts"].reasoning.value = "The group re-read the evidence"
    assert bench.save_step(5)
    again = bench.assessment.decision_record
    assert again.reasoning == "The group re-read the evidence"
    assert again.date == record["date"] and again.notes == "kept from the first workshop"


def test_saving_step2_rebuilds_the_step3_editor_with_the_new_roles(tmp_path):
    bench = workbench(tmp_path, taxon="Exemplia nova")
    assert bench.open_step(3)["role"].options == ()
    parts = bench.open_step(2)["parts"]
    parts.role.value = "biobank"
    parts.rationale.value = "seeds store well"
    parts.accept.click()
    assert bench.save_step(2)
    assert 3 not in bench.editors
    assert "biobank" in bench.open_step(3)["role"].options


def test_switching_case_with_unsaved_edits_says_what_was_left_out(bench):
    bench.title.value = "saved"
    first_id = bench.assessment_id
    bench.open_step(4)["name"].value = "unsaved option"
    assert bench.start_case("canadian-snakes")
    assert "left out" in bench.message.value and first_id in bench.message.value
    assert bench.store.load_solo(first_id)[0].title == "saved"


def test_step2_restore_after_a_save_goes_back_to_what_was_saved(tmp_path):
    bench = workbench(tmp_path, taxon="Exemplia nova")
    parts = bench.open_step(2)["parts"]
    assert parts.base is None
    parts.role.value = "biobank"
    parts.rationale.value = "seeds store well"
    parts.accept.click()
    assert bench.save_step(2)
    saved = bench.assessment.roles.to_dict()
    parts.category.value = "CR"
    parts.restore.click()
    assert parts.selection.to_dict() == saved and parts.category.value == "NE"
    assert bench.save_step(2) and bench.assessment.roles.to_dict() == saved


def test_step2_of_roles_without_a_status_review_starts_from_their_basis(bench):
    data = json.loads(example_assessment("wood-decay-fungi").to_json())
    data["status_review"] = None
    assert bench.load_json(json.dumps(data).encode("utf-8"), "fungi.json")
    parts = bench.open_step(2)["parts"]
    saved = example_assessment("wood-decay-fungi").roles
    assert parts.selection.to_dict() == saved.to_dict()
    assert parts.category.value == saved.basis["category"] and not parts.can_hold_living.value


def test_step4_switching_options_keeps_edits_and_saving_twice_adds_one_option(tmp_path):
    bench = workbench(tmp_path, case="canadian-snakes")
    before = [f.to_dict() for f in bench.assessment.feasibility]
    editor = bench.open_step(4)
    first = editor["state"]["container"].parts
    first.factor_rows[0].evidence.value = "checked with the zoo's vet"
    editor["choice"].value = "__new__"
    editor["name"].value = "Head-starting"
    editor["choice"].value = "0"  # back to the first option: the same editor, nothing rebuilt
    assert editor["state"]["container"].parts is first
    assert bench.save_step(4)  # the named new option is saved too, once
    options = [f.option for f in bench.assessment.feasibility]
    assert options == [f["option"] for f in before] + ["Head-starting"]
    assert bench.assessment.feasibility[0].to_dict() == first.assessment.to_dict() != before[0]  # the edit
    assert [f.to_dict() for f in bench.assessment.feasibility[1:len(before)]] == before[1:]
    assert bench.save_step(4)  # saving again adds nothing
    assert [f.option for f in bench.assessment.feasibility] == options
    editor["choice"].value = str(len(before))  # the saved new option is now an option like the others
    assert editor["state"]["container"].parts.assessment.option == "Head-starting"


def test_step5_tab_evaluates_options_and_saves_outcomes(tmp_path):
    bench = workbench(tmp_path, case="canadian-snakes")
    editor = bench.open_step(5)
    parts = editor["parts"]
    row = parts.rows["insurance_living"]
    row.value.value = "high"
    row.openings["funding"].value = "SYNTHETIC: a 20-year funding pledge before founders are taken"
    parts.dissent_text.value = "SYNTHETIC: this is premature"
    parts.add_dissent()
    assert bench.save_step(5), bench.step_messages[5].value
    record = bench.assessment.decision_record
    assert record.outcomes["insurance_living"] == "recommended with conditions"
    assert record.chosen_option_ids == ("insurance_living",) and record.dissent[-1].anonymous
    assert "Insurance population — living individuals: recommended with conditions" in bench.step_summaries[5].value
    saved = json.loads(bench.store.load_solo(bench.assessment_id)[0].to_json())  # what the workshop store holds
    assert saved["decision_record"]["evaluations"][0]["outcome"] == "recommended with conditions"


# ------------------------------------------------------------------------ slow controls (issue 12): figures after text

def test_step4_and_the_step5_aid_draw_their_figures_after_the_text(tmp_path):
    bench = workbench(tmp_path, case="panamanian-golden-frog")
    parts = bench.open_step(4)["state"]["container"].parts
    assert parts.draw_in_background
    parts.wait_for_figures()
    assert parts.heatmap.value[:4] == b"\x89PNG" and parts.factors_chart.value[:4] == b"\x89PNG"
    parts.risk.value = next(r.id for r in parts.assessment.risks if r.rated)
    register, heatmap = parts.register.value, parts.heatmap.value
    parts.likelihood.value = 1 if parts.likelihood.value != 1 else 5
    assert parts.register.value != register                        # feedback at once
    parts.wait_for_figures()
    assert parts.heatmap.value != heatmap and parts.heatmap_status.value == ""   # then the heat maps
    aid = bench.open_step(5)["parts"].open_aid().parts
    assert aid.draw_in_background
    aid.wait_for_charts()
    chart = aid.contributions.value
    assert chart[:4] == b"\x89PNG"
    slider = next(iter(aid.weight_sliders.values()))
    slider.value = 0.05 if slider.value != 0.05 else 0.9
    aid.wait_for_charts()
    assert aid.contributions.value != chart and aid.contributions.value[:4] == b"\x89PNG"
