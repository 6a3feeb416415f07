"""YAML files planners edit (``case.yaml``, scenario files), read safely.

PyYAML's ``safe_load`` builds no objects but still expands aliases (a few
lines of ``&a [*b, *b, ...]`` grow to gigabytes) and lets a repeated key
silently replace the first. :func:`read_yaml` refuses both, and reports a
byte that is not UTF-8 by its line and column, so every message names the
file, the line and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from simlib.errors import InputError

__all__ = ["read_yaml", "check_keys"]


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases and without duplicate keys."""

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML API
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(None, None, f"the alias *{event.anchor} repeats another part of the file; "
                                       "these files may not use anchors and aliases (& and *): write the values out",
                                       event.start_mark)
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
                raise yaml.MarkedYAMLError(None, None, f"the key '{key}' appears twice (line {seen[key] + 1} and "
                                           f"line {key_node.start_mark.line + 1}); keep one of them",
                                           key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)


def _line_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def read_yaml(path: str | Path, *, error: type[InputError] = InputError) -> Any:
    """Parse a YAML file a planner edits.

    Parameters
    ----------
    path : path-like
        UTF-8, with or without a byte-order mark.
    error : type
        The :class:`simlib.errors.InputError` subclass raised.

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
        raise error(f"{path}: file not found") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_of_byte(data, exc.start)
        raise error(f"{path}: line {line}, column {col}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file "
                    f"as UTF-8 (in Notepad: Save As, Encoding: UTF-8) / dòng {line}: tệp không phải UTF-8; hãy lưu "
                    "lại với bảng mã UTF-8") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise error(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None


def check_keys(doc: Mapping, allowed: Iterable[str], where: str, what: str, *,
               error: type[InputError] = InputError) -> None:
    """Refuse keys a file of this kind does not have (one rule for every YAML file simlib reads).

    Parameters
    ----------
    doc : mapping
        The parsed file (or one of its sections).
    allowed : iterable of str
        The keys it may have, in the order the message lists them.
    where : str
        The file (and section) named in the message.
    what : str
        What the file is, e.g. ``"a scenario"``.

    Raises
    ------
    error
        "<where>: unknown key(s) 'x'; <what> has a, b, c".

    Examples
    --------
    >>> check_keys({"name": "x"}, ("name", "levers"), "s.yaml", "a scenario")
    >>> check_keys({"nmae": "x"}, ("name", "levers"), "s.yaml", "a scenario")
    Traceback (most recent call last):
    ...
    simlib.errors.InputError: s.yaml: unknown key(s) 'nmae'; a scenario has name, levers
    """
    allowed = tuple(allowed)
    unknown = [k for k in doc if k not in allowed]
    if unknown:
        raise error(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; {what} has {', '.join(allowed)}")
