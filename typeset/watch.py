"""`paiban watch`: build an issue, then build it again whenever its records or designs change.

A page designer or an editor rebuilds a proof many times an hour. A fresh `paiban build` pays
the start-up every time (importing WeasyPrint and the libraries, reading fonts and caches:
about half of a one-page build); a watching process pays it once, and every rebuild after the
first costs only the build itself. Changes are found by polling the files' sizes and
modification times (no extra dependency, works on network folders), which costs a few
milliseconds a poll.

Only what changed is rendered again: the plain and print PDFs are rendered a page at a time,
and a page whose HTML (its records and design), fonts and program are unchanged reuses its last
PDF (typeset.render.PageCache); editing one article renders its page and the page it jumps to.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from typeset.batch import files_under, font_identity
from typeset.model.errors import UserError

Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(folders: list[Path]) -> Fingerprint:
    """(path, size, modification time) of every file under the folders."""
    found = []
    for folder in folders:
        for path in files_under(folder):
            try:
                st = path.stat()
            except OSError:          # removed while walking: the next poll sees it gone
                continue
            found.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(found)


def _print(line: str, error: bool) -> None:
    print(line)


def watch(issue: Path, out_dir: Path, *, build_options: dict | None = None, interval: float = 0.5,
          report: Callable[[str, bool], None] = _print, max_builds: int | None = None) -> int:
    """Build `issue` into `out_dir`, then again after every change of its folder or of the page
    designs (layouts/), until interrupted (or `max_builds` builds). Each build is reported in
    one line (`report(line, is_error)`); after a failed one the watch goes on: the next change
    may fix it. Returns the number of builds."""
    from typeset.pipeline import build
    from typeset.render import PageCache
    from typeset.sources.designs import load_layout
    from typeset.system.data import layout_dirs

    issue, out_dir = Path(issue), Path(out_dir)
    out_folder = out_dir.resolve()
    designs = [folder for folder in layout_dirs() if folder.is_dir()]
    watched = [issue, *designs]
    builds, seen = 0, None
    pages = PageCache()
    try:
        while max_builds is None or builds < max_builds:
            current = fingerprint(watched)
            if current == seen:
                time.sleep(interval)
                continue
            if seen is not None:
                changed = {p for p, *_ in set(current) ^ set(seen)}
                if any(Path(p).is_relative_to(folder) for p in changed for folder in designs):
                    load_layout.cache_clear()       # a design was edited: read it again
                if all(Path(p).resolve().is_relative_to(out_folder) for p in changed):
                    seen = current          # only our own output changed (out/ inside the issue)
                    continue
            seen = current
            start = time.perf_counter()
            pages.salt = font_identity()         # a font file replaced renders every page again
            rendered = pages.rendered
            try:
                result = build(issue, out_dir, page_cache=pages, **(build_options or {}))
                written = ", ".join(str(o.pdf) for o in result.outputs) or str(result.pdf)
                warnings = len(result.report.warnings)
                report(f"{time.strftime('%H:%M:%S')} wrote {written} in {time.perf_counter() - start:.2f} s"
                       f" ({pages.rendered - rendered} of {len(result.plan.pages)} 版 rendered)"
                       + (f" ({warnings} warning(s): paiban check {issue})" if warnings else ""), False)
            except UserError as e:
                report(f"{time.strftime('%H:%M:%S')} 错误 error: {e}", True)
            builds += 1
    except KeyboardInterrupt:
        pass
    return builds
