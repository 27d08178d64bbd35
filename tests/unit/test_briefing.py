"""The briefing book: every example renders in both formats, user text is escaped, open questions appear."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from exsitu import briefing
from exsitu.assessment import Assessment, Participant
from exsitu.briefing import MAX_TABLE_ROWS, MAX_TEXT_CHARS, OpenQuestion, open_questions, render_briefing_book
from exsitu.examples import example_assessment, example_keys
from exsitu.report import render_briefing_book as from_report
from exsitu.status_review import StatusReview
from exsitu.threats import ThreatImpact
from exsitu.validation import InvalidInputError

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("About this briefing book", "The species and its status", "The ex situ population",
            "Roles and options under discussion", "Open questions for the workshop", "Sources")


@pytest.mark.parametrize("key", example_keys())
@pytest.mark.parametrize("format", ["html", "markdown"])
def test_every_example_renders_in_both_formats(key, format):
    assessment = example_assessment(key)
    text = from_report(assessment, format, figures=False)
    for title in SECTIONS:
        assert title in text, f"{key}: no section '{title}'"
    assert assessment.taxon.split(" (")[0] in text
    if format == "html":
        assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
        assert "<script" not in text
    else:
        assert text.startswith("# Briefing book")
    assert len(text) < 200_000, "the briefing book is meant to be short"


def test_html_with_figures_embeds_the_report_figures():
    text = render_briefing_book(example_assessment("lord-howe-island-stick-insect"), "html")
    assert text.count('<img src="data:image/png;base64,') >= 1  # gene diversity figure of Step 3
    assert render_briefing_book(example_assessment("lord-howe-island-stick-insect"), "html") == text, "deterministic"


def test_range_map_drawn_from_occurrence_records():
    from exsitu.geo import read_occurrences

    assessment = example_assessment("exemplia-montana")
    records = read_occurrences(ROOT / "data" / "occurrences" / "synthetic_montane_shrub.csv")
    without = render_briefing_book(assessment, "html")
    with_map = render_briefing_book(assessment, "html", occurrences=records)
    assert with_map.count("<img") == without.count("<img") + 1
    assert "Range map of Exemplia montana" in with_map
    assert "no map is drawn" in without and "no map is drawn" not in with_map


def test_occurrences_without_coordinates_are_refused_by_name():
    import pandas as pd

    with pytest.raises(InvalidInputError) as error:
        render_briefing_book(example_assessment("exemplia-montana"), "html", occurrences=pd.DataFrame({"x": [1]}))
    assert error.value.field == "occurrences"


def test_studbook_summary_when_a_pedigree_is_given():
    from exsitu.pedigree import read_studbook

    pedigree = read_studbook(ROOT / "data" / "studbooks" / "synthetic_frog_studbook.csv")
    text = render_briefing_book(example_assessment("panamanian-golden-frog"), "markdown", figures=False,
                                pedigree=pedigree)
    assert "Studbook summary" in text
    assert "**Living:** 57" in text
    assert re.search(r"Gene diversity retained \(GD = 1 − MK\):\*\* 0\.\d{3}", text)


def test_user_text_is_escaped_in_html():
    hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    assessment = dataclasses.replace(
        example_assessment("canadian-snakes"), title=hostile, notes=hostile,
        participants=[Participant(hostile, organisation=hostile)],
        status_review=StatusReview("Snake <b>bold</b>", knowledge_gaps=(hostile,), ex_situ_holdings=hostile))
    text = render_briefing_book(assessment, "html", figures=False)
    assert "<script>" not in text and "<img src=x" not in text and "<b>bold" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    markdown = render_briefing_book(assessment, "markdown", figures=False)
    assert "<script>" not in markdown and "<img src=x" not in markdown


def test_open_questions_appear_when_data_is_missing():
    bare = Assessment(taxon="Nothing known yet")
    questions = open_questions(bare)
    topics = {q.topic for q in questions}
    assert {"Status review", "Roles", "Options", "Decision", "Participants", "Sources"} <= topics
    assert all(isinstance(q, OpenQuestion) and 1 <= q.step <= 5 for q in questions)
    text = render_briefing_book(bare, "html")
    assert "No status review is recorded" in text and "Not yet done" in text


def test_open_questions_name_unknown_criteria_unscored_threats_and_undecided_roles():
    frog = example_assessment("panamanian-golden-frog")
    review = StatusReview("Atelopus zeteki", category="DD",
                          threats=(ThreatImpact("8.1", "unknown", "unknown", "unknown", "chytrid"),),
                          knowledge_gaps=("Whether any wild population survives",))
    frog = dataclasses.replace(frog, status_review=review, decision_record=None)
    questions = open_questions(frog)
    text = " ".join(q.question for q in questions)
    assert "The category is DD" in text
    assert "Threat 8.1" in text
    assert "Whether any wild population survives" in text
    assert "Suggested but not yet accepted or rejected" in text
    assert "mature individuals" in text
    assert any(q.topic == "Decision" for q in questions), "no decision recorded is an open question"
    complete = {q.topic for q in open_questions(example_assessment("panamanian-golden-frog"))}
    assert "Decision" not in complete


def test_redlist_unknown_criteria_become_a_question():
    questions = open_questions(example_assessment("exemplia-montana"))
    criteria = [q for q in questions if q.topic == "Red List criteria"]
    assert len(criteria) == 1 and "A, C1, C2, D" in criteria[0].question and "move the category up" in criteria[0].why


def test_unrated_feasibility_factors_are_open_questions():
    from exsitu.feasibility import FeasibilityAssessment

    fungi = example_assessment("wood-decay-fungi")
    fresh = FeasibilityAssessment.for_roles("Fresh option", ["biobank"])
    questions = open_questions(dataclasses.replace(fungi, feasibility=[fresh]))
    factors = [q for q in questions if q.topic == "Unrated factors"]
    assert factors and "Fresh option" in factors[0].question
    assert any(q.topic == "Unrated risks" for q in questions)


def test_output_is_bounded():
    many = tuple(f"gap {i} " + "x" * (MAX_TEXT_CHARS * 3) for i in range(500))
    assessment = dataclasses.replace(example_assessment("canadian-snakes"),
                                     status_review=StatusReview("Snakes", knowledge_gaps=many))
    assessment.notes = "y" * 100_000  # over the Assessment's own limit: set after construction, by code
    text = render_briefing_book(assessment, "markdown", figures=False)
    assert "more characters" in text
    assert f"First {MAX_TABLE_ROWS} of" in text
    assert len(text) < 1_000_000
    assert "y" * (MAX_TEXT_CHARS + 1) not in text


def test_bad_format_and_arguments_are_named():
    assessment = example_assessment("canadian-snakes")
    for kwargs, field in (({"format": "pdf"}, "format"), ({"format": "html", "figures": "yes"}, "figures")):
        with pytest.raises(InvalidInputError) as error:
            render_briefing_book(assessment, **kwargs)
        assert error.value.field == field
    with pytest.raises(InvalidInputError) as error:
        render_briefing_book({"taxon": "x"}, "html")
    assert error.value.field == "assessment"
    with pytest.raises(InvalidInputError) as error:
        render_briefing_book(assessment, "html", pedigree="studbook.csv")
    assert error.value.field == "pedigree"


def test_large_studbook_is_not_summarised(monkeypatch):
    from exsitu.pedigree import read_studbook

    monkeypatch.setattr(briefing, "MAX_STUDBOOK_INDIVIDUALS", 10)
    pedigree = read_studbook(ROOT / "data" / "studbooks" / "synthetic_frog_studbook.csv")
    text = render_briefing_book(example_assessment("panamanian-golden-frog"), "markdown", figures=False,
                                pedigree=pedigree)
    assert "more than the briefing book summarises" in text and "Studbook summary" not in text
