"""simlib: forecasting and target-setting for student streaming (phân luồng) in Vietnam.

The flow of data is one way::

    data/ files -> validated tables (simlib.inputs.bundle, simlib.inputs.validation)
                -> target audit (simlib.evidence.audit)
                -> charts and reports (simlib.present.plots, simlib.apps.report)

Units: every share in the public API is a fraction in [0, 1] unless a name or
column says ``_pct`` (percent, 0-100). Bundled data files keep the unit the
source used and say which in their ``unit`` column.
"""

__version__ = "0.1.0"
