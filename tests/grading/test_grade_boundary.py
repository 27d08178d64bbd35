"""The boundary between learner code and tests (tools/grader/boundary.py), without kernels: what may cross the
restricted unpickler of the tests' kernel, and what the static check flags as possible tampering."""

from __future__ import annotations

import json
import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tools.grader import boundary  # noqa: E402
from tools.grader.checks import cell_kind  # noqa: E402

pytestmark = pytest.mark.grading


class FakeShell:
    def __init__(self) -> None:
        self.user_ns: dict = {}


@pytest.fixture()
def helper(tmp_path):
    """TEST_HELPER installed in this process (as the tests' kernel has it), with its namespace."""
    shell = FakeShell()
    code = boundary.helper_source(boundary.TEST_HELPER, str(tmp_path))
    exec(compile(code, "<test helper>", "exec"), {"get_ipython": lambda: shell, "__name__": "helper"})  # noqa: S102
    module = sys.modules.pop("_exsitu_grader")
    return module, shell.user_ns, tmp_path


def test_data_numpy_pandas_and_exsitu_values_cross(helper):
    from exsitu.redlist import categorize
    from exsitu.threats import ThreatImpact

    module, _, _ = helper
    result = categorize(eoo_km2=713.5, aoo_km2=88, locations=(2, 3, 7), severely_fragmented=False,
                        extreme_fluctuation=False, continuing_decline={"iii", "v"})
    fire = ThreatImpact("7.1", timing="Ongoing", scope="Whole (>90%)", severity="Rapid declines")
    frame = pd.DataFrame({"a": [1.5, 2.0], "when": pd.to_datetime(["2020-01-01", "2021-06-30"]),
                          "kind": pd.Categorical(["x", "y"])})
    frame.attrs["excluded"] = {"missing": 3}
    for value in (frame, frame["a"], np.arange(6).reshape(2, 3), np.float64(2.5), {"a": {1, 2}}, (1, "b", None),
                  np.random.default_rng(3)):
        back = module.loads(pickle.dumps(value, protocol=5))
        assert type(back) is type(value)
    back = module.loads(pickle.dumps(frame, protocol=5))
    assert back.equals(frame) and back.attrs == {"excluded": {"missing": 3}}
    assert module.loads(pickle.dumps(result)).category_range == result.category_range
    assert module.loads(pickle.dumps(fire)).impact == fire.impact


class Notebook:  # stands for a class defined in a learner's notebook
    def __eq__(self, other):
        return True


def crafted(*ops: bytes) -> bytes:
    return b"\x80\x04" + b"".join(ops) + b"."


@pytest.mark.parametrize("data", [
    pickle.dumps(print),                                   # a function
    crafted(b"cos\npath\n"),                                # a module
    crafted(b"cbuiltins\neval\n(S'1+1'\ntR"),              # eval
    crafted(b"cos\nsystem\n(S'true'\ntR"),                 # os.system
    crafted(b"cpandas\neval\n(S'1'\ntR"),                  # a pandas function that evaluates
    crafted(b"cbuiltins\ngetattr\n(cbuiltins\nobject\nS'__subclasses__'\ntR"),
    # BUILD with slot state on an existing class: would replace ThreatImpact.impact for every test
    crafted(b"cexsitu.threats\nThreatImpact\n(N}S'impact'\nS'Negligible'\nstt", b"b"),
    # a shared singleton (pandas.NA, named directly) given new state
    crafted(b"cpandas\nNA\n(N}S'x'\nS'y'\nstt", b"b"),
])
def test_the_unpickler_refuses_code_and_changes_to_existing_objects(helper, data):
    module, _, _ = helper
    with pytest.raises(Exception):  # noqa: B017 — any refusal will do; nothing may run or change
        module.loads(data)
    from exsitu.threats import ThreatImpact

    assert isinstance(ThreatImpact.__dict__.get("impact"), property)


