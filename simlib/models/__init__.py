"""Stage 3, models: trend fits with uncertainty and the cohort-flow engine.

Modules: :mod:`~simlib.models.trends` (fits on the logit scale with forecast
intervals), :mod:`~simlib.models.flows` (grade 9 -> destinations -> THPT ->
destinations, vectorised over draws), :mod:`~simlib.models.rates` (UIS flow
rates from enrolment tables), :mod:`~simlib.models.assumptions` (the
flow-model inputs file).
"""
