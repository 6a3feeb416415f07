"""Stage 1, inputs: read planners' and bundled files, validate them, and find the bundled data.

Modules: :mod:`~simlib.inputs.textio` (CSV/Excel to raw cells, numbers with
decimal commas), :mod:`~simlib.inputs.validation` (:func:`validate_table`:
every problem with file, row, column and reason) with
:mod:`~simlib.inputs.schemas` (the tables' columns),
:mod:`~simlib.inputs.reference` (what a file is checked against),
:mod:`~simlib.inputs.row_rules` (the rules of each table kind) and
:mod:`~simlib.inputs.messages` (the message catalogue: every message in
English and Vietnamese, :func:`~simlib.inputs.messages.message`);
:mod:`~simlib.inputs.bundle` (load the bundled tables and planner files),
:mod:`~simlib.inputs.case` (a planning case's folder),
:mod:`~simlib.inputs.places` (the official map), :mod:`~simlib.inputs.resources`
(where the bundled data live). Nothing here writes to an input file.
"""
