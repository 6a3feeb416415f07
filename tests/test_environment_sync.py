"""environment.yml (conda users) and pyproject.toml (pip, CI) must list the same packages and Python."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import REPO


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(spec: str) -> str:
    return re.sub(r"\s+", "", spec[len(_name(spec)):])


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(py["dependencies"]) + [d for extra in py["optional-dependencies"].values() for d in extra]
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]  # PyPI-only packages, and simlib itself
    conda += [d for d in pip if not d.startswith("-")]
    conda_specs = {_name(d): _spec(d) for d in conda}
    pyproject_specs = {_name(d): _spec(d) for d in wanted}
    assert set(pyproject_specs) <= set(conda_specs), f"missing in environment.yml: {set(pyproject_specs) - set(conda_specs)}"
    extra = set(conda_specs) - set(pyproject_specs) - {"python", "pip"}
    assert not extra, f"in environment.yml but not in pyproject.toml: {extra}"
    for name, spec in pyproject_specs.items():
        assert conda_specs[name] == spec, f"{name}: pyproject {spec!r} vs environment.yml {conda_specs[name]!r}"
    assert conda_specs["python"] == "=3.11" and py["requires-python"] == ">=3.11"


def test_ci_pins_satisfy_pyproject_ranges():
    from packaging.requirements import Requirement

    pins = {}
    for line in (REPO / "requirements" / "ci.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            n, v = line.split("==")
            pins[n.lower().replace("_", "-")] = v
    py = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dep in list(py["dependencies"]) + [d for extra in py["optional-dependencies"].values() for d in extra]:
        req = Requirement(dep)
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{name} has no pin in requirements/ci.txt"
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {req.specifier}"
