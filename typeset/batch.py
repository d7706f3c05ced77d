"""`paiban batch`: build many issues in parallel processes, skipping the unchanged ones.

A build is a pure function of its inputs: the issue folder (records, pictures), the layout
designs it names, the fonts its roles resolve to, and the program (its version and source).
`content_hash` digests exactly these; the hash of a successful build is stored next to its PDF
(`OUT/<issue>.pdf.hash`), and an issue whose hash and PDF are there is skipped without
importing the renderer. Results are written atomically by `build.build` (a temporary file
renamed into place), the hash after the PDF, so an interrupted batch never leaves a PDF that
looks current but is not.

One failed issue is reported in one line and the batch goes on; `run` returns the results and
the CLI exits 1 when any failed. Workers come from a fork server that has imported the
renderer once, and each is replaced after `max_tasks_per_child` issues, so memory per worker
stays flat however many issues a batch holds. `build_one` is the unit of work: a top-level,
picklable function of plain arguments, which is what a distributed executor (Dask, Ray) needs
to run the same batch on a cluster.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from typeset.system import cache as diskcache
from typeset.system.data import PACKAGE_DIR, fonts_dir, layout_dirs
from typeset.system.files import atomic_write
from typeset.workers import make_executor, stop_workers

HASH_SUFFIX = ".hash"
MAX_TASKS_PER_CHILD = 20      # a worker is replaced after this many issues (cheap: forked warm)


@dataclass
class Result:
    """What happened to one issue."""

    issue: str                      # the issue folder
    name: str                       # the output name (the folder's name)
    status: str                     # "built" | "skipped" | "failed"
    seconds: float = 0.0
    pdf: str | None = None
    error: str = ""
    warnings: int = 0
    rss_mb: float = 0.0             # the worker's resident memory after the build
    pid: int = 0


@dataclass
class Summary:
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]


# --- finding the issues --------------------------------------------------------------------------

def find_issues(dirs: Iterable[Path | str]) -> list[Path]:
    """Issue folders from the arguments: an issue folder itself (it has issue.toml), or a folder
    whose subfolders are issues. A folder that is neither is kept, so its build reports why."""
    found: list[Path] = []
    for d in map(Path, dirs):
        if (d / "issue.toml").is_file() or not d.is_dir():
            found.append(d)
            continue
        subs = sorted(p for p in d.iterdir() if p.is_dir() and (p / "issue.toml").is_file())
        found.extend(subs if subs else [d])
    unique = list(dict.fromkeys(p.resolve() if p.exists() else p for p in found))
    return unique


# --- the content hash ----------------------------------------------------------------------------

def files_under(folder: Path) -> Iterator[Path]:
    """Files under a folder, sorted, hidden files and folders left out."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def _layout_names(issue: Path) -> list[str] | None:
    import tomllib

    try:
        data = tomllib.loads((issue / "issue.toml").read_text(encoding="utf-8"))
        return sorted({str(p.get("layout", "")) for p in data.get("pages", [])})
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def font_identity() -> str:
    """Each resolved font file (roles and fallback faces) by path, size and mtime."""
    from typeset.system import fonts

    faces = [(face.role, face.file, face.index)
             for face in (*fonts.resolve_all().values(), *fonts.resolve_fallbacks().values())]
    lines = []
    for role, file, index in faces:
        if file is None:
            lines.append(f"{role} missing")
            continue
        try:
            st = os.stat(file)
            lines.append(f"{role} {file} {index} {st.st_size} {st.st_mtime_ns}")
        except OSError:
            lines.append(f"{role} {file} unreadable")
    return "\n".join(lines)


