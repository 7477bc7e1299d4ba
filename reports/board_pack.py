"""The board pack: the overview's tiles and attention list, the register matrix and the chosen
dashboards' key charts and tables, for one viewer and one set of filters — as one
self-contained HTML file and as a PDF printed from it by Chromium.

Figures and texts come from the same builders the pages use, so a pack says what the
screen says. Every printed page carries the view in its header (filters, focus, as-of,
generated at and by, language) and its number in the footer; a chart or table is never split
across pages (it moves whole to the next)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from analytics.headline import (
    churn_headline,
    dq_headline,
    overview_headline,
    register_headline,
    satisfaction_headline,
)
from components.churn.actions_tab import save_rate_figure
from components.churn.cohorts import cohort_figure
from components.churn.trend import churn_trend_figure
from components.data.actions import action_report
from components.data.churn import churn_cohorts, churn_trend
from components.data.incidents import incident_list, incident_recovery
from components.data.overview import overview_model
from components.data.quality import dq_model
from components.data.register import register_view
from components.data.satisfaction import satisfaction_model
from components.data.shared import customer_count
from components.data_quality.scorecard import table_matrix_figure
from components.export import stamp_lines, view_stamp
from components.headline import headline_html
from components.i18n import code_label, dimension_label, language, risk_status_label, t
from components.incidents.detail import recovery_table
from components.overview_parts import (
    Tile,
    attention_text,
    category_figure,
    risk_tiles,
    signal_tiles,
    signal_trend_figure,
)
from components.register.matrix import matrix_figure, score_levels
from components.satisfaction.trends import score_trend_figure
from data_access.codes import DQ_DIMENSIONS
from data_access.filters import Filters
from data_access.satisfaction import Focus
from data_access.security import VIEW_DASHBOARDS, VIEW_OVERVIEW, Viewer
from reports import figures
from reports.browser import ARGS, chromium_path, in_own_thread

SECTIONS = (
    "summary",
    "register",
    "signals",
    "satisfaction",
    "churn",
    "data_quality",
    "response",
)
_NEEDS = {"summary": VIEW_OVERVIEW, "signals": VIEW_OVERVIEW}  # others: VIEW_DASHBOARDS
TOP_RISKS = 15  # rows of the register's "above appetite" table in a pack
TOP_INCIDENTS = 10  # rows of the incidents table in a pack


@dataclass
class Section:
    key: str
    heading: str
    headline: str | None = None  # the section's answer in one sentence, as HTML
    tiles: list[Tile] = field(default_factory=list)
    attention: list[tuple[str, str, str]] = field(default_factory=list)  # subject, kind, why
    charts: list[go.Figure] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    note: str | None = None


@dataclass
class BoardPack:
    title: str
    stamp: list[tuple[str, str]]
    language: str
    sections: list[Section]

    @property
    def figures(self) -> list[go.Figure]:
        return [f for s in self.sections for f in s.charts]


def allowed_sections(viewer: Viewer) -> list[str]:
    """The sections this viewer's role may put in a pack."""
    return [s for s in SECTIONS if viewer.can(_NEEDS.get(s, VIEW_DASHBOARDS))]


def _summary(viewer: Viewer, filters: Filters) -> Section:
    model = overview_model(viewer, filters)
    said = [attention_text(item, html.escape) for item in model.attention]
    total = sum(model.risks_now.by_level.values())
    return Section(
        "summary",
        t("pack.summary"),
        headline_html(overview_headline(model.attention, customer_count(viewer), total)),
        tiles=risk_tiles(model) + signal_tiles(model),
        attention=[(a.subject, a.kind, a.reason) for a in said],
        note=t("overview.risks_at", date=model.risks_at.strftime("%Y-%m-%d")),
    )


def _signals(viewer: Viewer, filters: Filters) -> Section:
    model = overview_model(viewer, filters)
    charts = [f for f in (category_figure(model), signal_trend_figure(model)) if f is not None]
    return Section("signals", t("pack.signals"), charts=charts)


