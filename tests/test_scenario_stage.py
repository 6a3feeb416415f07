"""The scenario stage's design rules: lever types, one schedule, exact proportions, no file reading outside inputs."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import yaml

from simlib.inputs import bundle as data
from simlib.inputs.levers import lever_file
from simlib.scenarios import engine as S
from simlib.scenarios import levers as L
from simlib.scenarios.lever_types import LEVER_TYPES, ShareLever
from simlib.scenarios.new_tracks import take_proportionally

ROOT = Path(__file__).resolve().parents[1] / "simlib"
N = 200


@pytest.fixture(scope="module")
def bundle():
    return data.load_bundle()


@pytest.fixture(scope="module")
def lv():
    return L.load_levers()


@pytest.fixture(scope="module")
def base(bundle, lv):
    return S.simulate_baseline(bundle, "vn.long_an", S.RunConfig(n_draws=N, years=tuple(range(2022, 2031)), seed=5),
                               levers=lv)


# --------------------------------------------------------------------------
# the engine names no lever type; models and scenarios open no file
# --------------------------------------------------------------------------
def _code_words(path: Path) -> set[str]:
    """Identifiers, attribute names and string constants of a module, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None:
            docs.add(id(node.body[0].value))
    words = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.add(node.id)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            words.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):  # modules named after a lever type count too
            for mod in [getattr(node, "module", None) or ""] + [a.name for a in node.names]:
                words.update(mod.split("."))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            words.update(re.findall(r"[A-Za-z_]+", node.value))
    return words


def test_engine_names_no_lever_type(lv):
    names = set(LEVER_TYPES) | {c.__name__ for c in LEVER_TYPES.values()} | set(lv.levers) | set(lv.flow_levers)
    names |= {"overflow", "grade10_public_share", "thpt_private_share", "track_sources", "utilisation",
              "students_per_school", "mechanism"}
    names |= {c.__module__.rsplit(".", 1)[-1] for c in LEVER_TYPES.values()}   # counselling, price, quota, ...
    used = _code_words(ROOT / "scenarios" / "engine.py")
    assert not names & used, f"engine.py names lever types or levers: {sorted(names & used)}"


