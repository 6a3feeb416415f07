"""Stage 7, apps: what planners run: the report, the scenario explorer and the command line.

Modules: :mod:`~simlib.apps.report`, :mod:`~simlib.apps.explorer`, :mod:`~simlib.apps.cli`.
"""