def _register(viewer: Viewer, filters: Filters) -> Section:
    view = register_view(viewer, filters, False)
    matrix = matrix_figure(viewer, filters, "current", score_levels())
    said = headline_html(register_headline(view))
    if view.empty:
        return Section("register", t("pack.register"), said, charts=[matrix])
    above = view[view["above_appetite"]].sort_values("score", ascending=False).head(TOP_RISKS)
    table = pd.DataFrame(
        {
            t("register.col.code"): above["code"],
            t("register.col.title"): above["title"],
            t("chart.category"): above["category"].map(lambda c: t("category." + c)),
            t("register.col.score"): above["score"],
            t("register.col.appetite"): above["appetite"],
            t("register.col.owner"): above["owner"],
            t("register.col.status"): above["status"].map(risk_status_label),
        }
    )
    return Section(
        "register",
        t("pack.register"),
        said,
        charts=[matrix],
        tables=[(t("register.appetite.breaches", n=int(view["above_appetite"].sum())), table)],
    )


def _satisfaction(viewer: Viewer, filters: Filters, focus: Focus | None) -> Section:
    model = satisfaction_model(viewer, filters, focus)
    said = satisfaction_headline(model.warnings, model.period, model.previous, model.min_n)
    return Section(
        "satisfaction",
        t("pack.satisfaction"),
        headline_html(said),
        charts=[score_trend_figure(model, "nps")],
    )


def _churn(viewer: Viewer, filters: Filters) -> Section:
    split = "contract_type"
    trend = churn_trend(viewer, filters, split)
    cohorts, _ = cohort_figure(churn_cohorts(viewer, filters, "month"), "month", "logo")
    return Section(
        "churn",
        t("pack.churn"),
        headline_html(churn_headline(trend.by_split, trend.period, split)),
        charts=[churn_trend_figure(trend), cohorts],
    )


def _data_quality(viewer: Viewer) -> Section:
    model = dq_model(viewer)
    if model.run_id is None:
        return Section("data_quality", t("pack.data_quality"), note=t("dq.no_runs"))
    if model.unscored_region:  # the newest run has no counts for the viewer's region
        note = t("dq.region_unscored", region=model.unscored_region)
        return Section("data_quality", t("pack.data_quality"), note=note)
    names = {d: t(f"dq.dim.{d}") for d in DQ_DIMENSIONS}
    return Section(
        "data_quality",
        t("pack.data_quality"),
        headline_html(dq_headline(model.latest, model.previous)),
        charts=[table_matrix_figure(model.latest, names)],
    )


def _incident_rows(listed: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "#": listed["id"],
            t("incident.col.title"): listed["title"],
            t("incident.col.risk"): listed["risk_code"],
            t("incident.col.severity"): listed["severity"].map(
                lambda s: t(f"incident.severity.{s}")
            ),
            t("incident.col.status"): listed["status"].map(lambda s: t(f"incident.status.{s}")),
            t("incident.col.started"): pd.to_datetime(listed["started_at"]).dt.strftime("%Y-%m-%d"),
            t("incident.col.customers"): listed["customers"],
            t("incident.col.overdue"): listed["overdue_duties"],
        }
    )


def _response(viewer: Viewer, filters: Filters, now: datetime) -> Section:
    """Respond and recover: the open incidents (and those closed in the period), the recovery
    of the newest incident whose window after containment has passed, and whether acting on
    the warnings worked (save rates with their intervals)."""
    listed = incident_list(viewer, "all", now)
    period_start = pd.Timestamp(filters.start)
    shown = (
        listed[
            (listed["status"] != "closed") | (pd.to_datetime(listed["closed_at"]) >= period_start)
        ]
        if not listed.empty
        else listed
    )
    open_count = int((shown["status"] != "closed").sum()) if not shown.empty else 0
    overdue = int(shown["overdue_duties"].sum()) if not shown.empty else 0
    tables: list[tuple[str, pd.DataFrame]] = []
    if not shown.empty:
        tables.append(
            (t("pack.response.incidents", n=len(shown)), _incident_rows(shown.head(TOP_INCIDENTS)))
        )
    # Newest first: the first incident whose recovery could be measured in the viewer's scope.
    for incident in listed.itertuples():
        recovery = incident_recovery(viewer, int(incident.id), now)
        if recovery["elapsed"] and any(r.sufficient for r in recovery["rows"]):
            title = t("pack.response.recovery", id=int(incident.id), title=incident.title)
            tables.append((title, recovery_table(recovery["rows"])))
            break
    report = action_report(viewer, filters)
    said = t("pack.response.headline", open=open_count, overdue=overdue)
    return Section(
        "response",
        t("pack.response"),
        html.escape(said),
        charts=[save_rate_figure(report.save_rates)],
        tables=tables,
    )


