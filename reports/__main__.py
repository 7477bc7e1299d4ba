"""`python -m reports board-pack --user U --out F.pdf [--link QUERY] [--lang en|zh]
[--sections a,b]`: the board pack for a scheduled job, as user U sees it (their role and
region scope), with the filters of a dashboard link (the part after `?`, or the whole link)."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy.exc import DBAPIError


def _query(link: str) -> dict[str, str]:
    query = urlsplit(link).query if "?" in link or "://" in link else link
    return dict(parse_qsl(query.lstrip("?")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    pack = commands.add_parser("board-pack", help="write the board pack as PDF or HTML")
    pack.add_argument("--user", required=True, help="whose view: role and region scope apply")
    pack.add_argument("--out", required=True, type=Path, help="F.pdf or F.html")
    pack.add_argument("--link", default="", help="a dashboard link or its query: end=2026-10&…")
    pack.add_argument("--lang", choices=("en", "zh"), help="default: the link's, else English")
    pack.add_argument("--sections", help="comma-separated; default all the user may see")
    args = parser.parse_args(argv)
    suffix = args.out.suffix.lower()
    if suffix not in (".pdf", ".html"):
        parser.error(f"--out must end in .pdf or .html, not {args.out.name!r}")

    # Streamlit's caches and session state run bare here; their notes about it are noise.
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit import logger

    logger.set_log_level("error")
    import streamlit as st

    from components import state
    from components.cache import engine
    from components.data.shared import app_settings, latest_full_month, readable_code_lists
    from data_access import audit
    from data_access.filters import Filters
    from data_access.satisfaction import Focus
    from data_access.users import get_viewer
    from reports import board_pack
    from reports.browser import BrowserMissing

    params = _query(args.link)
    st.session_state[state.LANGUAGE] = args.lang or (
        params.get(state.LANGUAGE_PARAM)
        if params.get(state.LANGUAGE_PARAM) in ("en", "zh")
        else "en"
    )
    try:
        with engine().connect() as conn:
            viewer = get_viewer(conn, args.user)
    except DBAPIError as exc:
        print(f"No board pack: the database cannot be used ({exc.orig})", file=sys.stderr)
        return 1
    if viewer is None:
        print(f"No board pack: no active user {args.user!r}", file=sys.stderr)
        return 2
    settings = app_settings()
    lists = readable_code_lists()
    filters = Filters.from_query_params(
        params, latest_full_month(), settings["churn_basis"], settings["inactivity_days"], lists
    )
    outside = [r for r in filters.regions if viewer.region_scope not in (None, r)]
    if outside:  # as in the app: a link naming another region shows nothing from it
        print(
            f"Left out: region {', '.join(outside)} is outside {viewer.username}'s scope",
            file=sys.stderr,
        )
        filters = replace(filters, regions=tuple(r for r in filters.regions if r not in outside))
    sections = (
        [s.strip() for s in args.sections.split(",") if s.strip()]
        if args.sections
        else list(board_pack.SECTIONS)
    )
    unknown = [s for s in sections if s not in board_pack.SECTIONS]
    if unknown:
        parser.error(
            f"unknown section(s) {', '.join(unknown)}; known: {', '.join(board_pack.SECTIONS)}"
        )
    focus = Focus.from_param(params.get(state.SAT_FOCUS_PARAM), lists)
    built = board_pack.build(viewer, filters, sections, focus)
    try:
        document = board_pack.html_document(built)
        data = board_pack.pdf_bytes(built, document) if suffix == ".pdf" else document.encode()
    except BrowserMissing as exc:
        print(f"No board pack: {exc}", file=sys.stderr)
        return 1
    args.out.write_bytes(data)
    audit.record_export(
        engine(),
        viewer.username,
        "board_pack",
        len(built.sections),
        {
            "file": args.out.name,
            "format": suffix[1:],
            "filters": filters.to_query_params(),
            "sections": [s.key for s in built.sections],
            "via": "command line",
        },
    )
    print(f"Wrote {args.out} ({len(data):,} bytes, {len(built.sections)} sections)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