class Hasher:
    """Content hashes of issues; what all issues share (program, fonts, layouts) is digested once."""

    def __init__(self, *, options: dict | None = None):
        self.options = options or {}
        self._layouts: dict[str, str] = {}
        self._shared: str | None = None

    def shared(self) -> str:
        """The program (version, source, renderer versions), the fonts and the build options."""
        if self._shared is None:
            from importlib import metadata

            import typeset

            digest = hashlib.sha256()
            digest.update(f"typeset {typeset.__version__}\n".encode())
            for package in ("weasyprint", "uharfbuzz", "pydyf", "jinja2", "pikepdf"):
                try:
                    digest.update(f"{package} {metadata.version(package)}\n".encode())
                except metadata.PackageNotFoundError:
                    digest.update(f"{package} -\n".encode())
            for path in sorted(PACKAGE_DIR.rglob("*.py")):
                digest.update(f"{path.relative_to(PACKAGE_DIR)} {diskcache.sha256_file(path)}\n".encode())
            for path in files_under(fonts_dir()):
                digest.update(f"fonts/{path.relative_to(fonts_dir())} {diskcache.sha256_file(path)}\n".encode())
            digest.update(font_identity().encode())
            # which variants a run asks for is no input of a variant's PDF (each has its own hash)
            digest.update(repr(sorted((k, v) for k, v in self.options.items() if k != "variants")).encode())
            self._shared = digest.hexdigest()
        return self._shared

    def layout(self, name: str) -> str:
        if name not in self._layouts:
            folder = next((d / name for d in layout_dirs() if (d / name).is_dir()), None) \
                if name and ".." not in name else None
            digest = hashlib.sha256(f"layout {name}\n".encode())
            if folder is not None:
                for path in files_under(folder):
                    digest.update(f"{path.relative_to(folder)} {diskcache.sha256_file(path)}\n".encode())
            else:
                digest.update(b"missing\n")
            self._layouts[name] = digest.hexdigest()
        return self._layouts[name]

    def issue(self, folder: Path) -> str:
        """The content hash of one issue folder: exactly the files its build reads (the loader
        says which: issue.toml, the articles, the pictures, whatever their names and wherever
        symlinks lead), so a skip is never stale; every file of the folder, hidden ones too,
        when the records do not load (the build then fails and says why)."""
        from typeset.model.errors import UserError
        from typeset.sources.issue_folder import load_issue

        digest = hashlib.sha256(f"paiban batch 2\n{self.shared()}\n".encode())
        folder = Path(folder)
        try:
            files = list(load_issue(folder).inputs)
        except UserError:
            files = sorted(Path(d) / name for d, _, names in os.walk(folder) for name in names)
        for path in files:
            digest.update(f"{os.path.relpath(path, folder)} {diskcache.sha256_file(path)}\n".encode())
        names = _layout_names(folder)
        if names is None:           # unreadable issue.toml: the build will say why
            names = sorted({p.name for d in layout_dirs() if d.is_dir() for p in d.iterdir() if p.is_dir()})
        for name in ["base", *names]:
            digest.update(f"{name} {self.layout(name)}\n".encode())
        return digest.hexdigest()


def hash_file(pdf: Path) -> Path:
    return pdf.with_name(pdf.name + HASH_SUFFIX)


def up_to_date(pdf: Path, content: str) -> bool:
    try:
        return pdf.is_file() and hash_file(pdf).read_text(encoding="ascii").strip() == content
    except OSError:
        return False


def _write_atomic(target: Path, text: str) -> None:
    atomic_write(target, text.encode("ascii"))


# --- the unit of work ----------------------------------------------------------------------------

def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _one_line(error: BaseException) -> str:
    text = str(error).strip().replace("\n", " ") or type(error).__name__
    from typeset.model.errors import UserError

    return text if isinstance(error, UserError) else f"{type(error).__name__}: {text}"


