"""constraints.txt is the single source of pinned versions; Binder, conda and the Makefile must agree with it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;#]+)")


def read_pins(lines: list[str]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            name = canonicalize_name(match.group(1).split("[")[0])
            assert name not in pins, f"{name} is pinned twice"
            pins[name] = match.group(2)
    return pins


def constraints() -> dict[str, str]:
    return read_pins((ROOT / "constraints.txt").read_text().splitlines())


def test_every_dependency_of_the_project_is_pinned():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    pins = constraints()
    missing = [req for req in wanted if canonicalize_name(Requirement(req).name) not in pins]
    assert not missing, f"not pinned in constraints.txt (run `make pins`): {missing}"


def test_binder_requirements_match_constraints():
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    binder = read_pins(lines)
    pins = constraints()
    assert binder, "binder/requirements.txt pins nothing"
    unpinned = [line for line in lines if line.strip() and not line.startswith("#") and not PIN.match(line)]
    assert not unpinned, f"binder/requirements.txt has unpinned lines: {unpinned}"
    disagree = {name: (version, pins.get(name)) for name, version in binder.items() if pins.get(name) != version}
    assert not disagree, f"binder/requirements.txt disagrees with constraints.txt (run `make pins`): {disagree}"
    runtime = [canonicalize_name(Requirement(r).name)
               for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
    assert set(runtime) <= set(binder), f"Binder lacks runtime dependencies: {set(runtime) - set(binder)}"


def test_environment_yml_matches_constraints():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    dependencies = environment["dependencies"]
    assert "pip" in dependencies
    python = [d for d in dependencies if isinstance(d, str) and d.startswith("python")]
    assert python == ["python=3.11"], python
    pip_section = next(d["pip"] for d in dependencies if isinstance(d, dict) and "pip" in d)
    conda_pins = read_pins(pip_section)
    binder = read_pins((ROOT / "binder" / "requirements.txt").read_text().splitlines())
    assert conda_pins == binder, "environment.yml and binder/requirements.txt differ (run `make pins`)"
    assert "-e ." in pip_section, "environment.yml must install exsitu itself"


def test_binder_python_matches_environment():
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_makefile_installs_from_constraints_only():
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "pip install" in line]
    assert installs, "the Makefile installs nothing"
    for line in installs:
        assert "constraints.txt" in line or "UV_VERSION" in line, f"unpinned install in Makefile: {line.strip()}"
    assert constraints().get("uv"), "the installer uv must be pinned in constraints.txt"
