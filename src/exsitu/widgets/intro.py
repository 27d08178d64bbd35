"""Widgets for the introduction lesson: explore the course's real case studies."""

from __future__ import annotations

import html

import ipywidgets as widgets

from exsitu.case_studies import CASE_STUDIES, CaseStudy


def case_study_card(case: CaseStudy) -> str:
    """An HTML card summarising one case study."""
    def row(label: str, value: str) -> str:
        return f"<tr><th style='text-align:left;padding-right:1em;vertical-align:top'>{label}</th>" \
               f"<td>{html.escape(value)}</td></tr>"

    return (
        f"<h4>{html.escape(case.common_name)} (<i>{html.escape(case.scientific_name)}</i>)</h4><table>"
        + row("Organism", case.organism)
        + row("Red List", case.red_list)
        + row("Main threats", "; ".join(case.main_threats))
        + row("Ex situ roles", "; ".join(case.ex_situ_roles))
        + row("Living or bio-samples", case.living_or_samples)
        + row("Founders", case.founders)
        + row("Outcome", case.outcome)
        + row("Lesson for an ECA", case.eca_lesson)
        + row("Sources (course keys)", ", ".join(case.sources))
        + "</table>"
    )


def case_study_explorer() -> widgets.VBox:
    """Filter the case studies by kind of organism and by living/bio-sample, and read each one's card."""
    organisms = ["any"] + sorted({case.organism for case in CASE_STUDIES})
    kinds = ["any", "living", "bio-samples", "both"]
    organism = widgets.Dropdown(options=organisms, value="any", description="Organism")
    kind = widgets.Dropdown(options=kinds, value="any", description="Ex situ as")
    species = widgets.Dropdown(description="Case", layout=widgets.Layout(width="32em"))
    card = widgets.HTML()

    def matching() -> list[CaseStudy]:
        return [c for c in CASE_STUDIES
                if organism.value in ("any", c.organism) and kind.value in ("any", c.living_or_samples)]

    def refresh_options(_=None) -> None:
        cases = matching()
        species.options = [(f"{c.common_name} — {c.organism}", c.key) for c in cases]
        if cases:
            if species.value not in [c.key for c in cases]:
                species.value = cases[0].key
            show()
        else:
            card.value = "<p>No case study matches these filters; choose 'any' for one of them.</p>"

    def show(_=None) -> None:
        chosen = next((c for c in CASE_STUDIES if c.key == species.value), None)
        if chosen is not None:
            card.value = case_study_card(chosen)

    organism.observe(refresh_options, names="value")
    kind.observe(refresh_options, names="value")
    species.observe(show, names="value")
    refresh_options()
    return widgets.VBox([widgets.HBox([organism, kind]), species, card])
