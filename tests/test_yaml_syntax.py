"""A YAML file a planner mistyped is refused at the line to fix, with what to do, in the planner's language."""

from __future__ import annotations

import pytest

from simlib.errors import InputError
from simlib.inputs.yamlio import read_yaml
from vi_words import english_words

#: (file text, line of the fix, the message key's telling words in Vietnamese, in English)
MISTAKES = {
    "tab": ("name: a\nlevers:\n\tquota: 0.7\n", 3, "ký tự tab", "a tab character"),
    "value starts with %": ("name: a\nyears: %2030\n", 2, "không được bắt đầu bằng '%'", "cannot begin with '%'"),
    "colon in a name": ("name: Kịch bản: tăng chỉ tiêu\n", 1, "trong dấu nháy", "in quotes"),
    "key out of line": ("name: a\nlevers:\n  quota: 0.7\n   counselling: 1\n", 4, "thụt lề", "indentation"),
    "no colon": ("name: a\nlevers\n  quota: 0.7\n", 2, "thiếu dấu ':'", "has no ':'"),
    "unclosed quote": ("name: a\ndescription: 'tăng chỉ tiêu\nlevers: {}\n", 2, "dấu nháy", "quote"),
    "unclosed list": ("years: [2026, 2027\nname: a\n", 1, "']'", "']'"),
    "unclosed group": ("name: a\nlevers: {quota: 0.7\n", 2, "'}'", "'}'"),
    "list item out of line": ("name: a\nlevers:\n  quota: 0.7\n  - counselling\n", 4, "thụt lề", "indentation"),
}


@pytest.mark.parametrize("name", MISTAKES)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_syntax_error_names_the_line_and_the_fix(tmp_path, name, lang):
    text, line, vi_words_, en_words = MISTAKES[name]
    path = tmp_path / "kich_ban.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_yaml(path, lang=lang)
    msg = str(info.value)
    assert str(path) in msg
    assert (f"dòng {line}," if lang == "vi" else f"line {line},") in msg, msg
    assert (vi_words_ if lang == "vi" else en_words) in msg, msg
    assert path.read_text(encoding="utf-8") == text  # the file is not changed
    if lang == "vi":  # PyYAML's English wording is not passed on
        assert "mapping values" not in msg and "scanning" not in msg and "expected" not in msg
        assert english_words(msg.replace(str(path), ""), allow={"yaml", "tab"}) == [], msg


def test_unknown_syntax_problem_keeps_pyyaml_words(tmp_path):
    """A problem without a planner's wording is still named (PyYAML's words), never dropped."""
    path = tmp_path / "s.yaml"
    path.write_text("%YAML 1.1\n%YAML 1.1\n---\na: 1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_yaml(path, lang="vi")
    assert "lỗi cú pháp YAML (" in str(info.value) and "YAML directive" in str(info.value)


def test_valid_file_still_reads(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: 'Kịch bản: tăng'\nlevers: {quota: 0.7}\nyears: [2026, 2027]\n", encoding="utf-8")
    assert read_yaml(path) == {"name": "Kịch bản: tăng", "levers": {"quota": 0.7}, "years": [2026, 2027]}
