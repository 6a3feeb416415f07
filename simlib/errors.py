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
    """Base of every error simlib raises on purpose (bad input, bad option, bad data file)."""


class InputError(SimlibError, ValueError):
    """A value given to simlib (an option, an argument, a file's content) cannot be used; the message says why."""
