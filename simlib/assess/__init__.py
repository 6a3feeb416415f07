"""Stage 5, assess: pace, feasible progress, verdicts and planning answers.

Modules: :mod:`~simlib.assess.progress` (required vs anticipated pace,
feasible progress) and :mod:`~simlib.assess.feasibility` (P(target met),
verdicts, inverse solve, targets reachable, capacity, sensitivity).
"""
