"""One self-contained HTML page: a title, key figures and sections (a plot, a note, a table).

Rendered by Jinja2 with autoescaping on, so every string (a dataset's text, a label, a file name) is
text on the page. The page carries its own CSS, no script, and a Content-Security-Policy that lets it
load nothing at all: opened from disk or mailed around, it asks no server for anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape
from markupsafe import Markup

__all__ = ["Section", "Table", "render_page"]

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; color: #1d2330; background: #f6f7f9; margin: 0; }
main { max-width: 1080px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 10px; }
.muted { color: #5d6675; }
section { background: #fff; border: 1px solid #dde2ea; border-radius: 8px; padding: 16px; margin: 16px 0; }
svg { width: 100%; max-width: 640px; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; margin-top: 8px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eef0f4; vertical-align: top; }
th { font-weight: 600; background: #f1f3f7; }
td.text { max-width: 520px; overflow-wrap: anywhere; }
.figures td:first-child { color: #5d6675; width: 40%; }
</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
<p class="muted">{% if subtitle %}{{ subtitle }} · {% endif %}written {{ written }}</p>
<section>
<h2>Figures</h2>
<table class="figures" id="figures">
{% for name, value in figures %}<tr><td>{{ name }}</td><td>{{ value }}</td></tr>
{% endfor %}
</table>
</section>
{% for s in sections %}
<section id="{{ s.anchor }}">
<h2>{{ s.heading }}</h2>
{% if s.note %}<p class="muted">{{ s.note }}</p>{% endif %}
{% for plot in s.plots %}{{ plot }}{% endfor %}
{% if s.table %}
<table>
<tr>{% for h in s.table.head %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in s.table.rows %}<tr>{% for cell in row %}
<td{% if loop.index0 in s.table.text_columns %} class="text"{% endif %}>{{ cell }}</td>
{% endfor %}</tr>
{% else %}<tr><td colspan="{{ s.table.head | length }}">none</td></tr>
{% endfor %}
</table>
{% if s.table.more %}<p class="muted">… and {{ s.table.more }} more</p>{% endif %}
{% endif %}
</section>
{% endfor %}
</main>
</body>
</html>
"""

_ENV = Environment(
    loader=DictLoader({"page.html": _PAGE}),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Table:
    head: Sequence[str]
    rows: Sequence[Sequence[Any]]
    text_columns: frozenset[int] = frozenset()  # columns of free text (wrapped)
    limit: int = 100  # rows shown; the rest counted

    @property
    def shown(self) -> Table:
        return Table(self.head, list(self.rows)[: self.limit], self.text_columns, self.limit)

    @property
    def more(self) -> int:
        return max(0, len(self.rows) - self.limit)


@dataclass(frozen=True)
class Section:
    anchor: str
    heading: str
    note: str = ""
    plots: Sequence[Markup] = field(default_factory=tuple)
    table: Table | None = None


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "n/a" if value is None else str(value)


def _figure(value: Any) -> str:
    """A figure exactly as ``--json`` prints it (a string without its quotes)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def render_page(title: str, subtitle: str, figures: Mapping[str, Any], sections: Sequence[Section]) -> str:
    """The page; ``figures`` exactly as the JSON output has them (nested values shown as JSON)."""
    view: list[dict[str, Any]] = [
        {"anchor": s.anchor, "heading": s.heading, "note": s.note, "plots": s.plots, "table": s.table}
        for s in sections
    ]
    for item, section in zip(view, sections, strict=True):
        if section.table is not None:
            shown = section.table.shown
            item["table"] = {
                "head": shown.head,
                "rows": [[_shown(c) for c in row] for row in shown.rows],
                "text_columns": shown.text_columns,
                "more": section.table.more,
            }
    return _ENV.get_template("page.html").render(
        title=title,
        subtitle=subtitle,
        written=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        figures=[(name, _figure(value)) for name, value in figures.items()],
        sections=view,
    )
