"""Stage 1, inputs: read planners' and bundled files, validate them, and find the bundled data.

Modules: :mod:`~simlib.inputs.textio` (CSV/Excel to raw cells, numbers with
decimal commas), :mod:`~simlib.inputs.validation` (schemas and rules, every
problem with file, row, column and reason), :mod:`~simlib.inputs.bundle`
(load the bundled tables and planner files), :mod:`~simlib.inputs.resources`
(where the bundled data live). Nothing here writes to an input file.
"""
