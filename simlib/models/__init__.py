"""Stage 3, models: trend fits with uncertainty and the cohort-flow engine. No module here opens a file.

Modules: :mod:`~simlib.models.trends` (fits on the logit scale with forecast
intervals: ``fit(...) -> TrendResult``), :mod:`~simlib.models.priors` (the
priors derived from the national history), :mod:`~simlib.models.predictive`
(the fits' predictive distributions), :mod:`~simlib.models.backtest`
(rolling-origin backtest of the methods), :mod:`~simlib.models.logratio`
(compositions forecast with additive log-ratios), :mod:`~simlib.models.drift_walk`,
:mod:`~simlib.models.level_walk` (the default trend), :mod:`~simlib.models.hierarchy`
(partial pooling of a province's units), :mod:`~simlib.models.composition`
(destination components, reconcile, transfer), :mod:`~simlib.models.cohorts`
(cohort sizes), :mod:`~simlib.models.flows` (grade 9 -> destinations -> THPT ->
destinations, vectorised over draws; its vocabulary in
:mod:`~simlib.models.flow_tracks`, caps in :mod:`~simlib.models.flow_capacity`,
results in :mod:`~simlib.models.flow_result`), :mod:`~simlib.models.rates` (UIS
flow rates from enrolment tables), :mod:`~simlib.models.assumptions` (the
flow-assumptions table -> :class:`~simlib.models.flows.FlowParameters`). The
fan chart of a fit is :func:`simlib.present.trend_fan.plot_fan`.
"""

from simlib.lazy import lazy_exports

#: public name -> module that defines it (loaded on first use, PEP 562)
_EXPORTS = {
    'durations': 'simlib.models.assumptions',
    'flow_parameters': 'simlib.models.assumptions',
    'programme_start': 'simlib.models.assumptions',
    'PROGRAMMES': 'simlib.models.flows',
    'THCS_TRACKS': 'simlib.models.flows',
    'THPT_TRACKS': 'simlib.models.flows',
    'Capacity': 'simlib.models.flows',
    'Durations': 'simlib.models.flows',
    'FlowParameters': 'simlib.models.flows',
    'FlowResult': 'simlib.models.flows',
    'FlowWorkspace': 'simlib.models.flows',
    'simulate_flows': 'simlib.models.flows',
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