def build_one(issue: str, out_dir: str, content: str, options: dict | None = None) -> Result:
    """Build one issue into `out_dir` and record its content hash: a pure function of its inputs,
    safe to run in any process or on any machine that has the program, fonts and the folder.
    Never raises for a failed build: the Result says what went wrong."""
    from typeset import compose
    from typeset.pipeline import build

    start = time.perf_counter()
    name = Path(issue).name
    pdfs = output_pdfs(Path(out_dir), name, (options or {}).get("variants", ()))
    try:
        result = build(issue, out_dir, **(options or {}))
        pdfs = [o.pdf for o in result.outputs]
        for pdf in pdfs:
            _write_atomic(hash_file(pdf), content + "\n")
        status, error, warnings = "built", "", len(result.report.warnings)
    except Exception as e:          # noqa: BLE001 — one issue's failure must not stop the batch
        for pdf in pdfs:
            try:
                hash_file(pdf).unlink(missing_ok=True)
            except OSError:
                pass
        status, error, warnings = "failed", _one_line(e), 0
    pdf = pdfs[0]
    compose.save_metrics()
    return Result(issue=str(issue), name=name, status=status, seconds=time.perf_counter() - start,
                  pdf=str(pdf) if status == "built" else None, error=error, warnings=warnings,
                  rss_mb=_rss_mb(), pid=os.getpid())


# --- the batch -----------------------------------------------------------------------------------

def output_pdfs(out_dir: Path, name: str, variants: Iterable[str]) -> list[Path]:
    """The PDFs a build of issue `name` writes: one per variant, or the plain one."""
    variants = list(variants)
    return [out_dir / f"{name}.{v}.pdf" for v in variants] if variants else [out_dir / f"{name}.pdf"]


def plan_batch(dirs: Iterable[Path | str], out_dir: Path | str, *, force: bool = False,
               options: dict | None = None) -> tuple[list[tuple[Path, str, tuple[str, ...]]], list[Result]]:
    """(issues to build with their content hashes and the variants that are stale, results of
    the skipped and the invalid ones). A variant whose PDF is there with the issue's hash is
    not built again: an archive run after a print run builds only the archives."""
    out_dir = Path(out_dir)
    hasher = Hasher(options=options)
    todo: list[tuple[Path, str, tuple[str, ...]]] = []
    variants = tuple((options or {}).get("variants", ()))
    done: list[Result] = []
    names: dict[str, Path] = {}
    for issue in find_issues(dirs):
        name = issue.name
        if name in names:
            done.append(Result(str(issue), name, "failed",
                               error=f"{issue}: same output name '{name}' as {names[name]}; rename one folder"))
            continue
        names[name] = issue
        if not (issue / "issue.toml").is_file():
            done.append(Result(str(issue), name, "failed",
                               error=f"{issue}: not an issue folder (expected a folder with issue.toml)"))
            continue
        try:
            content = hasher.issue(issue)
        except OSError as e:
            done.append(Result(str(issue), name, "failed", error=f"{issue}: cannot read: {e}"))
            continue
        stale = [v for v, pdf in zip(variants or ("",), output_pdfs(out_dir, name, variants))
                 if force or not up_to_date(pdf, content)]
        if not stale:
            done.append(Result(str(issue), name, "skipped", pdf=str(output_pdfs(out_dir, name, variants)[0])))
        else:
            todo.append((issue, content, tuple(v for v in stale if v)))
    return todo, done


def _as_completed(futures, tick: float = 0.1):
    """The futures as they finish, the main thread waking every `tick` seconds: a signal (Ctrl-C,
    SIGTERM) may be delivered to one of the pool's threads, and Python runs its handler only
    when the main thread runs again — not while it sleeps on a lock until the next build ends."""
    pending = set(futures)
    while pending:
        done, pending = cf.wait(pending, timeout=tick, return_when=cf.FIRST_COMPLETED)
        yield from done


