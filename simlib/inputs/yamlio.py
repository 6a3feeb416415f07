"""YAML files planners edit (``case.yaml``, scenario files), read safely.

PyYAML's ``safe_load`` builds no objects but still expands aliases (a few
lines of ``&a [*b, *b, ...]`` grow to gigabytes) and lets a repeated key
silently replace the first. :func:`read_yaml` refuses both, and reports a
byte that is not UTF-8 by its line and column, so every message names the
file, the line and what to do.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from simlib.errors import InputError

__all__ = ["read_yaml", "check_keys", "key_where"]


#: Messages (English, Vietnamese), in the style of :mod:`simlib.inputs.validation`'s table.
_MSG: dict[str, tuple[str, str]] = {
    "not_found": ("{path}: file not found", "{path}: không tìm thấy tệp"),
    "not_utf8": ("{path}: line {line}, column {col}: not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8 (in "
                 "Notepad: Save As, Encoding: UTF-8)",
                 "{path}: dòng {line}, cột {col}: tệp không phải văn bản UTF-8 (byte 0x{byte:02x}); hãy lưu lại tệp với "
                 "bảng mã UTF-8 (trong Notepad: Save As, Encoding: UTF-8)"),
    "alias": ("the alias *{name} repeats another part of the file; these files may not use anchors and aliases "
              "(& and *): write the values out",
              "bí danh *{name} lặp lại một phần khác của tệp; tệp này không được dùng neo và bí danh (& và *): hãy "
              "ghi đầy đủ các giá trị"),
    "duplicate": ("the key '{key}' appears twice (line {first} and line {second}); keep one of them",
                  "khóa '{key}' xuất hiện hai lần (dòng {first} và dòng {second}); hãy giữ một trong hai"),
    "invalid": ("{path}: not valid YAML{where}: {problem}", "{path}: không phải YAML hợp lệ{where}: {problem}"),
    # What PyYAML's (English) syntax problems mean and what to do, by the start of its problem text.
    "syn_tab": ("a tab character; YAML indents with spaces only: replace the tab by spaces",
                "có ký tự tab; YAML chỉ thụt lề bằng dấu cách: hãy thay tab bằng dấu cách"),
    "syn_start": ("a value cannot begin with '{char}': put the value in quotes ('...')",
                  "giá trị không được bắt đầu bằng '{char}': hãy đặt giá trị trong dấu nháy ('...')"),
    "syn_colon_here": ("a ':' where no key can start; check this line's indentation against the line above, write a "
                       "space after each ':' of a key, and put a text that contains ': ' in quotes",
                       "có dấu ':' ở chỗ không thể bắt đầu khóa; hãy kiểm tra thụt lề của dòng này so với dòng trên, "
                       "viết một dấu cách sau dấu ':' của mỗi khóa, và đặt văn bản có chứa ': ' trong dấu nháy"),
    "syn_no_colon": ("this line has no ':' between its key and its value; write 'key: value'",
                     "dòng này thiếu dấu ':' giữa khóa và giá trị; hãy viết 'khóa: giá trị'"),
    "syn_quote": ("a quote (' or \") opens here and is never closed; close it on the same line",
                  "dấu nháy (' hoặc \") mở ở đây nhưng không được đóng; hãy đóng nó trên cùng dòng"),
    "syn_list": ("a list in [ ] opens here and is not closed; end it with ']'",
                 "danh sách trong [ ] mở ở đây nhưng chưa đóng; hãy kết thúc bằng ']'"),
    "syn_map": ("a {{ }} group opens here and is not closed; end it with '}}'",
                "nhóm {{ }} mở ở đây nhưng chưa đóng; hãy kết thúc bằng '}}'"),
    "syn_indent": ("the indentation does not match the lines above (a key, or a list item '-', is out of line); "
                   "indent keys of the same group by the same number of spaces",
                   "thụt lề không khớp với các dòng trên (một khóa hoặc một mục danh sách '-' bị lệch); các khóa "
                   "cùng nhóm phải thụt lề cùng số dấu cách"),
    "syn_other": ("a YAML syntax error ({problem})", "lỗi cú pháp YAML ({problem})"),
    "where": (" (line {line}, column {col})", " (dòng {line}, cột {col})"),
    "where_problem": ("{path}, line {line}: {problem}", "{path}, dòng {line}: {problem}"),
    "key_at": ("{path}, line {line}, key '{key}'", "{path}, dòng {line}, khóa '{key}'"),
    "key_in": ("{path}, key '{key}'", "{path}, khóa '{key}'"),
    "unknown_key": ("{where}: unknown key{sugg}; {what} has the keys {known}: correct or delete this line{more}",
                    "{where}: khóa không có{sugg}; {what} có các khóa {known}: hãy sửa hoặc xóa dòng này{more}"),
    "sugg": (" (did you mean '{s}'?)", " (có phải là '{s}'?)"),
    "more": ("; also unknown: {keys}", "; các khóa sau cũng không có: {keys}"),
}


def _m(lang: str, msg: str, **kw) -> str:
    en, vi = _MSG[msg]
    return (vi if lang == "vi" else en).format(**kw)


def _error(error: type[InputError], lang: str, msg: str, **kw) -> InputError:
    exc = error(_m(lang, msg, **kw))
    exc.lang = lang  # the command line says "lỗi:" before a Vietnamese message
    return exc


class _Problem(yaml.MarkedYAMLError):
    """A refusal of ours (alias, duplicate key), already worded."""


def _loader(lang: str):
    class _Loader(yaml.SafeLoader):
        """SafeLoader without aliases and without duplicate keys."""

        def compose_node(self, parent, index):  # noqa: D102 - PyYAML API
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise _Problem(None, None, _m(lang, "alias", name=event.anchor), event.start_mark)
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML API
            seen: dict = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    continue
                if key in seen:
                    raise _Problem(None, None, _m(lang, "duplicate", key=key, first=seen[key] + 1,
                                                  second=key_node.start_mark.line + 1), key_node.start_mark)
                seen[key] = key_node.start_mark.line
            return super().construct_mapping(node, deep=deep)

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)
    return _Loader


def _syntax_problem(exc: yaml.YAMLError, lang: str):
    """Where a YAML syntax error is and what it means, in the planner's words: ``(mark, text)``.

    PyYAML words its problems in English for programmers ("mapping values are not allowed here"); the usual
    ones (a tab, a missing ':' or space, an unclosed quote or bracket, an indentation out of line) are said
    with what to do, at the line where the fix goes. Any other problem is named as PyYAML words it.
    """
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", None) or "")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    start = getattr(exc, "context_mark", None) or mark  # where the unclosed thing began
    if problem.startswith("found character '\\t'"):
        return mark, _m(lang, "syn_tab")
    if problem.startswith("found character '") and problem.endswith("that cannot start any token"):
        return mark, _m(lang, "syn_start", char=problem.split("'")[1])
    if problem.startswith("found undefined alias"):
        return mark, _m(lang, "alias", name=problem.split("'")[1] if "'" in problem else "")
    if problem.startswith("mapping values are not allowed"):
        return mark, _m(lang, "syn_colon_here")
    if problem.startswith("could not find expected ':'"):
        return start, _m(lang, "syn_no_colon")
    if "quoted scalar" in context:
        return start, _m(lang, "syn_quote")
    if "flow sequence" in context:
        return start, _m(lang, "syn_list")
    if "flow mapping" in context:
        return start, _m(lang, "syn_map")
    if problem.startswith(("expected <block end>", "did not find expected key", "did not find expected '-'")):
        return mark, _m(lang, "syn_indent")
    return mark, _m(lang, "syn_other", problem=problem)


def _line_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def read_yaml(path: str | Path, *, error: type[InputError] = InputError, lang: str = "en",
              key_lines: bool = False) -> Any:
    """Parse a YAML file a planner edits.

    Parameters
    ----------
    path : path-like
        UTF-8, with or without a byte-order mark.
    error : type
        The :class:`simlib.errors.InputError` subclass raised.
    lang : {"en", "vi"}
        Language of the refusals.
    key_lines : bool
        Also return the line (1-based) of each top-level key: ``(document, {key: line})``.

    Raises
    ------
    error
        Naming the file and the line: a byte that is not UTF-8, invalid YAML,
        an alias (``*name``), a key given twice.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _error(error, lang, "not_found", path=path) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_of_byte(data, exc.start)
        raise _error(error, lang, "not_utf8", path=path, line=line, col=col, byte=data[exc.start]) from None
    loader = _loader(lang)(text)
    try:
        node = loader.get_single_node()
        doc = loader.construct_document(node) if node is not None else None
    except _Problem as exc:
        raise _error(error, lang, "where_problem", path=path, line=exc.problem_mark.line + 1,
                     problem=exc.problem) from None
    except yaml.YAMLError as exc:
        mark, problem = _syntax_problem(exc, lang)
        where = _m(lang, "where", line=mark.line + 1, col=mark.column + 1) if mark else ""
        raise _error(error, lang, "invalid", path=path, where=where, problem=problem) from None
    finally:
        loader.dispose()
    if not key_lines:
        return doc
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode):
                lines.setdefault(k.value, k.start_mark.line + 1)
    return doc, lines


