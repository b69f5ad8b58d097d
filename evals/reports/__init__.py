"""Self-contained HTML reports of ``crewline eval`` and ``crewline report``: inline SVG plots and CSS,
no script and nothing fetched from anywhere, every string escaped.

``svg`` draws (small pure functions returning escaped markup), ``curves`` computes what is drawn
(ROC points, reliability bins, the answered/abstained trade-off, the largest confusions) and
``html`` puts a suite's figures, its plots and its errors on one page.
"""
