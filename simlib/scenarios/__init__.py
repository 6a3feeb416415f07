"""Stage 4, scenarios: levers as data and the Monte Carlo engine.

Modules: :mod:`~simlib.scenarios.levers` (lever priors, scenario files,
lever effects) and :mod:`~simlib.scenarios.engine` (trend draws x lever
draws pushed through the flow engine, common random numbers).
"""
