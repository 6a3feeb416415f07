"""Stage 6, present: labels in Vietnamese and English, charts, the Excel workbook and the HTML page.

Modules: :mod:`~simlib.present.i18n`, :mod:`~simlib.present.charts`,
:mod:`~simlib.present.plots`, :mod:`~simlib.present.export`.
"""
