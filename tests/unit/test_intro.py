import pandas as pd
import pytest

from exsitu.case_studies import CASE_STUDIES, case_study, case_study_table
from exsitu.steps import ECA_STEPS, eca_steps_table, plot_eca_steps
from exsitu.validation import InvalidInputError
from exsitu.widgets.intro import case_study_explorer


def test_five_steps_in_order():
    assert [s.number for s in ECA_STEPS] == [1, 2, 3, 4, 5]
    table = eca_steps_table()
    assert list(table.index) == [1, 2, 3, 4, 5]
    assert table.loc[5, "title"].lower().startswith("an informed and transparent decision")


def test_steps_plot_has_a_box_per_step():
    figure = plot_eca_steps(highlight=2)
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert sum(t.startswith("Step ") for t in texts) == 5


def test_case_studies_cover_every_kind_of_organism_and_a_not_recommended_outcome():
    organisms = {c.organism for c in CASE_STUDIES}
    assert {"vertebrate", "invertebrate", "plant", "fungus"} <= organisms
    assert any("NOT recommended" in c.outcome for c in CASE_STUDIES)
    assert any(c.living_or_samples == "bio-samples" for c in CASE_STUDIES)
    assert all(c.sources for c in CASE_STUDIES), "every case names its sources"


def test_case_study_lookup_and_table():
    assert case_study("wollemi-pine").organism == "plant"
    with pytest.raises(InvalidInputError, match="key"):
        case_study("dodo")
    table = case_study_table()
    assert isinstance(table, pd.DataFrame) and len(table) == len(CASE_STUDIES)


def test_case_study_explorer_filters_and_shows_a_card():
    explorer = case_study_explorer()
    organism, kind = explorer.children[0].children
    species, card = explorer.children[1], explorer.children[2]
    organism.value = "fungus"
    assert [key for _, key in species.options] == ["wood-decay-fungi"]
    assert "Amylocystis" in card.value
    organism.value = "plant"
    kind.value = "bio-samples"
    assert species.options == () or len(species.options) == 0
    assert "No case study matches" in card.value
