import html

import pandas as pd
import pytest

from exsitu.redlist import categorize
from exsitu.roles import suggest_roles
from exsitu.steps import eca_steps_table
from exsitu.tables import readable_table


def _cells(frame):
    return [str(value) for column in frame.columns for value in frame[column] if isinstance(value, str)]


@pytest.mark.parametrize("frame", [
    categorize(eoo_km2=80, aoo_km2=8, locations=1, continuing_decline={"iii"}).explanations_table(),
    eca_steps_table(),
])
def test_every_character_of_every_text_cell_is_shown(frame):
    shown = html.unescape(readable_table(frame).to_html())
    long_cells = [cell for cell in _cells(frame) if len(cell) > 50]
    assert long_cells, "the table has text pandas would cut off"
    for cell in _cells(frame):
        assert cell in shown
    # pandas' own HTML cuts these cells at 50 characters: the reason this helper exists.
    with pd.option_context("display.max_colwidth", 50):
        assert not all(cell in html.unescape(frame._repr_html_()) for cell in long_cells)


def test_text_is_wrapped_left_aligned_and_escaped():
    frame = pd.DataFrame({"name": ["<b>bold</b>", "x"], "reason": ["word " * 30, "short"], "score": [1.5, None]})
    shown = readable_table(frame, index=False, caption="Reasons").to_html()
    assert "&lt;b&gt;bold&lt;/b&gt;" in shown and "<b>bold</b>" not in shown
    assert "text-align: left" in shown and "white-space: normal" in shown and "max-width" in shown
    assert "Reasons" in shown
    assert ">nan<" not in shown.replace(" ", "")


def test_wide_columns_can_be_named_and_index_hidden():
    frame = pd.DataFrame({"a": ["x" * 10], "b": ["y" * 10]}, index=["row-label"])
    shown = readable_table(frame, index=False, wide_columns=["b"]).to_html()
    assert "row-label" not in shown
    assert shown.count("max-width") == 1


def test_roles_table_can_use_role_names():
    from exsitu.examples import example_assessment
    review = example_assessment("lord-howe-island-stick-insect").status_review
    frame = suggest_roles(review).to_frame().set_index("name")
    shown = readable_table(frame[["score", "reasons"]]).to_html()
    assert "Insurance" in shown or "insurance" in shown.lower()


def test_not_a_frame_is_refused():
    with pytest.raises(TypeError):
        readable_table([1, 2, 3])


def test_role_log_shows_names_not_ids():
    from exsitu.examples import example_assessment
    selection = example_assessment("lord-howe-island-stick-insect").roles
    log = selection.log_frame()
    assert list(log.columns) == ["role", "status", "why"] and len(log) == len(selection.log)
    names = {d.role.name for d in selection.decisions}
    assert set(log["role"]) <= names
    assert "insurance" not in set(log["role"])
