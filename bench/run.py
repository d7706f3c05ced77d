"""Speed at page, issue and archive scale, measured against the alternatives.

    python bench/run.py [--repeat 3] [--quick] [--no-batch] [--batch-issues 20] [--memory-issues 0]
                        [--work DIR] [--json FILE]

Builds the sample issue (content/meili-juancheng) and generated issues of 1, 4 and 16 pages, and
prints the median wall time and peak memory (the child's ru_maxrss from os.wait4) of
  (a) `paiban build ISSUE` as a user runs it (a fresh process),
  (b) WeasyPrint alone (`python -m weasyprint`) on the exact HTML `paiban build --html` wrote:
      the floor our pipeline sits on,
  (c) Typst (PyPI `typst`) compiling an equivalent document written here (same text, page size,
      columns, body size and leading, the same fonts), as a process and in-process,
with the ratios a/b and a/c, and the stages of a build timed in a fresh process through the
Python API: imports, fonts, load, records check, compose, plan, render (HTML), WeasyPrint
layout, PDF writing, preflight. Then a page at a time: --jobs 2 against --jobs 1, the rebuild of
`paiban watch` and of `paiban serve` (its live page's new state) after one article changed; the
batch: N generated issues with --jobs 1 and --jobs 2, and a second run with nothing changed.

Only the standard library measures (time.perf_counter, os.wait4). A benchmark, not a test:
the numbers depend on the machine, so the README says which machine they came from.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "content" / "meili-juancheng"
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "content"))
PY = sys.executable

# Stages that are WeasyPrint's own work (the floor); everything else is ours.
WEASYPRINT_STAGES = ("layout", "write")
STAGES = ("import weasyprint", "import", "fonts", "load", "check records", "compose", "plan",
          "render html", "layout", "write", "preflight")


# --- measuring a process ---------------------------------------------------------------------

def run_process(args: list[str], *, env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak resident memory in MB) of one child process; raises if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, **(env or {})})
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{stderr.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def median_process(args: list[str], repeat: int) -> tuple[float, float]:
    runs = [run_process(args) for _ in range(repeat)]
    return statistics.median(w for w, _ in runs), max(m for _, m in runs)


# --- the issues ------------------------------------------------------------------------------

def prepare_issues(work: Path, quick: bool) -> list[tuple[str, Path]]:
    from generate import write_issue
    from sample_pictures import make_samples

    make_samples(SAMPLE)
    issues = [("sample (meili-juancheng)", SAMPLE)]
    for pages in ((1, 4) if quick else (1, 4, 16)):
        # a generated issue the build fails on (a planner or preflight error) is reported and
        # replaced by the next seed: the benchmark times builds that succeed
        for seed in range(pages, pages + 500, 100):
            folder = work / "issues" / f"gen-{pages}p-s{seed}"
            if not (folder / "issue.toml").is_file():
                write_issue(folder, pages=pages, articles=4, seed=seed)
            try:
                run_process([PY, "-m", "typeset", "build", str(folder), "-o", str(work / "out" / folder.name),
                             "--html"])
                break
            except RuntimeError as e:
                print(f"  note: generated issue {folder.name} does not build, next seed: "
                      f"{str(e).strip().splitlines()[-1][:300]}", flush=True)
        issues.append((f"generated {pages} page{'s' if pages > 1 else ''}", folder))
    return issues


# --- (c) the Typst document --------------------------------------------------------------------

def _typst_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)      # a JSON string is a valid Typst string


def write_typst(issue_folder: Path, target: Path) -> Path:
    """An equivalent Typst document: every page of the issue on the layout's trim size, in its
    基本栏 columns with their gutter, 版心 margins, body size and line pitch; each article's
    kicker, title (黑体), dateline, paragraphs (书宋, justified, 2 em indent), byline (楷体) and
    pictures with captions. Typst flows and balances nothing by design rules; it is the speed
    of setting the same text on the same grid."""
    from typeset.sources.designs import load_layout
    from typeset.sources.issue_folder import load_issue
    from typeset.system import fonts

    issue = load_issue(issue_folder)
    role = {key: r for key, r in fonts.role_map().items()}
    out = []
    for n, page in enumerate(issue.issue.pages):
        layout = load_layout(page.layout)
        trim_w, trim_h = layout.trim
        left = layout.area_left
        right = trim_w - left - layout.area_width
        top = layout.area_top
        bottom = trim_h - top - layout.area_height
        g = layout.grid
        if n:
            out.append("#pagebreak()")
        out.append(
            f"#set page(width: {trim_w:.3f}pt, height: {trim_h:.3f}pt, columns: {g.columns},\n"
            f"  margin: (left: {left:.3f}pt, right: {right:.3f}pt, top: {top:.3f}pt, bottom: {bottom:.3f}pt))\n"
            f"#set columns(gutter: {layout.gap:.3f}pt)\n"
            f"#set text(font: {_typst_string(role['shusong'].family)}, size: {g.body_size_pt}pt, lang: \"zh\", region: \"cn\")\n"
            f"#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: {g.pitch_pt - g.body_size_pt:.2f}pt,"
            f" spacing: {g.pitch_pt - g.body_size_pt:.2f}pt)\n"
            f"#place(top + left, float: true, scope: \"parent\")["
            f"#text(font: {_typst_string(role['heiti'].family)}, weight: \"bold\", size: 24pt)[{_escape(page.section or '')}]"
            f" #h(1fr) #text(font: {_typst_string(role['heiti'].family)}, weight: \"bold\", size: 9pt)"
            f"[{_escape(issue.issue.paper)} · 第{page.number}版]]")
        for i, article in enumerate(issue.page_articles(page)):
            heiti = _typst_string(role["heiti"].family)
            size = layout.headline.lead[0] if i == 0 else layout.headline.medium[0]
            head = []
            if article.kicker:
                head.append(f"#text(font: {heiti}, weight: \"bold\", size: {size * 0.55:.1f}pt)[{_escape(article.kicker)}]")
            head.append(f"#text(font: {heiti}, weight: \"bold\", size: {size}pt)[{_escape(article.title)}]")
            if article.subtitle:
                head.append(f"#text(font: {heiti}, weight: \"bold\", size: {size * 0.55:.1f}pt)[{_escape(article.subtitle)}]")
            out.append("#block(width: 100%, above: 1em, below: 1em)[#set par(first-line-indent: 0pt, justify: false)\n"
                       + " \\\n".join(head) + "]")
            for picture in article.pictures:
                path = (issue.folder / picture.file).resolve()
                out.append(f"#figure(image({_typst_string(str(path))}, width: 100%), caption: "
                           f"text(font: {_typst_string(role['kaiti'].family)}, size: {layout.picture.caption_size_pt}pt)"
                           f"[{_escape((picture.caption or '') + ' ' + (picture.credit or ''))}])")
            for k, paragraph in enumerate(article.paragraphs):
                lead = (f"#text(font: {heiti}, weight: \"bold\")[{_escape(article.dateline)}]"
                        if k == 0 and article.dateline else "")
                out.append(lead + _escape(paragraph))
            if article.byline:
                out.append(f"#align(right)[#text(font: {_typst_string(role['kaiti'].family)})[{_escape(article.byline)}]]")
    target.write_text("\n\n".join(out) + "\n", encoding="utf-8")
    return target


def _escape(text: str) -> str:
    """Typst markup: escape the characters that start markup."""
    for ch in "\\#*_`$<>@[]=-+/~\"'":
        text = text.replace(ch, "\\" + ch)
    return text


def typst_in_process(typ: Path, pdf: Path, repeat: int) -> tuple[float, float]:
    """(median of the warm compiles, the first compile) in this process."""
    import typst

    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        typst.compile(str(typ), output=str(pdf), root="/")
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]), times[0]


# --- the stages, in a fresh process ----------------------------------------------------------------

class _Stopwatch:
    """Wall and CPU seconds per stage: CPU time (time.process_time) is the work itself, and
    moves less than wall time when a shared machine is busy."""

    def __init__(self):
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - wall, time.process_time() - cpu)

    def add(self, name: str, wall: float, cpu: float) -> None:
        self.wall[name] = self.wall.get(name, 0.0) + wall
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu

    def timed(self, name: str, function):
        """`function`, its time added to stage `name` (and taken from the stage it runs in)."""
        def wrapper(*args, **kwargs):
            with self.stage(name):
                return function(*args, **kwargs)
        return wrapper


def stages(issue: Path, out: Path) -> dict:
    """Time the stages of one build through the Python API (run in a fresh process, so first
    uses — fonts, caches — count as they do for `paiban build`): {"wall": {stage: s},
    "cpu": {stage: s}, "errors": n}."""
    import gc

    gc.disable()        # as `paiban build` runs (typeset.cli, pipeline.gc_paused)
    watch = _Stopwatch()
    with watch.stage("total"):
        # WeasyPrint first: what it imports (Pillow, fontTools, cffi, much of the standard
        # library) (b) imports too, so "import" is what our modules add to it
        with watch.stage("import weasyprint"):
            import weasyprint
        with watch.stage("import"):
            import pikepdf  # noqa: F401  (preflight's PDF reader, imported when it first reads a PDF)

            from typeset import compose, plan, preflight, render
            from typeset.sources import issue_folder
            from typeset.system import fonts
        compose.compose_paragraph = watch.timed("compose", compose.compose_paragraph)
        compose.compose_headline = watch.timed("compose", compose.compose_headline)
        with watch.stage("fonts"):
            fonts.check_all()
        with watch.stage("load"):
            loaded = issue_folder.load_issue(issue)
        with watch.stage("check records"):
            preflight.check_records(loaded)
        with watch.stage("plan"):
            issue_plan = plan.plan_issue(loaded)
        with watch.stage("render html"):
            html = render.render_html(issue_plan)
        with watch.stage("layout"):
            document = weasyprint.HTML(string=html, base_url=str(issue_plan.issue.folder.resolve())).render()
        out.mkdir(parents=True, exist_ok=True)
        pdf = out / f"{issue.name}.stages.pdf"
        with watch.stage("write"):
            document.write_pdf(pdf)
        with watch.stage("preflight"):
            findings = preflight.check_pdf(pdf, issue_plan)
        compose.save_metrics()
    for clock in (watch.wall, watch.cpu):       # planning's time without the composer's in it
        clock["plan"] -= clock.get("compose", 0.0)
    return {"wall": watch.wall, "cpu": watch.cpu, "errors": sum(f.severity == "error" for f in findings)}


def stage_breakdown(issue: Path, out: Path, repeat: int) -> dict:
    """Medians over `repeat` fresh processes: the seconds of each stage ("wall", "cpu") and the
    share of our stages in the build ("ours", "ours_cpu", "ours_warm")."""
    runs = []
    for _ in range(repeat):
        done = subprocess.run([PY, __file__, "--stages", str(issue), str(out)], capture_output=True,
                              text=True, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    median = statistics.median
    return {"wall": {k: median(r["wall"][k] for r in runs) for k in runs[0]["wall"]},
            "cpu": {k: median(r["cpu"][k] for r in runs) for k in runs[0]["cpu"]},
            "ours": median(ours(r["wall"]) / r["wall"]["total"] for r in runs),
            "ours_cpu": median(ours(r["cpu"]) / r["cpu"]["total"] for r in runs),
            "ours_warm": median(warm_share(r["wall"]) for r in runs),
            "errors": max(r["errors"] for r in runs)}


def ours(times: dict[str, float]) -> float:
    """Seconds in our own stages: everything but WeasyPrint's layout and PDF writing and its
    import (which (b) pays too)."""
    return sum(v for k, v in times.items() if k in STAGES and k not in WEASYPRINT_STAGES
               and k != "import weasyprint")


def warm_share(times: dict[str, float]) -> float:
    """Our share without start-up (imports, font resolution), as in a batch worker or
    `paiban watch`."""
    startup = times["import"] + times["import weasyprint"] + times["fonts"]
    return (ours(times) - times["import"] - times["fonts"]) / (times["total"] - startup)


# --- the batch ---------------------------------------------------------------------------------------

def _burn(_=None) -> float:
    start = time.perf_counter()
    x = 0
    for i in range(10_000_000):
        x += i
    return time.perf_counter() - start


def cpu_scaling() -> float:
    """How much faster 2 processes finish 2 pure-Python loops than 1 process finishes 1 each,
    now: 2.0 on two idle cores, less when other work shares the machine. The ceiling of any
    --jobs 2 speedup measured at the same time."""
    import multiprocessing

    one = _burn()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        start = time.perf_counter()
        pool.map(_burn, [0, 1])
        two = time.perf_counter() - start
    return 2 * one / two


def _generate(folder: Path, count: int) -> None:
    from generate import write_issue

    for i in range(count):
        target = folder / f"issue-{i:03d}"
        if not (target / "issue.toml").is_file():
            write_issue(target, pages=1, articles=4, seed=100 + i)


def batch_bench(work: Path, count: int, skip_count: int, repeat: int = 1) -> dict:
    folder = work / "batch"
    _generate(folder, count)
    result = {"issues": count, "cpu_scaling_before": cpu_scaling()}
    for jobs in (1, 2):
        walls = []
        for _ in range(repeat):
            out = work / f"batch-out-{jobs}"
            shutil.rmtree(out, ignore_errors=True)
            walls.append(run_process([PY, "-m", "typeset", "batch", str(folder), "-o", str(out),
                                      "--jobs", str(jobs), "-q"])[0])
        result[f"jobs{jobs}"] = statistics.median(walls)
    result["speedup"] = result["jobs1"] / result["jobs2"]
    result["cpu_scaling_after"] = cpu_scaling()
    # the unchanged run, on `skip_count` issues (the first `count` are built already)
    out = work / "batch-out-2"
    skip_count = max(skip_count, count)
    _generate(folder, skip_count)
    run_process([PY, "-m", "typeset", "batch", str(folder), "-o", str(out), "--jobs", "2", "-q"])
    walls = [run_process([PY, "-m", "typeset", "batch", str(folder), "-o", str(out), "--jobs", "2", "-q"])[0]
             for _ in range(3)]
    result["unchanged_issues"] = skip_count
    result["unchanged"] = statistics.median(walls)
    result["unchanged_per_100"] = result["unchanged"] * 100 / skip_count
    return result


def memory_bench(work: Path, count: int, max_tasks_per_child: int | None = None) -> list[tuple[int, float]]:
    """Resident memory of the worker after each of `count` builds, one job: ONE worker never
    replaced (None), or the batch's default of replacing it every few issues."""
    from generate import write_issue

    from typeset import batch

    folder = work / "memory"
    for i in range(count):
        target = folder / f"m-{i:03d}"
        if not (target / "issue.toml").is_file():
            write_issue(target, pages=1, articles=4, seed=500 + i)
    out = work / "memory-out"
    shutil.rmtree(out, ignore_errors=True)
    rss: list[tuple[int, float]] = []
    batch.run([folder], out, jobs=1, max_tasks_per_child=max_tasks_per_child,
              on_result=lambda r: rss.append((len(rss) + 1, r.rss_mb)))
    return rss


