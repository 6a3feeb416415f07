"""Stage 4, scenarios: lever objects, the baseline every scenario shares, and the Monte Carlo engine.

Modules: lever types, one per kind (:mod:`~simlib.scenarios.counselling`,
:mod:`~simlib.scenarios.price`, :mod:`~simlib.scenarios.information`,
:mod:`~simlib.scenarios.quota`, :mod:`~simlib.scenarios.new_tracks`,
:mod:`~simlib.scenarios.capacity`), the registry and the schedule
(:mod:`~simlib.scenarios.lever_types`), priors and setting ranges
(:mod:`~simlib.scenarios.priors`), lever sets and scenarios
(:mod:`~simlib.scenarios.levers`), each unit's evidence
(:mod:`~simlib.scenarios.sources`), the run plan and baseline
(:mod:`~simlib.scenarios.baseline`), :func:`apply_scenario` and
:func:`run_scenarios` (:mod:`~simlib.scenarios.engine`) and their results
(:mod:`~simlib.scenarios.results`). Files are read by :mod:`simlib.inputs.levers`.

``apply_scenario`` reads resolve -> effects -> combine -> flows -> costs and
names no lever type; a new lever type is a class registered under its kind
(:func:`~simlib.scenarios.lever_types.register`) plus its row in the lever file.
"""

from simlib.lazy import lazy_exports

#: public name -> module that defines it (loaded on first use, PEP 562)
_EXPORTS = {
    'DEFAULT_DRAWS': 'simlib.scenarios.run_defaults',
    'DEFAULT_SEED': 'simlib.scenarios.run_defaults',
    'Baseline': 'simlib.scenarios.baseline',
    'RunConfig': 'simlib.scenarios.baseline',
    'RunError': 'simlib.scenarios.baseline',
    'RunPlan': 'simlib.scenarios.baseline',
    'chunk_size': 'simlib.scenarios.baseline',
    'plan_run': 'simlib.scenarios.baseline',
    'simulate_baseline': 'simlib.scenarios.baseline',
    'with_draws': 'simlib.scenarios.baseline',
    'apply_scenario': 'simlib.scenarios.engine',
    'run_scenarios': 'simlib.scenarios.engine',
    'scenario_notes': 'simlib.scenarios.engine',
    'LEVER_TYPES': 'simlib.scenarios.lever_types',
    'FlowLimits': 'simlib.scenarios.lever_types',
    'LeverType': 'simlib.scenarios.lever_types',
    'Schedule': 'simlib.scenarios.lever_types',
    'ShareLever': 'simlib.scenarios.lever_types',
    'register': 'simlib.scenarios.lever_types',
    'LeverDraws': 'simlib.scenarios.levers',
    'LeverError': 'simlib.scenarios.levers',
    'LeverSet': 'simlib.scenarios.levers',
    'Scenario': 'simlib.scenarios.levers',
    'build_levers': 'simlib.scenarios.levers',
    'combine': 'simlib.scenarios.levers',
    'draw_levers': 'simlib.scenarios.levers',
    'list_scenarios': 'simlib.scenarios.levers',
    'load_levers': 'simlib.scenarios.levers',
    'load_scenario': 'simlib.scenarios.levers',
    'scenario_from_doc': 'simlib.scenarios.levers',
    'DEFAULT_PROBS': 'simlib.scenarios.results',
    'ScenarioResult': 'simlib.scenarios.results',
    'ScenarioRun': 'simlib.scenarios.results',
    'Evidence': 'simlib.scenarios.sources',
    'RestsOn': 'simlib.scenarios.sources',
    'rests_on': 'simlib.scenarios.sources',
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
