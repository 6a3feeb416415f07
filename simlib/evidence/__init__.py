"""Stage 2, evidence: what the plans ask and what has been observed.

Modules: :mod:`~simlib.evidence.audit` (contradictions, weighted aggregates,
gaps and outliers of the targets). Imports only from :mod:`simlib.inputs`.
"""
