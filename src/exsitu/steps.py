"""The five steps of an Ex situ Conservation Assessment, as data the lessons and apps share.

Step wording follows CPSG's published description of the ECA (source key CPSG-ECA in the course's
sources), itself the practical application of the IUCN SSC *Guidelines on the Use of Ex Situ Management
for Species Conservation*, version 2.0 (IUCN/SSC 2014). The key questions, inputs and outputs are the
course's teaching synthesis of those sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch


@dataclass(frozen=True)
class EcaStep:
    number: int
    title: str
    key_questions: str
    outputs: str
    modules: str


ECA_STEPS: tuple[EcaStep, ...] = (
    EcaStep(1, "Status review and threat analysis",
            "What is the wild status (numbers, trend, range)? Which threats act, and how severe are they? "
            "Which ex situ holdings already exist?",
            "Status summary; threats with their impact; list of unknowns",
            "exsitu.redlist, exsitu.geo, exsitu.threats"),
    EcaStep(2, "Roles ex situ management could play",
            "Which threats could ex situ work address, offset or buy time against? Could it help restore "
            "wild populations?",
            "Candidate roles, each linked to the threats or goals it serves",
            "exsitu.roles"),
    EcaStep(3, "Nature of the ex situ population each role needs",
            "What size, founders, genetic and demographic targets, duration, life stage or bio-sample type?",
            "A specification per role: target N and Ne, founders, gene diversity goal, duration",
            "exsitu.genetics, exsitu.pedigree, exsitu.pva"),
    EcaStep(4, "Resources, expertise, feasibility and risks",
            "Are methods, facilities, staff, funding and permits in place? What could go wrong, for the wild "
            "population, the ex situ population, other species and the institutions?",
            "Feasibility and risk appraisal per role, with mitigation",
            "exsitu.feasibility"),
    EcaStep(5, "An informed and transparent decision",
            "Does the expected benefit outweigh the costs and risks, compared with the alternatives? Which "
            "roles, if any, are retained?",
            "A documented decision — possibly 'no ex situ role' — that others can follow",
            "exsitu.decision, exsitu.assessment, exsitu.report"),
)


def eca_steps_table() -> pd.DataFrame:
    """The five steps as a table: title, key questions, outputs and where the toolkit covers each."""
    return pd.DataFrame(
        [{"step": s.number, "title": s.title, "key questions": s.key_questions, "outputs": s.outputs,
          "in the toolkit": s.modules} for s in ECA_STEPS]
    ).set_index("step")


def plot_eca_steps(highlight: int | None = None, ax=None) -> Figure:
    """Draw the five steps as a flow from status review to decision; ``highlight`` marks one step."""
    if ax is None:
        figure, ax = plt.subplots(figsize=(11, 2.6))
    else:
        figure = ax.figure
    width, gap = 1.8, 0.35
    for index, step in enumerate(ECA_STEPS):
        x = index * (width + gap)
        colour = "#f4a261" if step.number == highlight else "#a8dadc"
        ax.add_patch(FancyBboxPatch((x, 0), width, 1, boxstyle="round,pad=0.05", facecolor=colour,
                                    edgecolor="#1d3557"))
        words = step.title.split()
        lines, line = [], ""
        for word in words:
            if len(line) + len(word) > 17:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        ax.text(x + width / 2, 0.5, f"Step {step.number}\n" + "\n".join(lines), ha="center", va="center",
                fontsize=8.5)
        if index < len(ECA_STEPS) - 1:
            ax.add_patch(FancyArrowPatch((x + width + 0.04, 0.5), (x + width + gap - 0.04, 0.5),
                                         arrowstyle="-|>", mutation_scale=14, color="#1d3557"))
    ax.set_xlim(-0.1, len(ECA_STEPS) * (width + gap) - gap + 0.1)
    ax.set_ylim(-0.15, 1.15)
    ax.set_axis_off()
    ax.set_title("The five steps of an Ex situ Conservation Assessment (IUCN SSC 2014; CPSG)")
    return figure
