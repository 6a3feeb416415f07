"""A planner's scenario file, written the way planners write numbers: refusals that say what to write, in
Vietnamese (the case's language) and English (bad-input review, 2026-12-08)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from simlib.inputs.levers import LeverError, by_year, read_scenario_file
from simlib.scenarios.levers import load_levers, scenario_from_doc
from vi_words import english_words

from conftest import REPO

LEVERS = load_levers()


def _refusal(tmp_path, body: str) -> LeverError:
    p = tmp_path / "quota_70.yaml"
    p.write_text("name: quota_70\n" + body, encoding="utf-8")
    with pytest.raises(LeverError) as exc:  # read, then every setting checked against the bundled lever file
        scenario_from_doc(read_scenario_file(p)).check(LEVERS)
    return exc.value


@pytest.mark.parametrize("body, vi_words_seen, en_words_seen", [
    ("quota:\n  grade10_public_share: {2027: 70%}\n", ["có dấu %", "0.7"], ["has a % sign", "0.7"]),
    ("quota:\n  grade10_public_share: {2027: '0,7'}\n", ["dấu phẩy thập phân", ": 0.7"], ["decimal comma", ": 0.7"]),
    ("quota:\n  grade10_public_share: {2027: 0,7}\n", ["dấu phẩy thập phân", "(0,7)"], ["decimal comma", "(0,7)"]),
    ("quota:\n  grade10_public_share: {2027: 1.7}\n", ["1.7 nằm ngoài khoảng hợp lý [0.4, 1]", "chỉ tiêu lớp 10"],
     ["1.7 is outside its plausible range [0.4, 1]", "public grade-10 places"]),
    ("quota:\n  grade10_public_share: {2027: 0.7}\n  overflow: {gdtx: 0.5, tc: 0.5}\n",
     ["'tc' không phải nơi", "trung_cap"], ["'tc' is not a destination", "trung_cap"]),
    ("quota:\n  grade10_public_share: {2027: 0.7}\n  overflow: {gdtx: 0.5, trung_cap: 0.4}\n",
     ["tổng các tỷ lệ là 0.9000"], ["sum to 0.9000"]),
    ("quota:\n  public_share: 0.7\n", ["quota.public_share không có", "grade10_public_share"],
     ["quota.public_share is not known", "grade10_public_share"]),
    ("levers:\n  no_such_lever: {coverage: 1}\n", ["không có giải pháp 'no_such_lever'"], ["unknown lever"]),
    ("quta:\n  grade10_public_share: 0.7\n", ["dòng 2", "có phải là 'quota'"], ["line 2", "did you mean 'quota'"]),
])
def test_scenario_refusals_say_what_to_write_in_both_languages(tmp_path, body, vi_words_seen, en_words_seen):
    err = _refusal(tmp_path, body)
    assert err.vi and err.text("vi") != err.text("en")
    for w in vi_words_seen:
        assert w in err.text("vi"), err.text("vi")
    for w in en_words_seen:
        assert w in err.text("en"), err.text("en")
    assert "quota_70.yaml" in err.text("vi") and "quota_70.yaml" in err.text("en")
    # keys, ids and YAML words are what the planner types (snake_case and the scenario's key names): left as written
    text = re.sub(r"\b\w*_\w*\b", " ", err.text("vi"))
    allowed = frozenset({"yaml", "quota", "overflow", "gdtx", "tc", "levers", "coverage", "quta", "name", "description",
                         "capacity", "tracks", "thcs", "thpt"})
    assert english_words(text, allow=allowed) == [], err.text("vi")


def test_a_plain_number_and_a_year_mapping_still_read():
    assert by_year(0.7, "x") == 0.7
    assert dict(by_year({2028: "0.75", 2027: 0.7}, "x")) == {2027: 0.7, 2028: 0.75}


def test_report_prints_the_scenario_refusal_in_the_report_language(tmp_path):
    """The command line picks the text of the report's language: Vietnamese by default, English with --lang en."""
    from simlib.apps.init_case import init_case

    case = tmp_path / "case"
    init_case("Quảng Trị", case, as_of=2026)
    (case / "scenarios" / "quota_70.yaml").write_text("name: quota_70\nquota:\n  grade10_public_share: {2027: 70%}\n",
                                                       encoding="utf-8")
    outs = {}
    for lang in ("vi", "en"):
        r = subprocess.run([sys.executable, "-m", "simlib", "report", "--case", str(case), "--draws", "4",
                            "--out", str(tmp_path / lang), "--lang", lang], capture_output=True, text=True,
                           cwd=REPO, timeout=600)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        outs[lang] = r.stderr
    assert outs["vi"].startswith("lỗi: ") and "có dấu %" in outs["vi"]
    assert outs["en"].startswith("error: ") and "has a % sign" in outs["en"]


