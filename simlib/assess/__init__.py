"""Stage 5, assess: pace, feasible progress, verdicts and planning answers.

The public surface:

* :class:`Assessment` (:mod:`~simlib.assess.assessment`): the assessment
  chain, ``Assessment(...).run()`` or ``Assessment.from_case(inputs).run()``
  -> :class:`AssessmentResult` (``verdicts``, ``fans``, ``reach``,
  ``evidence``, ``summary()``, ``summary_frame()``);
  :func:`simlib.assess.assessment.feasibility` (each plan on its own run;
  the name ``simlib.assess.feasibility`` is the module) and
  :func:`assess_targets` go through it;
* :mod:`~simlib.assess.feasibility`: the verdicts of one run
  (:func:`assess_run`), the inverse solve (:func:`solve_lever`), targets
  reachable (:func:`target_options`), capacity (:func:`capacity_check`),
  one-at-a-time sensitivity (:func:`sensitivity`);
* :mod:`~simlib.assess.progress`: required vs anticipated pace and the
  feasible-progress check; :mod:`~simlib.assess.verdicts` (verdict bands);
* :mod:`~simlib.assess.planning` (the grade-10 quota sweep),
  :mod:`~simlib.assess.monitoring` (the Circular 16 table),
  :mod:`~simlib.assess.communes`, :mod:`~simlib.assess.backtest`.
"""

from simlib.assess.assessment import Assessment, AssessmentResult, FeasibilityReport, assess_targets
from simlib.assess.feasibility import (
    COLUMNS,
    InverseResult,
    PlanError,
    assess_run,
    capacity_check,
    sensitivity,
    solve_lever,
    target_options,
)

__all__ = ["Assessment", "AssessmentResult", "FeasibilityReport", "assess_targets", "COLUMNS",
           "InverseResult", "PlanError", "assess_run", "capacity_check", "sensitivity", "solve_lever",
           "target_options"]