def build(
    viewer: Viewer,
    filters: Filters,
    sections: list[str] | tuple[str, ...] = SECTIONS,
    focus: Focus | None = None,
) -> BoardPack:
    """The pack's content for `viewer` (their scope applies in every query) in the current
    language; sections the role may not see are left out."""
    allowed = allowed_sections(viewer)
    builders = {
        "summary": lambda: _summary(viewer, filters),
        "register": lambda: _register(viewer, filters),
        "signals": lambda: _signals(viewer, filters),
        "satisfaction": lambda: _satisfaction(viewer, filters, focus),
        "churn": lambda: _churn(viewer, filters),
        "data_quality": lambda: _data_quality(viewer),
        "response": lambda: _response(
            viewer, filters, datetime.now().replace(second=0, microsecond=0)
        ),
    }
    chosen = [s for s in SECTIONS if s in sections and s in allowed]
    focus_text = (
        f"{dimension_label(focus.dimension)} = {code_label(focus.value)}" if focus else None
    )
    return BoardPack(
        t("pack.title"),
        view_stamp(viewer, filters, focus_text),
        language(),
        [builders[s]() for s in chosen],
    )


_CSS = """
@page { size: A4 landscape; margin: 20mm 12mm 14mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", "Noto Sans", Arial, sans-serif; color: #1f2937; font-size: 10pt;
  margin: 0 auto; max-width: 1200px; }
h1 { font-size: 20pt; margin: 0 0 2mm; }
h2 { font-size: 14pt; margin: 0 0 3mm; border-bottom: 1px solid #d1d5db; padding-bottom: 1mm; }
.stamp { color: #4b5563; font-size: 9pt; margin-bottom: 6mm; }
.stamp div { margin: 0.5mm 0; }
section { margin-bottom: 6mm; }
.block { break-inside: avoid; page-break-inside: avoid; margin-bottom: 5mm; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; }
.tile { border: 1px solid #d1d5db; border-radius: 4px; padding: 2.5mm 3mm; }
.tile .label { font-size: 9pt; color: #4b5563; }
.tile .value { font-size: 18pt; font-weight: 600; }
.tile .delta { font-size: 9pt; }
.delta.good { color: #15803d; } .delta.bad { color: #b91c1c; } .delta.off { color: #6b7280; }
.tile .help { font-size: 7.5pt; color: #6b7280; margin-top: 1mm; }
ol.attention li { margin-bottom: 1.5mm; break-inside: avoid; }
h3 { break-after: avoid; }
.kind { background: #fff7ed; color: #9a3412; border-radius: 3px; padding: 0 1.5mm;
  font-size: 8.5pt; }
figure { margin: 0; }
figure img { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 1mm 2mm; text-align: left; }
th { background: #f3f4f6; }
td.num { text-align: right; }
.note { color: #4b5563; font-size: 9pt; }
.answer { font-size: 11.5pt; margin: 0 0 3mm; }
@media print { .stamp { display: none; } body { max-width: none; } }
"""


def _delta_class(colour: str, delta: str) -> str:
    if colour == "off" or not delta:
        return "off"
    rising = delta.lstrip().startswith("+")
    return "good" if rising == (colour == "normal") else "bad"


def _tiles_html(tiles: list[Tile]) -> str:
    cells = []
    for tile in tiles:
        delta = tile.text.delta or ""
        cells.append(
            '<div class="tile">'
            f'<div class="label">{html.escape(tile.label)}</div>'
            f'<div class="value">{html.escape(tile.text.value)}</div>'
            f'<div class="delta {_delta_class(tile.text.colour, delta)}">{html.escape(delta)}</div>'
            f'<div class="help">{html.escape(tile.help)}</div></div>'
        )
    return f'<div class="tiles block">{"".join(cells)}</div>'


