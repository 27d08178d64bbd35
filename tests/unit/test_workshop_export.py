"""Workshop export: lossless JSON round trip through import_workshop, and the HTML/Markdown workshop report."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from exsitu.assessment import Assessment
from exsitu.decision import example_decision
from exsitu.validation import InvalidInputError
from exsitu.workshop import AccessDenied, Dissent, render_workshop_report

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def _filled_workshop(store):
    ws = store.create_workshop("Golden frog ECA", "Atelopus zeteki", "2026-12-03", ["Group A", HOSTILE])
    a, b = store.groups(ws.join_code)
    ana = store.join(ws.join_code, a.id, "Ana", "Zoo <X>", "ex situ")
    bo = store.join(ws.join_code, a.id, HOSTILE, "", "community")
    store.join(ws.join_code, b.id, "Cy", "", "authority")
    assessment, version = store.load_assessment(ws.join_code, a.id)
    assessment.decision = example_decision("frog_insurance")
    version = store.save_assessment(ws.join_code, a.id, assessment, version, "Ana", "Step 5 options")
    assessment.notes = HOSTILE
    store.save_assessment(ws.join_code, a.id, assessment, version, "Bo", "notes")
    option = assessment.decision.options[-1].id
    for who, benefit, vote in ((ana, 8, "recommend"), (ana, 7, "recommend with conditions"), (bo, 2, "not recommended")):
        store.submit_judgement(ws.join_code, a.id, who.id, "step5",
                               scores={option: {"conservation_benefit": benefit, "risk": 4}},
                               weights={"conservation_benefit": 2, "risk": 1}, vote=vote, confidence="medium",
                               reason=f"reason {benefit} {HOSTILE}")
    store.record_decision(ws.join_code, a.id, outcome="Insurance population", rationale="Because",
                          dissent=[Dissent(HOSTILE, bo.id), Dissent("Too costly")], recorded_by="Facilitator")
    return ws, a, b


def test_export_import_round_trip_is_lossless(store):
    ws, a, _b = _filled_workshop(store)
    exported = store.export_workshop(ws.facilitator_key)
    assert json.loads(json.dumps(exported)) == exported  # JSON-serialisable as it is
    assert ws.facilitator_key not in json.dumps(exported)  # only its hash leaves the store
    group = exported["groups"][0]
    assert [v["version"] for v in group["document"]["versions"]] == [1, 2, 3]
    assert len(group["judgements"]) == 3 and sum(j["superseded_at"] is None for j in group["judgements"]) == 2
    assert group["decisions"][0]["dissent"][1] == {"text": "Too costly", "participant_id": None,
                                                    "display_name": "anonymous"}
    with pytest.raises(InvalidInputError, match="workshop.id"):
        store.import_workshop(exported)
    with store.engine.begin() as connection:  # remove it, then bring it back from the export
        connection.execute(text("DELETE FROM workshops WHERE id = :id"), {"id": ws.id})
    with pytest.raises(AccessDenied):
        store.workshop_by_key(ws.facilitator_key)
    imported = store.import_workshop(json.dumps(exported))
    assert imported.id == ws.id and imported.join_code == ws.join_code
    again = store.export_workshop(ws.facilitator_key)  # the original key opens the imported workshop
    exported.pop("exported_at"), again.pop("exported_at")
    assert again == exported
    assessment, version = store.load_assessment(ws.join_code, a.id)
    assert version == 3 and assessment.notes == HOSTILE
    overview = store.overview(ws.facilitator_key)
    assert overview[0].participants == 2 and overview[0].judgements == {"step5": 2}


def test_import_refuses_bad_exports_naming_the_field(store):
    ws, _a, _b = _filled_workshop(store)
    exported = store.export_workshop(ws.facilitator_key)
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM workshops WHERE id = :id"), {"id": ws.id})
    cases = [
        (lambda d: d.update(format="exsitu-assessment"), "format"),
        (lambda d: d["workshop"].update(join_code="bad"), "workshop.join_code"),
        (lambda d: d["groups"][0]["participants"][0].update(perspective="zoo"), "groups[0].participants[0].perspective"),
        (lambda d: d["groups"][0]["judgements"][0].update(reason="r" * 5001), "groups[0].judgements[0].reason"),
        (lambda d: d["groups"][0]["judgements"][0]["scores"].update(x={"c": "NaN"}), "groups[0].judgements[0].scores"),
        (lambda d: d["groups"][1].pop("decisions"), "groups[1].decisions"),
    ]
    for spoil, field in cases:
        bad = json.loads(json.dumps(exported))
        spoil(bad)
        with pytest.raises(InvalidInputError) as error:
            store.import_workshop(bad)
        assert error.value.field.startswith(field), (field, error.value.field)
    with pytest.raises(AccessDenied):  # nothing was written by the refused imports
        store.workshop_by_code(ws.join_code)


def test_workshop_report_has_every_group_judgement_decision_and_escapes_text(store):
    ws, _a, _b = _filled_workshop(store)
    exported = store.export_workshop(ws.facilitator_key)
    page = render_workshop_report(exported, figures=False)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    for expected in ("Workshop report — Golden frog ECA", "Group: Group A", "Group: &lt;script&gt;", "Insurance population",
                     "anonymous: Too costly", "Too costly", "Zoo &lt;X&gt;", "recommend with conditions",
                     "not recommended", "Hemming", "What if the dissenters were right", "Step 5 options",
                     "Cy", "No decision was recorded", "No judgements were submitted"):
        assert expected in page, expected
    # the aggregation: current judgements 7 and 2 on benefit -> median 4.5, IQR 2.5 (Q1 3.25, Q3 5.75)
    assert "<td>4.5</td>" in page and "<td>3.25–5.75</td>" in page and "<td>2.5</td>" in page
    markdown = render_workshop_report(exported, "markdown", figures=False)
    assert "# Workshop report — Golden frog ECA" in markdown and "<script>" not in markdown
    with pytest.raises(InvalidInputError, match="format"):
        render_workshop_report(exported, "pdf")
    with pytest.raises(InvalidInputError, match="export"):
        render_workshop_report({"format": "other"})
