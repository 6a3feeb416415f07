"""Stage 6, present: words, charts and documents in the report's language (Vietnamese or English).

Modules: :mod:`~simlib.present.i18n` (the glossary ``data/glossary.csv`` and
locale formatting), :mod:`~simlib.present.charts` (every chart, and
``save_figure``), :mod:`~simlib.present.export` (the planner's Excel
workbook and the A4 HTML page), :mod:`~simlib.present.tables` (how the
verdict tables are shown: column specs, the one-row-per-target summary),
:mod:`~simlib.present.word` (the Word report).
"""