def run(dirs: Iterable[Path | str], out_dir: Path | str, *, jobs: int = 1, force: bool = False,
        options: dict | None = None, executor: cf.Executor | None = None,
        on_result: Callable[[Result], None] | None = None,
        on_start: Callable[[int, int], None] | None = None,
        max_tasks_per_child: int | None = MAX_TASKS_PER_CHILD) -> Summary:
    """Build every issue of `dirs` that changed since its last build into `out_dir`.

    `executor`: any concurrent.futures.Executor (e.g. a Dask distributed Client's
    `get_executor()`); by default a local process pool of `jobs` workers.
    `on_start(to_build, skipped)` and `on_result(result)` report progress."""
    start = time.perf_counter()
    out_dir = Path(out_dir)
    todo, done = plan_batch(dirs, out_dir, force=force, options=options)
    summary = Summary(results=list(done))
    if on_start:
        on_start(len(todo), len(done))
    for result in done:
        if on_result:
            on_result(result)
    if todo:
        out_dir.mkdir(parents=True, exist_ok=True)
        if executor is not None:
            rounds = [todo]
        else:       # a fresh pool per round: each worker builds at most max_tasks_per_child issues
            size = jobs * max_tasks_per_child if max_tasks_per_child else len(todo)
            rounds = [todo[i:i + size] for i in range(0, len(todo), size)]
        for part in rounds:
            pool = executor or make_executor(jobs)
            stopped = False
            try:
                futures = {pool.submit(build_one, str(issue), str(out_dir), content,
                                       {**(options or {}), "variants": stale} if stale else options): issue
                           for issue, content, stale in part}
                for future in _as_completed(futures):
                    try:
                        result = future.result()
                    except Exception as e:      # noqa: BLE001 — a worker died (killed, out of memory)
                        issue = futures[future]
                        result = Result(str(issue), issue.name, "failed", error=f"worker failed: {_one_line(e)}")
                    summary.results.append(result)
                    if on_result:
                        on_result(result)
            except BaseException:           # Ctrl-C, SIGTERM: stop now, not after the queued issues
                if executor is None:
                    stop_workers(pool, out_dir, [issue.name for issue, _, _ in part])
                    stopped = True
                raise
            finally:
                if executor is None and not stopped:
                    pool.shutdown(wait=True, cancel_futures=True)
    summary.seconds = time.perf_counter() - start
    return summary


def dask_executor(address: str) -> cf.Executor:
    """A concurrent.futures Executor on a Dask distributed cluster (`pip install distributed`)."""
    from typeset.model.errors import UserError

    try:
        from distributed import Client
    except ImportError:
        raise UserError("--dask needs Dask distributed: pip install distributed") from None
    try:
        return Client(address).get_executor()
    except OSError as e:
        raise UserError(f"cannot reach the Dask scheduler at {address}: {e}") from None


def main_cli(dirs, out_dir, jobs: int | None, force: bool, quiet: bool, source_date_epoch: int | None,
             dask_scheduler: str | None = None, variants: tuple[str, ...] = ()) -> int:
    """The `paiban batch` command: a rich progress bar, one line per failure, a summary; 1 if any
    issue failed."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    jobs = jobs or os.cpu_count() or 1
    options = {"source_date_epoch": source_date_epoch} if source_date_epoch is not None else {}
    if variants:
        options["variants"] = tuple(dict.fromkeys(variants))
    progress = Progress(TextColumn("排版 batch"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.fields[last]}"), console=console, disable=quiet,
                        transient=False)
    task = None

    def on_start(to_build: int, skipped: int):
        nonlocal task
        task = progress.add_task("batch", total=to_build + skipped, last="")

    def on_result(result: Result):
        if result.status == "failed":
            console.print(f"[red]失败 failed[/red] {result.issue}: {result.error}", highlight=False,
                          soft_wrap=True)
        progress.update(task, advance=1, last=f"{result.status} {result.name}")

    with progress:
        summary = run(dirs, out_dir, jobs=jobs, force=force, options=options, on_result=on_result,
                      on_start=on_start, executor=dask_executor(dask_scheduler) if dask_scheduler else None)
    built, skipped, failed = summary.count("built"), summary.count("skipped"), summary.count("failed")
    print(f"batch: {built} built, {skipped} unchanged (skipped), {failed} failed "
          f"in {summary.seconds:.2f} s → {out_dir}")
    return 1 if failed else 0
