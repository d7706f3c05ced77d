"""The pages the design rules are held to (issue 12): the sample and three generated pages —
about 4,000 characters text only, 7,000 with two pictures (one portrait), 7,500 text only in
six articles. Prints the page designer's figures (typeset.plan.rules) and the planning time.

    python bench/design_pages.py OUT_FOLDER [--pdf]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

def write_pages(out: Path) -> dict[str, Path]:
    """The sample's folder and the generated pages the tests hold to the rules
    (tests/design_pages.py), by name."""
    import design_pages

    folders = {"sample": ROOT / "content" / "meili-juancheng"}
    for name in design_pages.PAGES:
        folder = out / name
        shutil.rmtree(folder, ignore_errors=True)
        folders[name] = design_pages.write_page(folder, name)
    return folders


def figures(folder: Path) -> dict:
    from typeset import compose, plan
    from typeset.plan import rules as pagerules
    from typeset.sources.issue_folder import load_issue

    issue = load_issue(folder)
    composing = [0.0]

    def timed(function):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                composing[0] += time.perf_counter() - start
        return run

    compose_paragraph, compose_headline = compose.compose_paragraph, compose.compose_headline
    compose.compose_paragraph, compose.compose_headline = timed(compose_paragraph), timed(compose_headline)
    start = time.perf_counter()
    try:
        issue_plan = plan.plan_issue(issue)
    finally:
        compose.compose_paragraph, compose.compose_headline = compose_paragraph, compose_headline
    seconds = time.perf_counter() - start - composing[0]   # planning without the composer, as bench/run.py
    page = issue_plan.pages[0]
    rules = pagerules.measure(page, folder)
    return {"plan_s": round(seconds, 3), "empty_lines": page.empty_lines, **rules.figures(),
            "titles": [(m.record.slug, row.size, row.role) for m in page.modules for row in m.fit.head
                       if row.kind == "title"]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pdf", action="store_true", help="build each page and write PNGs at 60 dpi")
    args = parser.parse_args()
    for name, folder in write_pages(args.out).items():
        print(name, json.dumps(figures(folder), ensure_ascii=False))
        if args.pdf:
            import subprocess

            target = args.out / f"{name}-out"
            subprocess.run([str(ROOT / ".venv/bin/paiban"), "build", str(folder), "-o", str(target)],
                           check=False, capture_output=True)
            for pdf in target.glob("*.pdf"):
                subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(args.out / f"{name}-{pdf.stem}")])