def test_validate_reads_a_case_its_scenarios_and_the_lever_file(tmp_path):
    """`validate` on a YAML file checks it as what it is; a bad scenario makes case.yaml's check fail too."""
    from simlib.apps.init_case import init_case

    case = tmp_path / "case"
    init_case("Quảng Trị", case, as_of=2026)

    def run(path, *extra):
        r = subprocess.run([sys.executable, "-m", "simlib", "validate", str(path), *extra], capture_output=True,
                           text=True, cwd=REPO, timeout=600)
        assert "Traceback" not in r.stderr
        return r.returncode, r.stdout + r.stderr

    code, out = run(case / "case.yaml")
    n = len(list((case / "scenarios").glob("*.yaml")))
    assert code == 0 and f"{n} kịch bản" in out, out
    code, out = run(REPO / "data" / "levers.yaml", "--lang", "en")
    assert code == 0 and "lever file" in out, out
    code, out = run(case / "scenarios" / "quota_70.yaml")
    assert code == 0 and "kịch bản" in out, out
    (case / "scenarios" / "quota_70.yaml").write_text("name: q\nquota:\n  grade10_public_share: {2027: 1.7}\n",
                                                       encoding="utf-8")
    for path in (case / "scenarios" / "quota_70.yaml", case / "case.yaml"):
        code, out = run(path)
        assert code == 1 and "nằm ngoài khoảng hợp lý" in out, out


# ---------------------------------------------------------------------------------------------------------------------
# the lever file (data/levers.yaml or a case's copy): refused in both languages, at the entry
# ---------------------------------------------------------------------------------------------------------------------
def _lever_file_with(tmp_path, edit):
    """The bundled lever file with one edit (a function of its parsed document), written to tmp_path."""
    import yaml

    from simlib.inputs.levers import lever_file

    doc = yaml.safe_load(lever_file().read_text(encoding="utf-8"))
    edit(doc)
    p = tmp_path / "levers.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def _first_lever(doc):
    return next(iter(doc["levers"].values()))


LEVER_FILE_MISTAKES = {
    "unknown distribution": (lambda d: next(iter(_first_lever(d)["priors"].values())).update(dist="gauss"),
                             "phân phối 'gauss' không có", "unknown distribution 'gauss'"),
    "prior without a source": (lambda d: next(iter(_first_lever(d)["priors"].values())).pop("source"),
                               "cần khóa 'source'", "needs a 'source'"),
    "status misspelt": (lambda d: next(iter(_first_lever(d)["priors"].values())).update(status="evidense"),
                        "status (mức căn cứ) phải là một trong", "status must be one of"),
    "parameter as text": (lambda d: next(iter(_first_lever(d)["priors"].values())).update(
        {k: "0,5" for k in next(iter(_first_lever(d)["priors"].values())) if k not in ("dist", "status", "source",
                                                                                       "lower", "upper")}),
                          "phải là số", "must be numbers"),
    "default outside range": (lambda d: next(iter(_first_lever(d)["settings"].values())).update(default=99),
                              "nằm ngoài", "is outside"),
    "unknown mechanism": (lambda d: _first_lever(d).update(mechanism="magic"),
                          "phải là một trong", "mechanism must be one of"),
    "no levers section": (lambda d: d.pop("levers"), "cần mục 'levers:'", "needs a 'levers:' section"),
}


@pytest.mark.parametrize("name", LEVER_FILE_MISTAKES)
def test_lever_file_mistake_is_refused_in_both_languages(tmp_path, name):
    edit, vi, en = LEVER_FILE_MISTAKES[name]
    p = _lever_file_with(tmp_path, edit)
    before = p.read_bytes()
    with pytest.raises(LeverError) as info:
        load_levers(p)
    err = info.value
    assert en in str(err), str(err)
    assert vi in err.text("vi"), err.text("vi")
    assert "levers.yaml" in str(err) and "levers.yaml" in err.text("vi")
    # no English sentence passed on in Vietnamese (keys, codes and distribution names are the file's own words)
    words = english_words(re.sub(r"'[^']*'|\[[^\]]*\]|\{[^}]*\}|[\w./]+\.yaml|levers\.[\w.]+|\w+_\w+", " ",
                                 err.text("vi").replace(str(p), " ")),
                          allow={"dist", "source", "status", "evidence", "judgement", "illustrative", "mechanism",
                                 "normal", "lognormal", "beta", "uniform", "discrete", "levers", "default", "min",
                                 "max", "unit", "value", "indicator", "counselling", "price", "information",
                                 "fixed", "gauss", "magic", "evidense", "yaml"})
    assert words == [], (words, err.text("vi"))
    assert p.read_bytes() == before


def test_lever_file_syntax_error_reaches_the_planner_in_vietnamese(tmp_path):
    p = tmp_path / "levers.yaml"
    p.write_text("levers:\n\tcounselling: {}\n", encoding="utf-8")
    with pytest.raises(LeverError) as info:
        load_levers(p)
    assert "line 2" in str(info.value) and "tab" in str(info.value)
    assert "dòng 2" in info.value.text("vi") and "ký tự tab" in info.value.text("vi")


def test_scenario_file_syntax_error_reaches_the_planner_in_vietnamese(tmp_path):
    p = tmp_path / "kich_ban.yaml"
    p.write_text("name: a\nlevers:\n  counselling:\n    coverage: {2027: 0.5\n", encoding="utf-8")
    with pytest.raises(LeverError) as info:
        read_scenario_file(p)
    assert "dòng 4" in info.value.text("vi") and "chưa đóng" in info.value.text("vi"), info.value.text("vi")
