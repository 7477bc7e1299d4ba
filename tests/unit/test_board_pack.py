"""The board pack from the command line, as a scheduled job runs it, on a real database and the
machine's Chromium: the PDF renders with pdftoppm, every page carries the view's stamp and
its number, charts are whole on one page, the table matches a count made here in SQL, CJK
fonts are embedded in Chinese, a scoped user's pack holds nothing of another region, the HTML
needs nothing from outside, and each run leaves an audit row. Also the image helpers: margins
that fit the labels, the stamp strip, an SVG that scales."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image
from sqlalchemy import Engine, func, select

from data_access import audit
from data_access.db import make_engine
from data_access.models import Risk, RiskAppetite
from data_access.register import RiskInput, create_risk
from data_access.schema import upgrade_schema
from data_access.security import Viewer
from data_access.users import create_user
from reports.figures import printable, stamped, svg_data_uri

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '<img src=x onerror="alert(1)"> & </table>'


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def pack_db(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A small demo database plus a risk whose title is hostile HTML, above its appetite."""
    from demo.seed import finish_seed, seed_demo

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('pack') / 'pack.db'}")
    upgrade_schema(engine)
    seed_demo(engine, customers=600, months=24, seed=11, as_of=date(2026, 11, 1))
    finish_seed(engine, as_of=date(2026, 11, 1))
    create_risk(engine, Viewer("risk", "risk_manager"), RiskInput(HOSTILE, "CRD", "Li Na"), 5, 5)
    return engine


def _run(engine: Engine, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"DATABASE_URL": _url(engine), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "reports", "board-pack", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [p for p in text.split("\f") if p.strip()]


def _above_appetite(engine: Engine) -> int:
    """Open risks whose current score exceeds their category's appetite, counted here."""
    with engine.connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(Risk)
            .join(RiskAppetite, RiskAppetite.category == Risk.category)
            .where(
                Risk.status != "Closed",
                Risk.current_likelihood * Risk.current_impact > RiskAppetite.max_score,
            )
        ).scalar_one()


def test_the_pdf_renders_with_the_stamp_on_every_page_and_whole_charts(pack_db, tmp_path):
    out = tmp_path / "pack.pdf"
    done = _run(pack_db, "--user", "risk", "--out", str(out), "--link", "end=2026-10&months=3")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")

    # pdftoppm draws every page; none is blank.
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    pages = _pages(out)
    assert len(images) == len(pages) >= 4
    for image in images:
        pixels = np.asarray(Image.open(image).convert("L"))
        assert (pixels < 200).mean() > 0.005, f"{image.name} is blank"

    for number, page in enumerate(pages, start=1):
        assert "View: Aug 2026 – Oct 2026" in page
        assert "by risk" in page and "Language: en" in page
        assert f"Page {number} / {len(pages)}" in page

    # Each chart whole on one page: its title and its axis title share the page.
    for title, axis in (
        ("Open risks by category and level", "Open risks"),
        ("NPS per month", "NPS (−100 to 100)"),
        ("Logo churn, GRR and NRR", "Revenue retention"),
        ("Score by table and dimension", "customers"),
        ("Save rate per action kind, with 95% CI (Wilson)", "Retention offer"),
    ):
        holding = [p for p in pages if title in p]
        assert len(holding) == 1, title
        assert axis in holding[0].replace(title, ""), f"{title} split from its axis"

    # The breaches table says what SQL counts here (the hostile title included, as text).
    expected = _above_appetite(pack_db)
    assert any(f"Breaches: {expected} open risks above appetite" in p for p in pages)
    assert any("<img src=x" in p for p in pages)
    # Respond and recover: the demo's incidents (3, one closed before the period; a demo of
    # 600 customers has too few affected ones to measure a recovery, so none is shown).
    assert any("Incidents open, or closed in the period (2)" in p for p in pages)
    assert not any("Did customers recover?" in p for p in pages)

    with pack_db.connect() as conn:
        row = audit.recent(conn, 5, "risk")[0]
    assert (row.action, row.object_type) == ("export", "board_pack")
    detail = json.loads(row.detail)
    assert detail["format"] == "pdf" and detail["via"] == "command line"
    assert detail["filters"]["end"] == "2026-10"


