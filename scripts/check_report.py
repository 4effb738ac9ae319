"""Open a report in headless chromium with the network off; say how long it takes and how big it is.

    python scripts/check_report.py runs/NAME            # its report.html (drawn first if missing)
    python scripts/check_report.py page.html --seconds 5 --megabytes 15

The page draws the charts of its first screen at once and the others progressively
(`report/page.py`). Two times run from navigation: until the first screen's charts are drawn (the
page has opened: the limit applies to it) and until every chart is drawn (reported). The page is
opened three times and the medians count, after a first warm-up opening. The page must also load
with no console error and no network request, and draw something in every chart. Exits 1 when a
limit is exceeded, 2 on a bad path. The aim for the report of a 50k-row climb: open in under 5 s,
weigh under 15 MB, on a quiet machine (a machine busy with other work measures its own load: the
script also opens a bare plotly page, one chart, for comparison).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the test suite's browser driver (tests/browser.py)


def _bare_page(folder: Path) -> Path:
    """A page with plotly's JavaScript and one bar chart: what any plotly page costs here."""
    import plotly.graph_objects as go

    chart = go.Figure(go.Bar(x=[1, 2], y=[1, 2])).to_html(include_plotlyjs=True, full_html=False)
    path = folder / "bare.html"
    path.write_text(f'<html><body><div class="chart" data-chart="bare">{chart}</div></body></html>',
                    encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path, help="a report, or a run or model directory")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--megabytes", type=float, default=15.0)
    parser.add_argument("--openings", type=int, default=3)
    args = parser.parse_args(argv)
    from browser import Browser, chromium_path

    page = args.path
    if page.is_dir():
        from textladder.report import default_output, write_report

        page = default_output(page)
        if not page.is_file():
            print(f"drawing {page}", file=sys.stderr)
            write_report(args.path)
    if not page.is_file():
        print(f"error: no report at {page}", file=sys.stderr)
        return 2
    if chromium_path() is None:
        print("error: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    megabytes = page.stat().st_size / 1e6
    browser = Browser()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            bare = _bare_page(Path(scratch))
            browser.open(page)  # warm-up: the first start of a browser reads its files from disk
            openings = [browser.open(page) for _ in range(args.openings)]
            baseline = statistics.median(browser.open(bare).seconds
                                         for _ in range(args.openings))
    finally:
        browser.close()
    seconds = statistics.median(o.first_screen for o in openings)
    every = statistics.median(o.seconds for o in openings)
    last = openings[-1]
    empty = [chart for chart in last.charts if last.marks(chart) == 0]
    print(f"{page}: {megabytes:.2f} MB; opened (first screen drawn) in {seconds:.2f} s, all "
          f"{len(last.charts)} charts drawn in {every:.2f} s (medians of {args.openings}: "
          f"{', '.join(f'{o.first_screen:.2f}/{o.seconds:.2f}' for o in openings)}); "
          f"{len(last.errors)} console errors, {len(last.blocked)} network requests, "
          f"{len(empty)} empty charts")
    failed = []
    if seconds > args.seconds:
        failed.append(f"took {seconds:.2f} s (limit {args.seconds:g})")
    if megabytes > args.megabytes:
        failed.append(f"weighs {megabytes:.2f} MB (limit {args.megabytes:g})")
    if last.errors or last.blocked or empty:
        failed.append(f"errors {last.errors[:3]}, requests {last.blocked[:3]}, empty {empty[:3]}")
    print(f"for comparison, a page with plotly's JavaScript and one chart opened in "
          f"{baseline:.2f} s on this machine now (median of {args.openings})")
    for reason in failed:
        print(f"FAILED: {reason}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