def test_learner_classes_and_functions_cross_as_stand_ins(helper, tmp_path):
    module, ns, folder = helper
    Notebook.__module__ = "__main__"
    sys.modules["__main__"].Notebook = Notebook
    try:
        values = {"category": pickle.dumps(Notebook()), "n_kept": pickle.dumps(93)}
    finally:
        del sys.modules["__main__"].Notebook
    path = folder / "values.pkl"
    path.write_bytes(pickle.dumps({"values": values, "problems": {"fire": "TypeError: cannot pickle"}}))
    ns["stale"] = 1
    ns["_expected"] = "from an earlier test"
    module.load(str(path), ["category", "n_kept", "fire", "stale", "_expected"], ["_expected"])
    assert ns["n_kept"] == 93 and "stale" not in ns and ns["_expected"] == "from an earlier test"
    with pytest.raises(module.UngradableValue, match="category cannot be graded: it is a value of a class defined"):
        ns["category"] == "EN"  # noqa: B015
    with pytest.raises(module.UngradableValue, match="fire cannot be graded: TypeError"):
        ns["fire"].impact  # noqa: B018


def solution_cells(path: Path) -> list[tuple[str, str]]:
    notebook = json.loads(path.read_text())
    return [(cell_kind(c["metadata"].get("nbgrader", {}), c["cell_type"]), "".join(c["source"]))
            for c in notebook["cells"] if c["cell_type"] == "code"]


SETUP_01 = [("locked", "from exsitu import geo\nfrom exsitu.redlist import RESULT_CATEGORIES, categorize\n"
                       "PATH = 'x'\nfor c in range(3):\n    pass")]


@pytest.mark.parametrize("source, words", [
    ("get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])", "input_transformers_cleanup"),
    ("ip = get_ipython()\nip.ast_transformers.append(object())", "ast_transformers"),
    ("get_ipython().events.register('pre_run_cell', print)", "event"),
    ("categorize = lambda **k: None", "rebinds categorize"),
    ("from exsitu.redlist import categorize", "rebinds categorize"),
    ("geo.clean_occurrences = len", "changes geo.clean_occurrences"),
    ("import exsitu.geo as g\ng.area_of_occupancy = len", "changes g.area_of_occupancy"),
    ("setattr(geo, 'clean_occurrences', len)", "calls setattr on geo"),
    ("import sys\nsys.modules['exsitu.geo'] = None", "sys.modules"),
    ("import builtins\nbuiltins.isinstance = lambda *a: True", "changes builtins.isinstance"),
    ("exec('x = 1')", "dynamic code"),
    ("globals()['categorize'] = print", "changes globals()"),
])
def test_static_check_finds_tampering(source, words):
    found = boundary.static_tampering(source, boundary.protected_names(SETUP_01), boundary.exsitu_imports(SETUP_01))
    assert any(words in f for f in found), found


@pytest.mark.parametrize("source", [
    "%matplotlib inline\nimport matplotlib.pyplot as plt", "for c in 'abc':\n    print(c)",
    "result = categorize(eoo_km2=1, aoo_km2=1)", "summary = geo.range_summary(occurrences)",
    "PATHS = [1]\ndf = PATHS", "import numpy as np\nnp.random.seed(1)",
    "import sys\nprint(vars(result), file=sys.stderr)",
])
def test_static_check_leaves_ordinary_answers_alone(source):
    assert boundary.static_tampering(source, boundary.protected_names(SETUP_01),
                                     boundary.exsitu_imports(SETUP_01)) == []


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_no_solution_is_flagged(path):
    cells = solution_cells(path)
    protected, exsitu_names = boundary.protected_names(cells), boundary.exsitu_imports(cells)
    assert [f for kind, source in cells if kind in ("answer", "manual_code")
            for f in boundary.static_tampering(source, protected, exsitu_names)] == []


def test_names_a_test_reads():
    assert {"excluded", "n_kept", "geo", "PATH"} <= boundary.loads(
        "import pandas as _pd\n_reference = geo.clean_occurrences(_pd.read_csv(PATH))\nassert excluded == 1, n_kept")
    cell = boundary.parse_cell("%matplotlib inline\nfrom a import b as c\nx, y = 1, 2\nfor i in z:\n    pass\n"
                               "[k for k in z]")
    assert boundary.bindings(cell, loops=False) == {"c", "x", "y"}
    assert boundary.bindings(cell) == {"c", "x", "y", "i"}