def _table_html(title: str, frame: pd.DataFrame) -> str:
    if frame.empty:
        return f'<div class="block"><h3>{html.escape(title)}</h3></div>'
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for value in record:
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{html.escape('' if pd.isna(value) else str(value))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="block"><h3>{html.escape(title)}</h3>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _attention_html(attention: list[tuple[str, str, str]]) -> str:
    if not attention:
        items = f"<p>{html.escape(t('overview.attention_empty'))}</p>"
    else:
        items = (
            '<ol class="attention">'
            + "".join(
                f'<li><b>{subject}</b> <span class="kind">{kind}</span><br>{why}</li>'
                for subject, kind, why in attention  # escaped when built
            )
            + "</ol>"
        )
    # A long list may run onto the next page, item by item; its heading stays with it.
    return f"<div><h3>{html.escape(t('overview.attention'))}</h3>{items}</div>"


def to_html(pack: BoardPack, images: list[str]) -> str:
    """The pack as one HTML document; `images` are the charts' data URIs in order."""
    pictures = iter(images)
    body = [f"<h1>{html.escape(pack.title)}</h1>", '<div class="stamp">']
    body += [f"<div>{html.escape(line)}</div>" for line in stamp_lines(pack.stamp)]
    body.append("</div>")
    for section in pack.sections:
        blocks = [f'<p class="answer">{section.headline}</p>'] if section.headline else []
        if section.note:
            blocks.append(f'<p class="note">{html.escape(section.note)}</p>')
        if section.tiles:
            blocks.append(_tiles_html(section.tiles))
        if section.key == "summary":
            blocks.append(_attention_html(section.attention))
        blocks += [
            f'<figure class="block"><img src="{next(pictures)}" alt=""></figure>'
            for _ in section.charts
        ]
        blocks += [_table_html(title, frame) for title, frame in section.tables]
        # The heading stays with the section's first block: never alone at a page's foot.
        head = f"<h2>{html.escape(section.heading)}</h2>" + (blocks[0] if blocks else "")
        body.append(f'<section id="{section.key}"><div class="block">{head}</div>')
        body += blocks[1:]
        body.append("</section>")
    return (
        f'<!doctype html><html lang="{pack.language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(pack.title)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )


def html_document(pack: BoardPack) -> str:
    """The self-contained HTML: charts drawn as SVG (vector, crisp at any print size)."""
    svgs = figures.render(pack.figures, "svg") if pack.figures else []
    return to_html(pack, [figures.svg_data_uri(s) for s in svgs])


_HEADER = """<div style="font-size:7.5pt; width:100%; padding:0 12mm; color:#4b5563;
 font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;">{lines}</div>"""
_FOOTER = """<div style="font-size:7.5pt; width:100%; padding:0 12mm; color:#4b5563;
 font-family:'Noto Sans CJK SC','Noto Sans',sans-serif; display:flex;
 justify-content:space-between;"><span>{title}</span>
 <span>{page} <span class="pageNumber"></span> / <span class="totalPages"></span></span></div>"""


def pdf_bytes(pack: BoardPack, document: str) -> bytes:
    """The HTML printed to an A4-landscape PDF by Chromium; the view in every page's header,
    page numbers in the footer. Fonts (CJK included) are embedded by Chromium."""
    from playwright.sync_api import sync_playwright  # the browser driver, only when printing

    header = _HEADER.format(lines="<br>".join(html.escape(x) for x in stamp_lines(pack.stamp)))
    footer = _FOOTER.format(title=html.escape(pack.title), page=html.escape(t("pack.page")))
    path = chromium_path()

    def print_pdf() -> bytes:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=path, headless=True, args=ARGS)
            try:
                page = browser.new_page()
                page.set_content(document, wait_until="load")
                return page.pdf(
                    format="A4",
                    landscape=True,
                    print_background=True,
                    display_header_footer=True,
                    header_template=header,
                    footer_template=footer,
                    margin={"top": "20mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
                )
            finally:
                browser.close()

    return in_own_thread(print_pdf)
