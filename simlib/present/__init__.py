"""Stage 6, present: words, charts and documents in the report's language (Vietnamese or English).

Modules: :mod:`~simlib.present.i18n` (the glossary ``data/glossary.csv`` and
locale formatting), :mod:`~simlib.present.charts` (every chart, and
``save_figure``; the page layout in :mod:`~simlib.present.chart_page`, fan
charts in :mod:`~simlib.present.fan_charts`, charts of targets in
:mod:`~simlib.present.target_charts`, all re-exported by ``charts``),
:mod:`~simlib.present.trend_fan` (the fan chart of one trend fit),
:mod:`~simlib.present.export` (CSV and Excel writers; the planner's typed
workbook in :mod:`~simlib.present.planner_workbook` and the A4 HTML page in
:mod:`~simlib.present.html`, re-exported by ``export``),
:mod:`~simlib.present.tables` (how the verdict tables are shown: column
specs, the one-row-per-target summary), :mod:`~simlib.present.word` (the
Word report).
"""
