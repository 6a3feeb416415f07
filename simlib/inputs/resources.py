"""Where the bundled data lives, found through the installed package (never a path fixed at import time).

The repository's ``data/`` folder is installed as the package
``simlib.bundled`` (``pyproject.toml``, ``[tool.setuptools.package-dir]``),
so a wheel built with ``pip wheel .`` carries every data file, and an
editable install reads the repository's folder directly.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from simlib.errors import SimlibError

__all__ = ["bundled_data_dir"]


def bundled_data_dir() -> Path:
    """Folder of the bundled data (``data/`` in the repository, ``simlib/bundled`` when installed).

    Returns
    -------
    pathlib.Path
        A real folder on disk (simlib is never installed zipped).
    """
    root = resources.files("simlib.bundled")
    path = Path(str(root))
    if not (path / "indicators.csv").is_file():
        raise SimlibError(f"simlib's bundled data folder was not found (looked in {path}); reinstall simlib "
                          "with 'pip install .' from a complete copy of the repository")
    return path
