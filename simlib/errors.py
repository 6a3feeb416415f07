"""The one base class of every error simlib raises on purpose.

Every error that a planner's input, a data file or a call's arguments can
cause derives from :class:`SimlibError`; the command line prints these as
plain messages (exit status 1). Anything else is a bug in simlib and is
reported as an internal error with the path of a traceback file.

Domain errors live next to the rule they enforce (for example
:class:`simlib.inputs.textio.ValidationError`) and derive from this class.
They also derive from :class:`ValueError`, so existing ``except ValueError``
code keeps working.
"""

from __future__ import annotations

__all__ = ["SimlibError", "InputError"]


class SimlibError(Exception):
    """Base of every error simlib raises on purpose (bad input, bad option, bad data file).

    ``vi``: the same message in Vietnamese, when the raising code has it (a planner's scenario file, for one);
    :meth:`text` picks the planner's language. ``str(error)`` stays the English text.

    Examples
    --------
    >>> e = SimlibError("a number 0-1", vi="một số từ 0 đến 1")
    >>> e.text("vi"), e.text("en"), SimlibError("x").text("vi")
    ('một số từ 0 đến 1', 'a number 0-1', 'x')
    """

    def __init__(self, *args: object, vi: str | None = None) -> None:
        super().__init__(*args)
        self.vi = vi

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("vi" or "en"); English when no Vietnamese text was given."""
        return self.vi if lang == "vi" and self.vi else str(self)


class InputError(SimlibError, ValueError):
    """A value given to simlib (an option, an argument, a file's content) cannot be used; the message says why."""