def test_assess_and_apps_test_no_lever_type(lv):
    """Verdict notes, the inverse solve and the explorer ask the lever objects (lag_range, caveats, has_settings)."""
    kinds = {k for k, c in LEVER_TYPES.items() if c.section == "levers"}      # counselling, price, information
    classes = {c.__name__ for c in LEVER_TYPES.values()}
    bad = []
    for path in sorted((ROOT / "assess").glob("*.py")) + sorted((ROOT / "apps").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "mechanism" or \
                    isinstance(node, (ast.Name, ast.Attribute)) and getattr(node, "id", getattr(node, "attr", "")) \
                    in classes:
                bad.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
            if isinstance(node, ast.Compare) and any(isinstance(c, ast.Constant) and c.value in kinds
                                                     for c in [node.left, *node.comparators]):
                bad.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    assert not bad, "lever types named outside simlib/scenarios:\n" + "\n".join(bad)


def test_lever_types_say_their_lag_caveats_and_settings(lv, base):
    import dataclasses

    from simlib.assess.feasibility import solve_lever

    c, p = lv.levers["counselling_g9"], lv.levers["tuition_support_g9"]
    lags = c.priors["lag_years"].params["values"]
    assert c.lag_range() == (min(lags), max(lags)) and p.lag_range() is None
    assert c.has_settings("coverage", "counsellors_per_school") and not p.has_settings("counsellors_per_school")
    assert p.has_settings("support_vnd") and p.caveats(base) == []
    unknown = dataclasses.replace(base, cohort_known=False)
    assert c.caveats(unknown) == [("dose_optimistic", {"students_per_teacher": 250})]
    # the lever acts the year after its setting at the earliest: asked for the same year, the solve says why
    ind = c.indicator
    x = base.shares[ind][:, base.unit_index("vn.long_an"), base.year_index(2028)]
    res = solve_lever(base, L.Scenario("s"), "counselling_g9", "coverage", indicator=ind, unit="vn.long_an",
                      year=2028, target=float(np.median(x)), p=0.9, start_year=2028)
    assert not res.reachable and res.p_at_max == res.p_at_min
    assert res.message.endswith(f"The lever cannot change it: counselling acts {min(lags):g}-{max(lags):g} school "
                                "years after coverage is reached.")


_READS = re.compile(r"\bopen\(|read_csv|read_excel|read_table\(|yaml\.|read_text\(|read_bytes\(|json\.load|np\.load\("
                    r"|\.glob\(")


@pytest.mark.parametrize("stage", ["evidence", "models", "scenarios"])
def test_no_module_outside_inputs_reads_a_file(stage):
    bad = []
    for path in sorted((ROOT / stage).glob("*.py")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if _READS.search(code):
                bad.append(f"{path.name}:{i}: {line.strip()}")
    assert not bad, "file reading outside simlib/inputs:\n" + "\n".join(bad)


def test_one_default_lever_file(bundle):
    """The run, a case and a scenario read alone use the same rule for the default lever file."""
    from simlib.inputs.case import load_case, load_case_inputs
    assert lever_file(bundle.data_dir) == Path(bundle.data_dir) / "levers.yaml"
    inputs = load_case_inputs(load_case("long_an_2025"))
    assert inputs.levers_path == lever_file(inputs.bundle.data_dir)


def test_scenario_is_checked_once_per_lever_set(lv):
    sc = L.Scenario("x").with_settings("counselling_g9", coverage={2027: 1.0})
    s1 = sc.resolve(lv, range(2022, 2031))
    assert sc.resolve(lv, range(2022, 2031)) is s1            # resolved and checked once
    assert [k.key for k, _ in s1.entries] == ["counselling_g9"]
    other = L.load_levers()                                    # another lever set: checked again, against it
    assert sc.resolve(other, range(2022, 2031)) is not s1
    bad = L.Scenario("y").with_settings("counselling_g9", coverage=1.5)
    with pytest.raises(L.LeverError, match="outside its plausible range"):
        bad.resolve(lv, range(2022, 2031))


# --------------------------------------------------------------------------
# adding a lever type: one class plus its row in the lever file
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Bonus(ShareLever):
    """A toy lever type: a fixed bonus on a steered share times a dose (0-1); cost per student of the cohort."""

    kind: ClassVar[str] = "toy_bonus"
    PRIORS: ClassVar[tuple[str, ...]] = ("effect",)
    SETTINGS: ClassVar[tuple[str, ...]] = ("dose",)
    COST: ClassVar[tuple[str, ...]] = ("vnd_per_student",)

    def effect(self, values, p, base):
        dose = self.setting(values, "dose", base.years)
        return p["effect"][:, None, None] * dose[None, None, :] * np.ones((1, len(base.units), 1))

    def cost(self, values, base, seats):
        dose = self.setting(values, "dose", base.years)
        per = self.cost_params["vnd_per_student"][0]
        return np.broadcast_to(base.cohort * dose[None, :] * per, (base.n, len(base.units), len(base.years))).copy()


def test_a_new_lever_type_is_one_class_and_one_row(bundle, tmp_path, monkeypatch):
    monkeypatch.setitem(LEVER_TYPES, Bonus.kind, Bonus)
    doc = yaml.safe_load(lever_file().read_text(encoding="utf-8"))
    doc["levers"]["toy_g9"] = {
        "mechanism": "toy_bonus", "indicator": "thcs_to_gdnn_sc_tc", "name_en": "Toy", "name_vi": "Thử",
        "settings": {"dose": {"unit": "0-1", "min": 0.0, "max": 1.0, "default": 0.0}},
        "priors": {"effect": {"dist": "fixed", "value": 0.01, "status": "illustrative", "source": "a test"}},
        "cost": {"vnd_per_student": {"value": 1000, "status": "illustrative", "source": "a test"}}}
    path = tmp_path / "levers.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    lv = L.load_levers(path)
    assert isinstance(lv.levers["toy_g9"], Bonus)
    cfg = S.RunConfig(n_draws=50, years=tuple(range(2024, 2031)), seed=3, as_of=2026)
    base = S.simulate_baseline(bundle, "vn.long_an", cfg, levers=lv)
    res = S.apply_scenario(base, L.Scenario("toy").with_settings("toy_g9", dose={2028: 1.0}))
    ind = "thcs_to_gdnn_sc_tc"
    k = base.year_index(2028)
    eff = res.effects[ind]["toy_g9"]
    assert (eff[:, :, :k] == 0).all() and np.all(eff[:, :, k:] == 0.01)
    s0 = base.shares[ind]
    room = base.draws.max_feasible[ind][:, None, None] - s0
    ok = np.isfinite(s0) & (room >= 0.01)
    np.testing.assert_allclose(res.demand[ind][ok], np.clip(s0 + np.where(base.active_years() & (
        np.asarray(base.years) >= 2028), 0.01, 0.0)[None, None, :], 0, 1)[ok], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(res.costs["toy_g9"][:, :, k:], np.broadcast_to(base.cohort[None, :, k:] * 1000.0,
                                                                                 res.costs["toy_g9"][:, :, k:].shape))
    # a row naming a kind nobody registered is refused with the known kinds
    doc["levers"]["toy_g9"]["mechanism"] = "toy_unknown"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(L.LeverError, match=r"levers.toy_g9: mechanism must be one of counselling, price, "
                                           r"information, toy_bonus; got 'toy_unknown'"):
        L.load_levers(path)


# --------------------------------------------------------------------------
# exact proportions
# --------------------------------------------------------------------------
def _thcs_shares(res, base):
    grads = res.graduates["thcs"]
    return {t: res.intake[("thcs", t)] / grads for t in S.TRACKS["thcs"]}


def test_steered_students_split_over_their_tracks_in_proportion(base, lv):
    """A lever raising THCS -> sơ cấp/trung cấp keeps sơ cấp : trung cấp as in the baseline, in every cell, and
    the other destinations give in proportion to their own shares."""
    sc = L.Scenario("t").with_settings("tuition_support_g9", support_vnd={2025: 9e6}, coverage=1.0)
    res = S.apply_scenario(base, sc)
    old, new = _thcs_shares(S.apply_scenario(base, L.Scenario("baseline")), base), _thcs_shares(res, base)
    focus = base.registry["thcs_to_gdnn_sc_tc"].destinations
    assert set(focus) == {"so_cap", "trung_cap"}
    k = base.year_index(2028)
    f_old = sum(old[t] for t in focus)[:, :, k]
    m = np.isfinite(f_old) & (f_old > 0)                                            # cells with graduates
    assert m.mean() > 0.9
    old = {t: v[:, :, k][m] for t, v in old.items()}
    new = {t: v[:, :, k][m] for t, v in new.items()}
    f_old, f_new = f_old[m], sum(new[t] for t in focus)
    assert (f_new > f_old + 1e-4).mean() > 0.5                                      # the lever moved students
    assert not np.allclose(old["so_cap"], old["trung_cap"])                         # an equal split would differ
    assert not np.allclose(old["thpt_public"], old["gdtx"])                          # ... and an equal giving
    for t in focus:  # each steered track gets its baseline fraction of the new steered total
        np.testing.assert_allclose(new[t], f_new * old[t] / f_old, rtol=1e-9, atol=1e-15)
    scale = (1.0 - f_new) / (1.0 - f_old)
    for t in S.TRACKS["thcs"]:
        if t not in focus:  # every other destination keeps its proportion of the rest
            np.testing.assert_allclose(new[t], old[t] * scale, rtol=1e-9, atol=1e-15)


def test_trung_hoc_nghe_is_sourced_in_proportion_hand_computed():
    """0.08 of the cohort from sources holding 0.30, 0.10 and 0: each keeps (1 - 0.08 / 0.40) = 80 % of its share."""
    shares = {"trung_cap": 0.30, "gdtx": 0.10, "so_cap": 0.0, "thpt_public": 0.6}
    new, take = take_proportionally(shares, ("trung_cap", "gdtx", "so_cap"), np.array([0.08, 0.5]), (1, 1, 2))
    np.testing.assert_allclose(new["trung_cap"][0, 0], [0.24, 0.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(new["gdtx"][0, 0], [0.08, 0.0], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(new["so_cap"][0, 0], [0.0, 0.0])
    np.testing.assert_allclose(take[0, 0], [0.08, 0.40], rtol=0, atol=1e-15)   # never more than the sources hold


def test_trung_hoc_nghe_takes_from_each_source_in_proportion(base, lv):
    sc = L.Scenario("thn").with_tracks(trung_hoc_nghe={2027: 0.05})
    old = _thcs_shares(S.apply_scenario(base, L.Scenario("baseline")), base)
    new = _thcs_shares(S.apply_scenario(base, sc), base)
    k = base.year_index(2029)
    src = lv.track_sources["trung_hoc_nghe"]
    pool = sum(old[t][:, :, k] for t in src)
    m = np.isfinite(pool) & (pool > 0)
    assert m.mean() > 0.9
    old = {t: v[:, :, k][m] for t, v in old.items()}
    new = {t: v[:, :, k][m] for t, v in new.items()}
    pool, take = pool[m], new["trung_hoc_nghe"]
    np.testing.assert_allclose(take, np.minimum(0.05, pool), rtol=1e-9)
    assert not np.allclose(old["trung_cap"], old["gdtx"])                           # an equal take would differ
    for t in src:  # each source loses take / pool of its own share
        np.testing.assert_allclose(new[t], old[t] * (1.0 - take / pool), rtol=1e-9, atol=1e-15)
    for t in set(S.TRACKS["thcs"]) - set(src) - {"trung_hoc_nghe"}:
        np.testing.assert_allclose(new[t], old[t], rtol=1e-12)
