"""Tests for exsitu.widgets.population: changing a control changes the output; a bad upload shows a message.

Expected numbers come from the library functions the widgets call (the widgets compute nothing) and from the
domain file's worked examples (genetics-demography.md §5: L = 5 → Ne 96, N 952 at Ne/N 0.1; L = 10 with 20
founders → Ne ≥ 62.7). The studbook is the bundled SYNTHETIC frog studbook; the PVA parameters are ILLUSTRATIVE.
"""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from exsitu.datasets import data_path
from exsitu.genetics import founders_needed, population_target
from exsitu.pedigree import pedigree_summary, rank_pairings, read_studbook
from exsitu.pva import compare_scenarios
from exsitu.validation import InvalidInputError
from exsitu.widgets.population import (DEFAULT_STUDBOOK, WILD_PVA_PARAMETERS, population_planner, pva_comparison,
                                       pva_parameters, studbook_analyser)

PNG = b"\x89PNG"


# ------------------------------------------------------------------------------------------------ planner
def test_planner_matches_the_worked_examples_and_updates():
    parts = population_planner(generation_time=5, ne_to_n_ratio=0.1, founders=None).parts
    assert parts.target.effective_size == 96 and parts.target.census_size == 952        # domain T6
    assert "Ne = 96" in parts.result.value and "N = 952" in parts.result.value
    chart = parts.chart.value
    assert chart[:4] == PNG
    parts.generation_time.value = 10                                                     # domain T7
    assert parts.target.effective_size == 48 and "Ne = 48" in parts.result.value
    assert parts.chart.value != chart
    parts.use_founders.value = True
    parts.founders.value = 20                                                            # domain T9: 62.7
    assert parts.target.effective_size == 63
    assert parts.target == population_target(0.9, 100, 10, 0.1, founders=20)
    parts.ne_to_n_ratio.value = 0.3
    assert parts.target.census_size == population_target(0.9, 100, 10, 0.3, founders=20).census_size


