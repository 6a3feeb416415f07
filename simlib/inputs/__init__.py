"""Stage 1, inputs: read planners' and bundled files, validate them, and find the bundled data.

This is the only stage that opens files. Modules: :mod:`~simlib.inputs.textio`
(CSV/Excel to raw cells, numbers with decimal commas),
:mod:`~simlib.inputs.validation` (:func:`validate_table`: every problem with
file, row, column and reason) with :mod:`~simlib.inputs.schemas` (the tables'
columns), :mod:`~simlib.inputs.reference` (what a file is checked against),
:mod:`~simlib.inputs.row_rules` (the rules of each table kind) and
:mod:`~simlib.inputs.messages` (the message catalogue: every message in
English and Vietnamese); :mod:`~simlib.inputs.bundle` (load the bundled tables
and planner files), :mod:`~simlib.inputs.case` (planning cases),
:mod:`~simlib.inputs.levers` (lever and scenario YAML files),
:mod:`~simlib.inputs.assumptions` (the flow-assumptions file),
:mod:`~simlib.inputs.yamlio` (the one YAML reader and unknown-keys check),
:mod:`~simlib.inputs.places` (the official map), :mod:`~simlib.inputs.resources`
(where the bundled data live). Nothing here writes to an input file.
"""

from simlib.lazy import lazy_exports

#: public name -> module that defines it (loaded on first use, PEP 562)
_EXPORTS = {
    'load_flow_assumptions': 'simlib.inputs.assumptions',
    'LeverDoc': 'simlib.inputs.levers',
    'LeverError': 'simlib.inputs.levers',
    'ScenarioDoc': 'simlib.inputs.levers',
    'lever_file': 'simlib.inputs.levers',
    'list_scenario_files': 'simlib.inputs.levers',
    'read_glossary': 'simlib.inputs.glossary',
    'read_history': 'simlib.inputs.history',
    'read_lever_file': 'simlib.inputs.levers',
    'read_scenario_file': 'simlib.inputs.levers',
    'scenario_dir': 'simlib.inputs.levers',
    'bundled_data_dir': 'simlib.inputs.resources',
    'check_keys': 'simlib.inputs.yamlio',
    'read_yaml': 'simlib.inputs.yamlio',
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
