"""simlib's bundled data, installed as the package ``simlib.bundled`` (see pyproject.toml).

This file only makes the folder a package so the data travel inside the wheel; there is no code here.
Read ``data/README.md`` for what every file holds.
"""
