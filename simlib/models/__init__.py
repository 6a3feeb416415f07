"""Stage 3, models: trend fits with uncertainty and the cohort-flow engine.

Modules: :mod:`~simlib.models.trends` (fits on the logit scale with forecast
intervals: ``fit(...) -> TrendResult``), :mod:`~simlib.models.priors` (the
priors derived from the national history), :mod:`~simlib.models.predictive`
(the fits' predictive distributions), :mod:`~simlib.models.backtest`
(rolling-origin backtest of the methods), :mod:`~simlib.models.logratio`
(compositions forecast with additive log-ratios), :mod:`~simlib.models.flows`
(grade 9 -> destinations -> THPT -> destinations, vectorised over draws),
:mod:`~simlib.models.cohorts` (cohort sizes), :mod:`~simlib.models.hierarchy`
(partial pooling of a province's units), :mod:`~simlib.models.rates` (UIS
flow rates from enrolment tables), :mod:`~simlib.models.assumptions` (the
flow-model inputs file). The fan chart of a fit is
:func:`simlib.present.trend_fan.plot_fan`.
"""
