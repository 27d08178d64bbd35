"""Tables a learner can read: full text, wrapped and left-aligned, instead of pandas' cut-off columns.

pandas shows at most 50 characters of a text cell in a notebook ("display.max_colwidth") and right-aligns
everything, so the reasons behind a Red List category or a role's score end in "…". The lessons and apps show
their tables through :func:`readable_table`, which keeps every character, wraps long text, aligns text to the
left and numbers to the right, and writes missing values as an empty cell. The table itself is unchanged: a
pandas ``Styler`` only decides how it is shown (``.data`` gives the DataFrame back).
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd
from pandas.io.formats.style import Styler

__all__ = ["readable_table"]

_WIDE_TEXT_EM = 34  # a column of long text is wrapped at about this width (em), so tables fit a notebook page


def readable_table(frame: pd.DataFrame, *, index: bool = True, wide_columns: Sequence[str] | None = None,
                   caption: str | None = None) -> Styler:
    """``frame`` styled for reading: no text cut off, long text wrapped, text left-aligned.

    ``index=False`` hides the row labels (e.g. a plain 0, 1, 2 …). ``wide_columns`` names the columns of long
    text to wrap at a reading width; by default every text column whose longest entry has more than 40
    characters. ``caption`` is shown above the table. Numbers keep pandas' formatting (at most 6 significant
    digits) and are right-aligned.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"readable_table needs a pandas DataFrame, got {type(frame).__name__}")
    text_columns = [column for column in frame.columns
                    if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column])]
    if wide_columns is None:
        wide_columns = [column for column in text_columns
                        if frame[column].dropna().astype(str).str.len().max() > 40]
    styler = frame.style.format(na_rep="", precision=6, escape="html")
    styler = styler.set_table_styles([
        {"selector": "th", "props": [("text-align", "left"), ("vertical-align", "top")]},
        {"selector": "td", "props": [("vertical-align", "top"), ("white-space", "normal")]},
    ], overwrite=False)
    if text_columns:
        styler = styler.set_properties(subset=text_columns, **{"text-align": "left"})
    if wide_columns:
        styler = styler.set_properties(subset=list(wide_columns), **{
            "min-width": "12em", "max-width": f"{_WIDE_TEXT_EM}em", "overflow-wrap": "anywhere"})
    if not index:
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    return styler
