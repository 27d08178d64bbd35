"""The assessment report: both formats for every example, well-formed standalone HTML, escaping, gaps, determinism."""

from __future__ import annotations

import base64
import html
import json
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exsitu import report
from exsitu.assessment import Assessment, Participant, PopulationNeed, Source, load_assessment
from exsitu.decision import Decision, options_from_roles
from exsitu.examples import example_assessment
from exsitu.feasibility import FeasibilityAssessment
from exsitu.genetics import population_target
from exsitu.report import NOT_YET_DONE, render_report, save_report
from exsitu.roles import suggest_roles
from exsitu.status_review import StatusReview
from exsitu.threats import ThreatImpact
from exsitu.validation import InvalidInputError

KEYS = ["panamanian-golden-frog", "lord-howe-island-stick-insect", "wood-decay-fungi", "canadian-snakes",
        "exemplia-montana"]
SECTIONS = ["Summary", "Step 1 — Status review and threat analysis", "Step 2 — Roles of ex situ management",
            "Step 3 — Nature of the ex situ population", "Step 4 — Resources, feasibility and risks",
            "Step 5 — Decision", "Sources"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Checker(HTMLParser):
    """Checks nesting (every start tag closed in order) and collects tags and link/src attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: dict[str, int] = {}
        self.links: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "data") or name.startswith("on"):
                self.links.append((tag, name, value or ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _check_html(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert page.startswith("<!DOCTYPE html>")
    assert not checker.errors, checker.errors[:5]
    assert not checker.stack, f"unclosed: {checker.stack}"
    for tag in ("html", "head", "body", "title", "style"):
        assert checker.tags.get(tag) == 1, tag
    for tag in ("script", "link", "iframe", "object", "embed"):
        assert tag not in checker.tags, f"<{tag}> must not appear"
    assert "url(" not in page and "@import" not in page, "no external CSS resources"
    return checker


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[Assessment, str, str]]:
    out = {}
    for key in KEYS:
        assessment = example_assessment(key)
        out[key] = (assessment, render_report(assessment, "html"), render_report(assessment, "markdown"))
    return out


@pytest.mark.parametrize("key", KEYS)
def test_every_example_renders_in_both_formats_with_its_recommendation(key, rendered):
    assessment, page, markdown = rendered[key]
    text = " ".join(_check_html(page).text)
    for document in (text, markdown):
        for section in SECTIONS:
            assert section in document
        assert NOT_YET_DONE not in document, "every step of the examples is done"
        if key == "canadian-snakes":
            assert "Ex situ management is not recommended" in document
            assert "Ex situ management is recommended" not in document
        else:
            assert "Ex situ management is recommended" in document
            assert "not recommended" not in document.split("Step 1")[0], "the summary does not say 'not recommended'"
        for role in assessment.roles.accepted_roles():
            assert role.name in document
        for feasibility in assessment.feasibility:
            assert feasibility.summary().label in document
        for source in assessment.sources:
            assert f"[{source.key}]" in document.replace("\\[", "[").replace("\\]", "]")
        assert "most sensitive to the weight of" in document
        assert "The group's reasoning" in document
    assert markdown.count("data:image/png;base64,") == page.count("data:image/png;base64,") > 0


@pytest.mark.parametrize("key", KEYS)
def test_population_needs_risks_and_sensitivity_are_stated(key, rendered):
    assessment, page, _ = rendered[key]
    text = html.unescape(page)
    for need in assessment.population_needs:
        if need.target is not None:
            assert f"Ne ≥ {need.target.effective_size:,}" in text and f"N ≥ {need.target.census_size:,}" in text
        if need.samples is not None:
            assert f"{need.samples:,} individuals sampled" in text
    for feasibility in assessment.feasibility:
        for risk in feasibility.risks:
            assert f"{risk.likelihood}×{risk.consequence} = {risk.rating} ({risk.level})" in text
    decision = assessment.decision_record.decision
    for item in decision.sensitivity().items:
        for point in (item.increase_to, item.decrease_to):
            if point is not None:
                assert f"{max(point, 0.0):.3f}" in text, f"{item.criterion}: weight where the top option changes"
        if item.robust:
            assert f"{item.criterion} (weight {item.current_weight:.2f}): no weight between 0 and 1" in text


def test_html_links_only_to_sources_and_embeds_everything(rendered):
    for key, (assessment, page, _) in rendered.items():
        checker = _check_html(page)
        urls = {source.url for source in assessment.sources if source.url}
        for tag, attribute, value in checker.links:
            assert not attribute.startswith("on"), "no event handlers"
            if attribute == "src":
                assert tag == "img" and value.startswith("data:image/png;base64,")
            else:
                assert value.startswith("#") or value in urls, f"{key}: unexpected link {value!r}"
        anchors = {value[1:] for _, attribute, value in checker.links if value.startswith("#")}
        for anchor in anchors:
            assert f'id="{anchor}"' in page
        assert "@media print" in page and "break-before: page" in page


def test_figures_are_real_pngs_without_software_tag(rendered):
    page = rendered["lord-howe-island-stick-insect"][1]
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 5  # gene diversity, factors, risk matrices, contributions, sensitivity
    for data in images:
        png = base64.b64decode(data)
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
        assert b"Software" not in png and b"matplotlib" not in png.lower()
    assert len(re.findall(r"data:image/png", rendered["wood-decay-fungi"][1])) == 4, "no genetic target, no GD plot"


def test_output_is_deterministic():
    assessment = example_assessment("canadian-snakes")
    first = (render_report(assessment, "html"), render_report(assessment, "md"))
    report._figure_png.cache_clear()
    second = (render_report(example_assessment("canadian-snakes"), "html"),
              render_report(example_assessment("canadian-snakes"), "markdown"))
    assert first == second


def test_markdown_tables_keep_their_columns_and_figures_can_be_left_out(rendered):
    _, _, markdown = rendered["exemplia-montana"]
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert rows
    table: list[int] = []
    for line in markdown.splitlines() + [""]:
        if line.startswith("|"):
            table.append(len(re.findall(r"(?<!\\)\|", line)))
        elif table:
            assert len(set(table)) == 1, "every row of a table has the same number of cells"
            table = []
    lean = render_report(example_assessment("exemplia-montana"), "md", figures=False)
    assert "data:image" not in lean and "## Step 3" in lean
    assert re.sub(r"!\[[^\]]*\]\(data:image/png;base64,[^)]*\)\n\n\*[^\n]*\*\n\n", "", markdown) == lean
    page = render_report(example_assessment("exemplia-montana"), "html", figures=False)
    assert "data:image" not in page and "<figure>" not in page
    _check_html(page)


def _hostile() -> Assessment:
    evil = '<script>alert("x")</script> Fakeus | <b>bold</b> & co'
    review = StatusReview(taxon=evil, category="CR", notes="<img src=x onerror=alert(1)>",
                          threats=(ThreatImpact("8.1", "Ongoing", "Whole", "Very rapid declines",
                                                "pipe | and <i>tag</i>\n# not a heading"),))
    return Assessment(taxon=evil, title=evil, notes="[link](javascript:alert(1)) **x**", status_review=review,
                      participants=[Participant('Ann <img src=x onerror="alert(2)">', organisation="A & B")],
                      sources=[Source("X<1>", "Citation <script>bad()</script>", "javascript:alert(3)"),
                               Source("ok", "A real one", "https://example.org/page?a=1&b=2")])


def test_user_text_is_escaped_in_html():
    page = render_report(_hostile(), "html")
    checker = _check_html(page)
    assert "<script" not in page.lower() and "<img src=x" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Fakeus" in page
    assert "javascript:" not in {value for _, _, value in checker.links}
    assert [value for tag, attribute, value in checker.links if tag == "a" and not value.startswith("#")] == \
        ["https://example.org/page?a=1&b=2"]
    assert "<title>&lt;script&gt;" in page


def test_user_text_is_escaped_in_markdown():
    markdown = render_report(_hostile(), "markdown")
    assert "<script" not in markdown.lower() and "<img" not in markdown and "<b>" not in markdown
    assert "&lt;script&gt;" in markdown
    assert not re.search(r"(?<!\\)\]\(javascript:", markdown), "no link can be injected"
    assert "\n# not a heading" not in markdown and "\\# not a heading" in markdown
    assert "<https://example.org/page?a=1&b=2>" in markdown
    threat_rows = [line for line in markdown.splitlines() if line.startswith("| 8.1")]
    assert len(threat_rows) == 1 and len(re.findall(r"(?<!\\)\|", threat_rows[0])) == 8


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_empty_assessment_says_every_step_is_not_yet_done(fmt):
    text = render_report(Assessment(taxon="Testus incompletus", created="2025-01-01"), fmt)
    assert text.count(NOT_YET_DONE) >= 5  # summary lines and steps 1-4
    assert "Step 5 not yet done" in text and "No sources recorded" in text
    assert "data:image" not in text
    if fmt == "html":
        _check_html(text)


def test_partly_done_assessment_shows_what_exists():
    review = StatusReview(taxon="Atelopus zeteki", category="CR",
                          threats=(ThreatImpact("8.1", "Ongoing", "Whole", "Very rapid declines", "Bd"),))
    roles = suggest_roles(review)
    roles.accept("insurance", "Bd cannot yet be controlled in the wild")
    decision = Decision(title="Draft decision", options=tuple(options_from_roles(["insurance"])))
    decision = decision.with_score("insurance_living", "conservation_benefit", 9, "keeps the species")
    assessment = Assessment(taxon="Atelopus zeteki", status_review=review, roles=roles, decision=decision,
                            created="2025-01-01")
    text = html.unescape(render_report(assessment, "html"))
    assert "Insurance population (assurance colony)" in text and "Bd cannot yet be controlled" in text
    assert "Step 5 not yet done: no decision has been recorded" in text
    assert "not yet scored, so the options cannot be ranked" in text
    assert text.split('id="step-3"')[1].split('id="step-4"')[0].count(NOT_YET_DONE) == 1
    complete = decision
    for option in decision.option_ids:
        for criterion in decision.criterion_ids:
            if complete.score(option, criterion) is None:
                complete = complete.with_score(option, criterion, 5, "draft")
    assessment.decision = complete
    text = render_report(assessment, "markdown")
    assert "Optional aid only (weighted scoring, which does not decide the outcome) so far: Recommended:" in text


def test_unreadable_sections_are_reported_not_lost():
    data = example_assessment("wood-decay-fungi").to_dict()
    data["feasibility"] = "garbled"
    loaded, problems = load_assessment(json.dumps(data))
    assert problems
    text = render_report(loaded, "html")
    assert "could not be read" in text and "&quot;garbled&quot;" in text
    assert "Step 4 — Resources" in text


@pytest.mark.parametrize("fmt", ["pdf", "", None, 3, "htm l"])
def test_bad_format_names_the_field(fmt):
    with pytest.raises(InvalidInputError) as caught:
        render_report(Assessment(taxon="x"), fmt)
    assert caught.value.field == "format"


def test_format_aliases_and_bad_arguments():
    assessment = Assessment(taxon="x", created="2025-01-01")
    assert render_report(assessment, "md") == render_report(assessment, "markdown") == render_report(assessment, "MD")
    assert render_report(assessment, "HTML") == render_report(assessment, "html")
    with pytest.raises(InvalidInputError) as caught:
        render_report({"taxon": "x"}, "html")
    assert caught.value.field == "assessment"
    with pytest.raises(InvalidInputError) as caught:
        render_report(assessment, "html", figures="yes")
    assert caught.value.field == "figures"


def test_save_report_chooses_the_format_by_extension(tmp_path):
    assessment = example_assessment("canadian-snakes")
    for name, fmt in (("r.html", "html"), ("sub/r.HTM", "html"), ("r.md", "markdown"), ("r.markdown", "markdown")):
        path = save_report(assessment, tmp_path / name)
        assert path == tmp_path / name
        assert path.read_text(encoding="utf-8") == render_report(assessment, fmt)
    with pytest.raises(InvalidInputError) as caught:
        save_report(assessment, tmp_path / "r.pdf")
    assert caught.value.field == "path"
    assert not (tmp_path / "r.pdf").exists()


# -- any assessment renders: partial steps, odd text, incomplete or degenerate decisions -------------------

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("<>&|*_[]#`\n"),
                max_size=25)
_NAME = _TEXT.filter(lambda s: s.strip() != "")


@st.composite
def _assessments(draw) -> Assessment:
    taxon = draw(_NAME)
    assessment = Assessment(taxon=taxon, notes=draw(_TEXT), created="2025-01-01",
                            sources=[Source(draw(_NAME), draw(_NAME), draw(st.sampled_from(["", "https://a.org/x",
                                                                                              "ftp://x", "<x>"])))])
    if not draw(st.booleans()):
        return assessment
    review = StatusReview(taxon=taxon, category=draw(st.sampled_from(["CR", "EN", "VU", "LC", "DD", "NE"])),
                          threats=(ThreatImpact(draw(st.sampled_from(["8.1", "5.1", "7.1"])), "Ongoing",
                                                draw(st.sampled_from(["Whole", "Minority (<50%)"])),
                                                "Rapid declines", draw(_TEXT)),),
                          wild_population=draw(_TEXT), knowledge_gaps=tuple(draw(st.lists(_NAME, max_size=2))))
    assessment.status_review = review
    if not draw(st.booleans()):
        return assessment
    roles = suggest_roles(review)
    role_ids = draw(st.lists(st.sampled_from(["insurance", "biobank", "research"]), max_size=2, unique=True))
    for role_id in role_ids:
        roles.accept(role_id, draw(_NAME))
    assessment.roles = roles
    for role_id in role_ids:
        target = population_target(0.9, 100, generation_time=draw(st.floats(1, 20)), founders=draw(
            st.sampled_from([None, 30]))) if draw(st.booleans()) else None
        assessment.population_needs.append(PopulationNeed(role_id, target=target, notes=draw(_TEXT),
                                                          pva=draw(st.sampled_from([{}, {"a": 1.5}, {"s": {"p": 0.1}}]))))
        feasibility = FeasibilityAssessment.for_roles(draw(_NAME), [role_id])
        if draw(st.booleans()):
            feasibility.update_risk(feasibility.risks[0].id, likelihood=draw(st.integers(1, 5)),
                                    consequence=draw(st.integers(1, 5)), mitigation=draw(_TEXT))
        assessment.feasibility.append(feasibility)
    if role_ids:
        decision = Decision(title=draw(_NAME), options=tuple(options_from_roles(role_ids)))
        complete = draw(st.booleans())
        for option in decision.option_ids:
            for criterion in decision.criterion_ids:
                if complete or draw(st.booleans()):
                    decision = decision.with_score(option, criterion, draw(st.integers(0, 10)), draw(_TEXT))
        if draw(st.booleans()):
            decision = decision.with_weights({c: draw(st.sampled_from([0, 0.5, 2])) for c in decision.criterion_ids})
        assessment.decision = decision
        if complete and draw(st.booleans()):
            chosen = draw(st.sampled_from(decision.option_ids))
            try:
                assessment.decision_record = decision.record(chosen, reasoning=draw(_NAME), date="2025-01-02")
            except InvalidInputError:
                pass  # e.g. all weights zero: nothing to record
    return assessment


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_assessments())
def test_any_assessment_renders_escaped_and_well_formed(assessment):
    page = render_report(assessment, "html", figures=False)
    checker = _check_html(page)
    assert "<script" not in page.lower().replace("&lt;script", "")
    links = [value for tag, attribute, value in checker.links if attribute == "href" and not value.startswith("#")]
    assert set(links) <= {"https://a.org/x"}
    markdown = render_report(assessment, "markdown", figures=False)
    assert "<script" not in markdown.lower() and "## Step 5" in markdown
    done = assessment.steps_done()
    assert (NOT_YET_DONE in page) == (not all(done[n] for n in (1, 2, 3, 4)))


def test_a_possibly_extinct_tag_is_shown_with_the_category():
    from exsitu.assessment import Assessment
    from exsitu.redlist import categorize
    from exsitu.report import render_report
    from exsitu.status_review import StatusReview
    review = StatusReview(taxon="Atelopus exemplus (SYNTHETIC)", taxon_group="amphibian",
                          redlist=categorize(mature_individuals=0, possibly_extinct_in_the_wild=True))
    text = render_report(Assessment(taxon=review.taxon, status_review=review), "markdown")
    assert "CR(PEW) D" in text


# -- Step 5 as the guidelines frame it -------------------------------------------------------------------

def _step5_text(assessment: Assessment) -> str:
    markdown = render_report(assessment, "markdown", figures=False)
    return markdown[markdown.index("## Step 5"):markdown.index("## Sources")].replace("\\", "")


def test_step5_shows_the_sequence_outcomes_conditions_deferral_evidence_and_dissent():
    assessment = example_assessment("lord-howe-island-stick-insect")
    record = assessment.decision_record
    text = _step5_text(assessment)
    assert "The evaluation: conservation value → structure → feasibility and risk gates" in text
    assert text.index("The evaluation") < text.index("Optional aid: weighted scoring"), "the sequence comes first"
    for evaluation in record.evaluations:
        assert f"{evaluation.option.name} — {evaluation.outcome}" in text
        for condition in evaluation.conditions if evaluation.outcome == "recommended with conditions" else ():
            assert condition in text
    assert "What evidence would change the deferral" in text
    assert "confirmation that the 2019 rodent eradication succeeded" in text
    assert "The risk of doing nothing ex situ (No ex situ action):" in text and "Ball's Pyramid, no collection" in text
    dissent = record.dissent[0]
    assert f"{dissent.by} (on 'Reintroduction — living individuals'): {dissent.text}" in text
    assert "it does not decide the outcome" in text and "Step 5 outcome" in text
    summary = render_report(assessment, "markdown", figures=False).split("## Step 1")[0]
    assert "Outcome of each option (Step 5)" in summary and "deferred until" in summary


def test_step5_of_a_not_recommended_case_names_the_stage_that_decided_and_anonymous_dissent():
    assessment = example_assessment("canadian-snakes")
    text = _step5_text(assessment)
    assert "Ex situ management is not recommended" in text
    assert "Conservation value — FAILS: low:" in text
    assert "anonymous: ILLUSTRATIVE: one participant asked to re-assess" in text
    assert "Without ex situ action ('wild only (ILLUSTRATIVE)' projection" in text


def test_step5_of_an_old_record_says_the_outcomes_were_not_recorded():
    assessment = example_assessment("canadian-snakes")
    assessment.decision_record = assessment.decision.record(date="2024-01-01", dissent=["kept as text"])
    text = _step5_text(assessment)
    assert "the outcome of each option is not recorded" in text and "anonymous: kept as text" in text