def _fresh_chart_png(target) -> bytes:
    """The planner's chart drawn from scratch (independent of the widget's cache and kept Figure)."""
    import io

    from matplotlib.figure import Figure

    from exsitu.genetics_plots import plot_gene_diversity

    sizes = sorted({max(1, target.effective_size // 2), target.effective_size, 2 * target.effective_size})
    figure = Figure(figsize=(8, 4.2), layout="constrained")
    plot_gene_diversity(sizes, years=target.years, generation_time=target.generation_time,
                        initial_gene_diversity=target.initial_gene_diversity,
                        target_gene_diversity=target.target_gene_diversity, ax=figure.subplots())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def test_planner_shows_the_answer_before_the_chart_and_reuses_charts_already_drawn():
    parts = population_planner(founders=20).parts
    order = []
    parts.result.observe(lambda change: order.append("answer"), names="value")
    parts.chart.observe(lambda change: order.append("chart"), names="value")
    with_founders = parts.chart.value
    assert with_founders == _fresh_chart_png(parts.target)
    parts.use_founders.value = False
    assert order == ["answer", "chart"]
    assert parts.chart.value == _fresh_chart_png(parts.target) != with_founders
    drawn = parts._charts.misses
    parts.use_founders.value = True
    assert parts.chart.value == with_founders and parts._charts.misses == drawn   # reused, not redrawn
    parts.use_founders.value = False
    assert parts.chart.value == _fresh_chart_png(parts.target) and parts._charts.misses == drawn
    parts.years.value = 50                                                           # new inputs: drawn
    assert parts._charts.misses == drawn + 1 and parts.chart.value == _fresh_chart_png(parts.target)


def test_planner_in_the_background_shows_the_newest_chart_after_the_answer():
    parts = population_planner(founders=20, draw_in_background=True).parts
    first = parts.chart.value
    assert first == _fresh_chart_png(parts.target)                  # the first chart is drawn at once
    parts.years.value = 50                                          # a chart to draw on the drawing thread ...
    parts.use_founders.value = False                                # ... superseded by another change
    assert "founder deficit ignored" in parts.result.value         # the answer is there already
    parts.wait_for_chart()
    assert parts.chart.value == _fresh_chart_png(parts.target)
    parts.years.value = 100
    parts.use_founders.value = True                                 # seen before: shown at once
    assert parts.chart.value == first


def test_planner_founders_needed_follows_the_founding_goal():
    parts = population_planner(founding_goal=0.975).parts
    assert parts.founders_for_goal == 20                                                 # domain §4
    parts.founding_goal.value = 0.95
    assert parts.founders_for_goal == founders_needed(0.95) == 10
    assert "<b>10</b> unrelated founders" in parts.result.value


def test_planner_shows_a_message_when_the_founders_cannot_reach_the_target():
    parts = population_planner(founders=20).parts
    parts.founders.value = 5                                                             # 5 founders → GD0 0.90
    assert parts.target is None and parts.result.value == ""
    assert "Please check founders" in parts.message.value and "6 founders" in parts.message.value
    parts.founders.value = 6
    assert parts.target is not None and parts.message.value == ""


def test_planner_rejects_a_start_value_out_of_range():
    with pytest.raises(InvalidInputError) as error:
        population_planner(target_gene_diversity=1.2)
    assert error.value.field == "target_gene_diversity"
    with pytest.raises(InvalidInputError) as error:
        population_planner(founders=0)
    assert error.value.field == "founders"


# -------------------------------------------------------------------------------------- studbook analyser
def _upload(parts, content: bytes, name: str) -> None:
    parts.upload.value = ({"name": name, "type": "text/csv", "size": len(content), "content": memoryview(content),
                           "last_modified": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)},)


@pytest.fixture(scope="module")
def analyser():
    return studbook_analyser()


def test_analyser_opens_the_synthetic_studbook(analyser):
    parts = analyser.parts
    expected = pedigree_summary(read_studbook(data_path(DEFAULT_STUDBOOK)))
    assert parts.summary == expected
    assert "SYNTHETIC" in parts.summary_box.value
    assert f"{expected.gene_diversity:.4f}" in parts.summary_box.value
    assert f"{expected.founder_genome_equivalents:.2f}" in parts.summary_box.value
    assert len(parts.mk_table) == expected.n_living and parts.mk_table["mk"].is_monotonic_increasing
    assert parts.mk_chart.value[:4] == PNG and parts.founder_chart.value[:4] == PNG
    assert len(parts.pairings) == 10


def test_pairing_controls_change_the_pairings(analyser):
    parts = analyser.parts
    pedigree = read_studbook(data_path(DEFAULT_STUDBOOK))
    parts.top.value = 5
    assert len(parts.pairings) == 5
    parts.same_location.value = True
    expected = rank_pairings(pedigree, same_location=True, top=5)
    assert parts.pairings[["sire", "dam"]].values.tolist() == expected[["sire", "dam"]].values.tolist()
    assert (parts.pairings["sire_location"] == parts.pairings["dam_location"]).all()
    parts.max_kinship.value = 0.0
    assert (parts.pairings["kinship"] == 0).all()
    parts.same_location.value = False
    parts.max_kinship.value = None
    parts.top.value = 10


def test_a_bad_upload_shows_the_row_and_keeps_the_studbook(analyser):
    parts = analyser.parts
    before = parts.summary
    _upload(parts, b"id,sire,dam,sex\n1,,,M\n2,,,F\n3,1,2,M\n3,1,2,F\n", "duplicate.csv")
    assert "Please check studbook row 4" in parts.message.value and "duplicate" in parts.message.value
    assert "duplicate.csv was not loaded" in parts.message.value
    assert "Traceback" not in parts.message.value
    assert parts.summary == before
    _upload(parts, b"id,sire,dam,sex,alive\n1,,,F,no\n2,,,F,no\n3,1,2,M,yes\n", "sex.csv")
    assert "row 3" in parts.message.value and "recorded as female" in parts.message.value
    _upload(parts, b"id,sire,dam,sex\n1,,,M\n2,,,F\n", "no_alive.csv")
    assert "alive column" in parts.message.value
    _upload(parts, b"\x00\x01 not a table", "binary.csv")
    assert "Please check studbook" in parts.message.value


def test_a_good_upload_replaces_the_analysis():
    parts = studbook_analyser().parts
    # domain T10 (A, B, X founders; C, D full sibs of A × B; G = A × X), with X kept alive
    csv = b"id,sire,dam,sex,alive\nA,,,F,no\nB,,,M,no\nX,,,M,yes\nC,B,A,M,yes\nD,B,A,F,yes\nG,X,A,F,yes\n"
    _upload(parts, csv, "t10.csv")
    assert "Loaded t10.csv" in parts.message.value
    mk = parts.mk_table["mk"]
    # living {C, D, G, X}: hand-worked like domain T10 with X added
    assert mk["C"] == pytest.approx((0.5 + 0.25 + 0.125 + 0) / 4)
    assert mk["G"] == pytest.approx((0.125 + 0.125 + 0.5 + 0.25) / 4)
    assert parts.summary.n_living == 4
    parts.reset.click()
    assert parts.summary.n_living == pedigree_summary(read_studbook(data_path(DEFAULT_STUDBOOK))).n_living


def test_analyser_raises_for_a_bad_first_studbook():
    with pytest.raises(InvalidInputError) as error:
        studbook_analyser("id,sire,dam\n1,,\n")
    assert "studbook" in error.value.field


# ------------------------------------------------------------------------------------------ PVA comparison
@pytest.fixture(scope="module")
def comparison():
    return pva_comparison(years=30, replicates=200, seed=3)


def test_pva_shows_both_scenarios_as_the_library_runs_them(comparison):
    parts = comparison.parts
    assert list(parts.results) == ["wild only", "wild + ex situ releases"]
    expected = compare_scenarios(parts.scenarios, replicates=200, years=30, seed=3)
    assert parts.table.equals(expected)
    assert parts.fan_chart.value[:4] == PNG and parts.extinction_chart.value[:4] == PNG
    assert "wild + ex situ releases" in parts.summary.value
    released = parts.results["wild + ex situ releases"].summary()["total_released"]
    assert released > 0 and parts.results["wild only"].summary()["total_released"] == 0


def test_more_releases_change_the_output(comparison):
    parts = comparison.parts
    table, fan = parts.table, parts.fan_chart.value
    parts.releases_per_year.value = 20
    assert parts.fan_chart.value != fan and parts.summary.value
    assert parts.table.loc["wild + ex situ releases", "total_released"] > table.loc["wild + ex situ releases",
                                                                                    "total_released"]
    assert parts.scenarios["wild + ex situ releases"].release_females == 10
    assert parts.table.loc["wild only"].equals(table.loc["wild only"])   # wild only does not depend on releases
    parts.release_years.value = 0
    assert parts.scenarios["wild + ex situ releases"].release_years == ()
    parts.release_years.value = 10
    parts.releases_per_year.value = 6


def test_a_catastrophe_raises_extinction_risk(comparison):
    parts = comparison.parts
    parts.catastrophe_probability.value = 0.0
    calm = parts.table.loc["wild only", "extinction_probability"]
    assert parts.scenarios["wild only"].catastrophes == ()
    parts.catastrophe_probability.value = 0.3
    parts.catastrophe_severity.value = 0.8
    assert parts.table.loc["wild only", "extinction_probability"] > calm
    parts.catastrophe_probability.value = 0.05
    parts.catastrophe_severity.value = 0.3


def test_an_impossible_ev_shows_a_message(comparison):
    parts = comparison.parts
    parts.adult_survival.value = 0.99
    parts.survival_sd.value = 0.2                                  # SD² = 0.04 > 0.99 · 0.01
    assert "Please check adult_survival_sd" in parts.message.value
    assert parts.results is None and parts.summary.value == ""
    parts.survival_sd.value = 0.05
    assert parts.message.value == "" and parts.results is not None
    parts.adult_survival.value = WILD_PVA_PARAMETERS.adult_survival


def test_pva_runs_once_per_setting_and_shows_the_same_result_going_back(monkeypatch):
    from exsitu.widgets import population

    calls = []
    real = population.run_scenarios

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(population, "run_scenarios", counting)
    parts = pva_comparison(years=20, replicates=50, seed=5).parts
    order = []
    parts.summary.observe(lambda change: order.append("table"), names="value")
    parts.fan_chart.observe(lambda change: order.append("fan"), names="value")
    parts.extinction_chart.observe(lambda change: order.append("extinction"), names="value")
    first = (parts.summary.value, parts.fan_chart.value, parts.extinction_chart.value, parts.table)
    parts.releases_per_year.value = 12
    assert order == ["table", "fan", "extinction"]
    assert parts.table.equals(compare_scenarios(parts.scenarios, replicates=50, years=20, seed=5))
    assert len(calls) == 2
    parts.releases_per_year.value = 6
    assert len(calls) == 2                                          # the first setting again: not run again
    assert (parts.summary.value, parts.fan_chart.value, parts.extinction_chart.value) == first[:3]
    assert parts.table.equals(first[3])


def test_pva_parameters_builds_the_two_scenarios():
    scenarios = pva_parameters(WILD_PVA_PARAMETERS, initial_size=40, juvenile_survival=0.5, adult_survival=0.8,
                               mean_offspring=3.0, survival_sd=0.05, carrying_capacity=300,
                               catastrophe_probability=0.1, catastrophe_severity=0.5, releases_per_year=5,
                               release_years=4)
    wild, supplemented = scenarios["wild only"], scenarios["wild + ex situ releases"]
    assert wild.release_years == () and wild.initial_size == 40 and wild.carrying_capacity == 300
    assert wild.catastrophes[0].probability == 0.1 and wild.catastrophes[0].fecundity_severity == 0.5
    assert supplemented.release_years == (1, 2, 3, 4)
    assert (supplemented.release_females, supplemented.release_males) == (3, 2)
    assert dataclasses.replace(supplemented, release_years=(), release_females=0, release_males=0) == wild
    with pytest.raises(InvalidInputError) as error:
        pva_parameters(WILD_PVA_PARAMETERS, initial_size=40, juvenile_survival=1.5, adult_survival=0.8,
                       mean_offspring=3.0, survival_sd=0.0, carrying_capacity=300, catastrophe_probability=0.0,
                       catastrophe_severity=0.0, releases_per_year=0, release_years=0)
    assert error.value.field == "juvenile_survival"


def test_pva_comparison_rejects_a_diffusion_base():
    with pytest.raises(InvalidInputError) as error:
        pva_comparison(dataclasses.replace(WILD_PVA_PARAMETERS, model="diffusion", initial_size=60.0,
                                           juvenile_survival_sd=0.0, adult_survival_sd=0.0,
                                           breeding_probability_sd=0.0, catastrophes=()))
    assert error.value.field == "base"


def test_a_large_studbook_uses_the_sparse_methods_and_says_so():
    from exsitu.pedigree import synthetic_studbook
    from exsitu.widgets.population import MK_TABLE_ROWS, studbook_analyser
    table = synthetic_studbook(4000, 10, n_living=2500, seed=7)
    content = table.to_csv(index=False).encode()
    parts = studbook_analyser().parts
    assert "full kinship matrix" in parts.message.value  # the bundled frog studbook is small
    assert parts.load(content, "big.csv")
    message = parts.message.value
    assert "sparse methods for 4,000 individuals" in message and "Colleau" in message
    assert "lowest-mk candidates of the 2,500 living" in message
    assert f"The {MK_TABLE_ROWS:,} living individuals with the lowest mk" in parts.mk_table_box.value
    assert parts.mk_table_box.value.count("<tr") == MK_TABLE_ROWS + 1
    ped = read_studbook(content)
    expected = rank_pairings(ped, top=parts.top.value)
    assert list(parts.pairings["sire"]) == list(expected["sire"]) and list(parts.pairings["dam"]) == list(expected["dam"])
    assert parts.summary == pedigree_summary(ped)
