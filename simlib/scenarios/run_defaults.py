"""The run's defaults: Monte Carlo size and seed.

Kept apart from :mod:`~simlib.scenarios.baseline` so that the command line can
show them in its help without loading the engine (numba, scipy, statsmodels):
``python -m simlib validate`` starts in about a second.
"""

#: One Monte Carlo size for the command line, the notebooks and the report (tests use fewer).
DEFAULT_DRAWS = 10_000
#: The default seed of every run.
DEFAULT_SEED = 20251122
