"""exsitu — a toolkit for the IUCN SSC Ex situ Conservation Assessment (ECA).

The five steps of the IUCN SSC *Guidelines on the Use of Ex Situ Management for Species Conservation*
(2014), and where each lives in this package:

1. Status review and threat analysis — :mod:`exsitu.redlist`, :mod:`exsitu.geo`, :mod:`exsitu.threats`
2. Roles ex situ management could play — :mod:`exsitu.roles`
3. Nature of the ex situ population — :mod:`exsitu.genetics`, :mod:`exsitu.pedigree`, :mod:`exsitu.pva`
4. Resources, feasibility and risks — :mod:`exsitu.feasibility`
5. An informed, transparent decision — :mod:`exsitu.decision`, :mod:`exsitu.assessment`, :mod:`exsitu.report`

Modules are imported lazily (``import exsitu; exsitu.geo``) so that apps start fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from exsitu.validation import InvalidInputError

__version__ = "0.1.0"

_SUBMODULES = {
    "assessment", "case_studies", "datasets", "decision", "decision_plots", "examples", "feasibility",
    "feasibility_plots", "genetics", "genetics_plots", "geo", "geo_plots", "pedigree", "pedigree_plots", "pva",
    "pva_plots", "redlist", "report", "roles", "status_review", "steps", "threats", "validation", "widgets",
}

__all__ = ["InvalidInputError", "__version__", *sorted(_SUBMODULES)]


def __getattr__(name: str) -> Any:
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"exsitu.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"exsitu.{name}":
                raise
    raise AttributeError(f"module 'exsitu' has no attribute {name!r}")