def test_in_chinese_the_glyphs_are_embedded(pack_db, tmp_path):
    out = tmp_path / "pack-zh.pdf"
    done = _run(pack_db, "--user", "exec", "--out", str(out), "--lang", "zh")
    assert done.returncode == 0, done.stderr
    fonts = subprocess.run(
        ["pdffonts", str(out)], capture_output=True, text=True, check=True
    ).stdout
    # Every font embedded (Chromium embeds Noto CJK's glyphs as Type 3 fonts): a reader
    # without Chinese fonts sees the same page.
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts
    assert any("Type 3" in row for row in rows)
    pages = _pages(out)
    assert "董事会报告包" in pages[0] and "视图" in pages[0]
    assert "NPS" in "".join(pages)


def test_a_scoped_users_html_pack_is_self_contained_and_holds_only_their_region(pack_db, tmp_path):
    out = tmp_path / "pack.html"
    done = _run(pack_db, "--user", "risk_east", "--out", str(out), "--link", "?region=West")
    assert done.returncode == 0, done.stderr
    assert "West is outside risk_east's scope" in done.stderr
    page = out.read_text("utf-8")
    assert "region East" in page and "West" not in page
    # Data-quality scores are counted per region: a scoped user's pack has East's scorecard.
    assert "has no data-quality scores" not in page
    # matrix, two overview charts, NPS, churn trend, cohorts, data-quality scorecard, save rates
    assert page.count('<img src="data:image/svg+xml;base64,') == 8
    # Respond and recover: East sees the all-region incidents but none of their customers, so
    # no recovery is measured in its scope.
    assert "Respond and recover" in page and "Did customers recover?" not in page
    # Nothing to fetch: no script, no link, every image inline.
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert 'src="http' not in page
    # The hostile title is a national-scope risk (no region): shown, escaped, never markup.
    assert HOSTILE not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_an_unknown_user_or_section_writes_nothing(pack_db, tmp_path):
    out = tmp_path / "none.pdf"
    done = _run(pack_db, "--user", "nobody", "--out", str(out))
    assert done.returncode == 2 and "no active user 'nobody'" in done.stderr
    done = _run(pack_db, "--user", "risk", "--out", str(out), "--sections", "summary,secrets")
    assert done.returncode == 2 and "unknown section(s) secrets" in done.stderr
    assert not out.exists()


def test_an_empty_install_gets_a_pack_that_says_so(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade_schema(engine)
    with engine.begin() as conn:
        create_user(conn, "boss", "Boss", "boss@example.com", "a-long-password-1", "admin")
    out = tmp_path / "empty.pdf"
    done = _run(engine, "--user", "boss", "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = "".join(_pages(out))
    assert "Nothing needs attention" in text
    assert "No check has run yet." in text
    engine.dispose()


def test_printed_margins_fit_the_longest_label_and_bar_labels_lie_flat():
    label = "TEC · Technology update and maintenance"
    fig = go.Figure(go.Bar(x=[1, 2], y=[label, "AVL"], orientation="h", textangle=-90))
    fig.update_layout(margin={"l": 10, "r": 10, "t": 50, "b": 10})
    ready = printable(fig)
    # 40 characters at 12 px × 0.6 = 288 px of label, plus a little room.
    assert ready.layout.margin.l >= 288
    assert ready.data[0].textangle == 0
    assert fig.layout.margin.l == 10  # the screen's figure is untouched
    wide = printable(go.Figure(go.Bar(x=[1], y=["技术更新与维护"], orientation="h")))
    assert wide.layout.margin.l >= 7 * 2 * 12 * 0.6  # a CJK character is two widths


def test_the_stamp_sits_in_a_strip_of_its_own_under_the_chart():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    fig.update_layout(height=400, margin={"b": 60})
    lines = ["View: Aug 2026 – Oct 2026 · region East", f"Generated: {datetime(2026, 11, 27)}"]
    out = stamped(fig, lines)
    strip = 16 * 2 + 12
    assert out.layout.height == 400 + strip and out.layout.margin.b == 60 + strip
    (note,) = out.layout.annotations
    assert note.text == "<br>".join(lines) and note.yshift == -60 and note.yanchor == "top"
    assert fig.layout.height == 400 and not fig.layout.annotations


def test_an_svg_without_a_view_box_gets_one_so_it_scales():
    svg = b'<svg class="main-svg" xmlns="http://www.w3.org/2000/svg" width="1200" height="500">'
    uri = svg_data_uri(svg + b"<g/></svg>")
    decoded = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert decoded.startswith('<svg viewBox="0 0 1200 500" class="main-svg"')