def key_where(path: str | Path, key: str, lines: Mapping[str, int] | None = None, lang: str = "en") -> str:
    """Where a key of a YAML file is: "<path>, line <n>, key '<key>'" (without the line when it is not known).

    Examples
    --------
    >>> key_where("case.yaml", "years", {"years": 5}, "vi")
    "case.yaml, dòng 5, khóa 'years'"
    """
    line = (lines or {}).get(key)
    if line is None:
        return _m(lang, "key_in", path=path, key=key)
    return _m(lang, "key_at", path=path, line=line, key=key)


def check_keys(doc: Mapping, allowed: Iterable[str], where: str | Path, what: str | tuple[str, str], *,
               error: type[InputError] = InputError, lang: str = "en",
               lines: Mapping[str, int] | None = None) -> None:
    """Refuse keys a file of this kind does not have (one rule for every YAML file simlib reads).

    The first unknown key (in the file's order) is named with its line, the
    nearest allowed key when one is close (a typo), every allowed key, and
    the other unknown keys.

    Parameters
    ----------
    doc : mapping
        The parsed file (or one of its sections).
    allowed : iterable of str
        The keys it may have, in the order the message lists them.
    where : str or path
        The file (and section) named in the message.
    what : str or (str, str)
        What the file is, e.g. ``"a scenario"``; a pair is (English, Vietnamese).
    error : type
        The :class:`simlib.errors.InputError` subclass raised.
    lang : {"en", "vi"}
        Language of the refusal.
    lines : mapping str -> int, optional
        Line (1-based) of each key, as :func:`read_yaml` gives with ``key_lines=True``.

    Raises
    ------
    error
        "<where>, line <n>, key 'x': unknown key (did you mean 'y'?); <what> has the keys a, b, c: correct or
        delete this line".

    Examples
    --------
    >>> check_keys({"name": "x"}, ("name", "levers"), "s.yaml", "a scenario")
    >>> check_keys({"name": "x", "lever": {}}, ("name", "levers"), "s.yaml", "a scenario", lines={"lever": 2})
    Traceback (most recent call last):
    ...
    simlib.errors.InputError: s.yaml, line 2, key 'lever': unknown key (did you mean 'levers'?); a scenario has the \
keys name, levers: correct or delete this line
    """
    allowed = tuple(allowed)
    unknown = [k for k in doc if k not in allowed]
    if not unknown:
        return
    first = str(unknown[0])
    close = difflib.get_close_matches(first, allowed, n=1, cutoff=0.6)
    what_s = what if isinstance(what, str) else (what[1] if lang == "vi" else what[0])
    more = _m(lang, "more", keys=", ".join(repr(str(k)) for k in unknown[1:])) if len(unknown) > 1 else ""
    raise _error(error, lang, "unknown_key", where=key_where(where, first, lines, lang), what=what_s,
                 known=", ".join(allowed), sugg=_m(lang, "sugg", s=close[0]) if close else "", more=more)