# --- a page at a time: --jobs, watch, WeasyPrint's layout --------------------------------------

def jobs_bench(issue: Path, work: Path, repeat: int) -> dict:
    """`paiban build` of one issue with --jobs 1 (the issue whole) and --jobs 2 (a page at a time
    in two processes), fresh processes run in turn: the medians of wall time, of CPU time (the
    build's and its workers', from getrusage), of each pair's wall ratio; and the CPU scaling
    meanwhile."""
    import resource

    result: dict = {"cpu_scaling": cpu_scaling()}
    walls: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeat):
        for jobs in (1, 2):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            walls[jobs].append(run_process([PY, "-m", "typeset", "build", str(issue), "-o", str(work / f"jobs-{jobs}"),
                                            "--jobs", str(jobs)])[0])
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[jobs].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    for jobs in (1, 2):
        result[f"jobs{jobs}"] = statistics.median(walls[jobs])
        result[f"cpu{jobs}"] = statistics.median(cpus[jobs])
    result["ratio"] = statistics.median(b / a for a, b in zip(walls[1], walls[2]))
    return result


def watch_rebuild(issue: Path, one_page: Path, out: Path, repeat: int = 3) -> dict:
    """In one warm process, as `paiban watch` runs: the big issue built with the page cache,
    then `repeat` times in turn a one-page issue built and the big issue built again after one
    more edit of one article (its page set again); the medians, and the median of the ratios of
    each pair (the two builds of a pair run seconds apart, so a busy spell of the machine falls
    on both)."""
    from typeset.pipeline import build
    from typeset.render import PageCache
    from typeset.sources.issue_folder import load_issue

    build(one_page, out / "one")
    cache = PageCache()
    build(issue, out / "big", page_cache=cache)
    loaded = load_issue(issue)
    slug = loaded.issue.pages[len(loaded.issue.pages) // 2].articles[0]
    record = issue / "articles" / f"{slug}.md"
    text = record.read_text(encoding="utf-8")
    ones, rebuilds, rendered = [], [], []
    try:
        for n in range(1, repeat + 1):
            start = time.perf_counter()
            build(one_page, out / "one")
            ones.append(time.perf_counter() - start)
            record.write_text(text.replace("。", "！", n), encoding="utf-8")
            before = cache.rendered
            start = time.perf_counter()
            result = build(issue, out / "big", page_cache=cache)
            rebuilds.append(time.perf_counter() - start)
            rendered.append(cache.rendered - before)
    finally:
        record.write_text(text, encoding="utf-8")
    return {"one_page": statistics.median(ones), "rebuild": statistics.median(rebuilds),
            "pages": len(result.plan.pages), "rendered": max(rendered),
            "ratio": statistics.median(r / o for r, o in zip(rebuilds, ones)),
            "serve": {"sample": serve_rebuild(SAMPLE, out / "sample"), "big": serve_rebuild(issue, out / "serve")}}


def serve_rebuild(issue: Path, copy: Path) -> dict:
    """`paiban serve`'s rebuild after one article of a copy of `issue` changed (its page set,
    read and rasterized again), in its warm process, from the save to the state with the new
    images: the seconds a page designer waits, less the push to the browser (milliseconds)."""
    from typeset.serve import Live
    from typeset.sources.issue_folder import load_issue

    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(issue, copy)
    live = Live(copy, 72)
    live.apply(live._build(1))
    slug = load_issue(copy).issue.pages[len(live.state.pages) // 2].articles[0]
    record = copy / "articles" / f"{slug}.md"
    text = record.read_text(encoding="utf-8")
    times = []
    for n in range(1, 4):
        record.write_text(text.replace("。", "！", n), encoding="utf-8")
        start = time.perf_counter()
        live.apply(live._build(n + 1))
        times.append(time.perf_counter() - start)
    return {"seconds": statistics.median(times), "pages": len(live.state.pages), "rendered": live.state.rendered}


def layout_compare(before: Path, after: Path, base_url: Path, repeat: int) -> dict:
    """WeasyPrint's layout (HTML(...).render()) of two HTML files of the same pages, CPU seconds,
    runs interleaved (median)."""
    import weasyprint

    html = {"before": before.read_text(encoding="utf-8"), "after": after.read_text(encoding="utf-8")}
    times: dict[str, list[float]] = {"before": [], "after": []}
    weasyprint.HTML(string=html["after"], base_url=str(base_url)).render()      # warm
    for _ in range(repeat):
        for key in ("before", "after"):
            start = time.process_time()
            weasyprint.HTML(string=html[key], base_url=str(base_url)).render()
            times[key].append(time.process_time() - start)
    result = {k: statistics.median(v) for k, v in times.items()}
    result["ratio"] = result["after"] / result["before"]
    result["spans"] = {k: v.count("<span") for k, v in html.items()}
    return result


# --- the report ---------------------------------------------------------------------------------------

def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    try:
        mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")) / 1e6
    except (OSError, StopIteration):
        mem = 0
    from importlib import metadata

    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("weasyprint", "typst", "uharfbuzz", "pikepdf"))
    return (f"{cpu}, {os.cpu_count()} CPUs, {mem:.0f} GB RAM; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; {versions}; load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the median is shown)")
    parser.add_argument("--quick", action="store_true", help="no 16-page issue, 4 batch issues, 1 run each")
    parser.add_argument("--no-batch", action="store_true")
    parser.add_argument("--batch-issues", type=int, default=20)
    parser.add_argument("--skip-issues", type=int, default=100,
                        help="issues in the unchanged (all skipped) batch run")
    parser.add_argument("--memory-issues", type=int, default=0,
                        help="also build this many issues in one never-replaced worker and report its memory")
    parser.add_argument("--work", type=Path, help="folder for the generated issues and outputs (kept)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--layout-compare", nargs=3, type=Path, metavar=("BEFORE_HTML", "AFTER_HTML", "ISSUE"),
                        help="only: WeasyPrint's layout time of two HTML files of the same issue "
                             "(e.g. paiban build --html before and after a change of the lines)")
    parser.add_argument("--stages", nargs=2, metavar=("ISSUE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--watch-rebuild", nargs=3, metavar=("ISSUE", "ONE_PAGE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stages:
        print(json.dumps(stages(Path(args.stages[0]), Path(args.stages[1]))))
        return
    if args.watch_rebuild:
        print(json.dumps(watch_rebuild(*map(Path, args.watch_rebuild), repeat=max(args.repeat, 3))))
        return
    if args.layout_compare:
        before, after, issue = args.layout_compare
        r = layout_compare(before, after, issue, max(args.repeat, 3))
        print(f"WeasyPrint layout, CPU s (median of {max(args.repeat, 3)}): before {r['before']:.3f}, "
              f"after {r['after']:.3f}, after/before {r['ratio']:.2f}; spans {r['spans']['before']} → "
              f"{r['spans']['after']}")
        return
    if args.quick:
        args.repeat, args.batch_issues, args.skip_issues = 1, 4, 4
    work = args.work or Path(tempfile.mkdtemp(prefix="paiban-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"work folder: {work}\n")
    # the package compiled, as `make setup` leaves it (PYTHONDONTWRITEBYTECODE may be set)
    compileall.compile_dir(ROOT / "typeset", quiet=1)
    # warm the disk caches (font hashes, advances) once, as any second build finds them
    run_process([PY, "-m", "typeset", "build", str(SAMPLE), "-o", str(work / "warm")])
    from typeset.sources import issue_folder

    results = []
    issues = prepare_issues(work, args.quick)
    for label, folder in issues:
        out = work / "out" / folder.name
        run_process([PY, "-m", "typeset", "build", str(folder), "-o", str(out), "--html"])
        html = out / f"{folder.name}.html"
        loaded = issue_folder.load_issue(folder)
        pages = len(loaded.issue.pages)
        chars = sum(len(a.text()) for a in loaded.articles.values())
        a = median_process([PY, "-m", "typeset", "build", str(folder), "-o", str(out)], args.repeat)
        b = median_process([PY, "-m", "weasyprint", str(html), str(out / "weasyprint-alone.pdf")], args.repeat)
        typ = write_typst(folder, out / f"{folder.name}.typ")
        code = f"import typst; typst.compile({str(typ)!r}, output={str(out / 'typst.pdf')!r}, root='/')"
        c = median_process([PY, "-c", code], args.repeat)
        c_warm, c_first = typst_in_process(typ, out / "typst.pdf", args.repeat)
        st = stage_breakdown(folder, out, args.repeat)
        row = {"issue": label, "pages": pages, "chars": chars, "a": a, "b": b, "c": c,
               "c_in_process": c_warm, "c_first_in_process": c_first, "stages": st}
        results.append(row)
        print(f"  measured {label}: a {a[0]:.2f} s, b {b[0]:.2f} s, c {c[0]:.2f} s", flush=True)

    print(f"\nWall time (median of {args.repeat}) and peak memory, per build")
    head = (f"{'issue':<26}{'pages':>6}{'chars':>8}{'(a) paiban':>12}{'MB':>6}{'(b) WeasyPrint':>16}{'MB':>6}"
            f"{'(c) Typst':>11}{'MB':>6}{'Typst in-proc':>15}{'a/b':>7}{'a/c':>7}")
    print(head)
    print("-" * len(head))
    for r in results:
        print(f"{r['issue']:<26}{r['pages']:>6}{r['chars']:>8}{r['a'][0]:>10.2f} s{r['a'][1]:>6.0f}"
              f"{r['b'][0]:>14.2f} s{r['b'][1]:>6.0f}{r['c'][0]:>9.2f} s{r['c'][1]:>6.0f}"
              f"{r['c_in_process']:>13.3f} s{r['a'][0] / r['b'][0]:>7.2f}{r['a'][0] / r['c'][0]:>7.1f}")

    print(f"\nStages of one build in a fresh process, wall seconds (median of {args.repeat}); "
          "ours = all but WeasyPrint's import, layout and write")
    print(f"{'issue':<26}" + "".join(f"{s[:11]:>12}" for s in STAGES)
          + f"{'total':>9}{'ours':>8}{'ours %':>8}{'CPU %':>8}{'warm %':>8}{'s/page':>8}")
    for r in results:
        st = r["stages"]
        wall = st["wall"]
        print(f"{r['issue']:<26}" + "".join(f"{wall[s]:>12.3f}" for s in STAGES)
              + f"{wall['total']:>9.2f}{ours(wall):>8.2f}{100 * st['ours']:>7.0f}%{100 * st['ours_cpu']:>7.0f}%"
              f"{100 * st['ours_warm']:>7.0f}%{r['a'][0] / r['pages']:>8.2f}")
    print("ours % = our stages / the whole build in a fresh process, wall time; CPU % = the same in CPU "
          "time (process_time: the work, steadier on a busy machine); warm % = wall, without start-up "
          "(imports, fonts), as in a batch worker or paiban watch")
    gen = [r for r in results if r["issue"].startswith("generated")]
    if len(gen) >= 2:
        first, last = gen[0], gen[-1]
        per_first, per_last = first["a"][0] / first["pages"], last["a"][0] / last["pages"]
        print(f"\nScaling: {first['pages']} → {last['pages']} pages: (a) {first['a'][0]:.2f} → {last['a'][0]:.2f} s, "
              f"{per_first:.2f} → {per_last:.2f} s a page (linear: the per-page time does not grow)")

    report = {"machine": machine(), "results": results}
    big = [folder for label, folder in issues if label.startswith("generated") and label.split()[1] != "1"]
    one_page = next((folder for label, folder in issues if label == "generated 1 page"), None)
    if big and one_page is not None:
        jobs = jobs_bench(big[-1], work, args.repeat)
        report["jobs"] = jobs
        print(f"\nA page at a time: {big[-1].name}: --jobs 1 {jobs['jobs1']:.2f} s, --jobs 2 {jobs['jobs2']:.2f} s "
              f"→ {jobs['ratio']:.2f} × (median of {args.repeat} pairs; CPU {jobs['cpu1']:.2f} s and "
              f"{jobs['cpu2']:.2f} s; two pure-Python loops on this machine meanwhile: {jobs['cpu_scaling']:.2f}×)")
        proc = subprocess.run([PY, str(Path(__file__)), "--watch-rebuild", str(big[-1]), str(one_page),
                               str(work / "watch"), "--repeat", str(args.repeat)], capture_output=True, text=True,
                              check=True, cwd=ROOT)
        w = json.loads(proc.stdout.strip().splitlines()[-1])
        report["watch"] = w
        print(f"Watch: one article changed in {big[-1].name}: rebuilt in {w['rebuild']:.2f} s ({w['rendered']} of "
              f"{w['pages']} 版 rendered); a one-page issue built in {w['one_page']:.2f} s → {w['ratio']:.2f} × "
              f"(medians of {max(args.repeat, 3)} pairs)")
        for name, s in (("the sample", w["serve"]["sample"]), (big[-1].name, w["serve"]["big"])):
            print(f"Serve: one article of {name} changed: the live page's new state in {s['seconds']:.2f} s "
                  f"(median of 3; {s['rendered']} 版 rendered)")
    if not args.no_batch:
        batch = batch_bench(work, args.batch_issues, args.skip_issues)
        report["batch"] = batch
        print(f"\nBatch: {batch['issues']} generated 1-page issues: --jobs 1 {batch['jobs1']:.1f} s, "
              f"--jobs 2 {batch['jobs2']:.1f} s → {batch['speedup']:.2f}× (two pure-Python loops on this "
              f"machine meanwhile: {batch['cpu_scaling_before']:.2f}× before, {batch['cpu_scaling_after']:.2f}× after)")
        print(f"Unchanged: {batch['unchanged_issues']} issues, nothing changed, all skipped: "
              f"{batch['unchanged']:.2f} s ({batch['unchanged_per_100']:.2f} s per 100 issues)")
    if args.memory_issues:
        rss = memory_bench(work, args.memory_issues)
        report["memory"] = rss
        shown = ", ".join(f"#{n}: {mb:.0f} MB" for n, mb in rss if n in (1, 2, 5) or n % 10 == 0 or n == len(rss))
        print(f"\nOne worker, never replaced, resident memory after each build: {shown}")
    print(f"\nmachine: {machine()}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
