"""Stage 7, apps: what planners run: the report, the scenario explorer and the command line.

Modules: :mod:`~simlib.apps.report` (``compute``: the case's inputs, the
audit and the assessment chain :class:`simlib.assess.Assessment`, once;
``run_report``), :mod:`~simlib.apps.render` (one language's files; the
charts in :mod:`~simlib.apps.report_charts`, the words in
:mod:`~simlib.apps.report_words`), :mod:`~simlib.apps.explorer`,
:mod:`~simlib.apps.cli`.
"""
