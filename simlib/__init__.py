"""simlib: forecasting and target-setting for student streaming (phân luồng) in Vietnam.

The package is laid out in the order data flows; each stage imports only
from the stages before it (an import-linter contract checked by ``make test``):

1. :mod:`simlib.inputs`: read planners' files and the bundled data, validate
   them (file, sheet, row, column, reason), planning cases (``case.yaml``);
2. :mod:`simlib.evidence`: what an indicator means (the registry), which
   figures make up a unit's series, what a target asks for, the target audit;
3. :mod:`simlib.models`: trend fits with honest uncertainty, cohort sizes,
   the cohort-flow engine;
4. :mod:`simlib.scenarios`: levers and scenarios as data, the Monte Carlo
   engine (trend draws x lever draws through the flows);
5. :mod:`simlib.assess`: pace, feasible progress, verdicts (past and future),
   targets reachable, monitoring;
6. :mod:`simlib.present`: labels in Vietnamese and English, charts, the
   workbook, the HTML page;
7. :mod:`simlib.apps`: the report, the scenario explorer, the command line.

At the bottom, :mod:`simlib.errors` (every error simlib raises on purpose
derives from :class:`simlib.errors.SimlibError`) and :mod:`simlib.logit`.

Units: every share in the public API is a fraction in [0, 1] unless a name or
column says ``_pct`` (percent, 0-100). Bundled data files keep the unit the
source used and say which in their ``unit`` column.
"""

__version__ = "0.2.0"
