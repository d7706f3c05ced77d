"""Helpers of the reliability suite (issue 15): small issue folders with pictures, the CLI run
as a user runs it, and independent readers of what a build left (files, attachments, memory).

The CLI (`python -m typeset` and `typeset.cli.main`) is the interface under test; the few
internal imports are in `typeset_api` alone, so a restructured package changes one place."""

from __future__ import annotations

import io
import os
import re
import resource
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
from conftest import ROOT, write_issue
from test_robustness import BODY, assert_nothing_written, assert_one_line_error, cli  # noqa: F401 (shared)

LONG_BODY = "本报讯 会议强调要狠抓落实，确保各项工作取得实效。" * 12
SECRET = b"SECRET-OUTSIDE-THE-ISSUE-" * 4


def picture_bytes(size: tuple[int, int] = (400, 300), colour=(120, 160, 200), fmt: str = "JPEG") -> bytes:
    """A picture Pillow wrote; its colour and size make two pictures' bytes differ."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def secret_picture() -> bytes:
    """A sound JPEG that carries a marker in a comment segment, to find its bytes in any output."""
    data = picture_bytes((400, 300), (200, 30, 30))
    marker = SECRET[:60]
    return data[:2] + b"\xff\xfe" + (len(marker) + 2).to_bytes(2, "big") + marker + data[2:]


def picture_issue(folder: Path, picture: str | None = "images/p.jpg", *, front: str | None = None,
                  data: bytes | None = None, pages: list[list[str]] | None = None) -> Path:
    """A one-article issue whose article names `picture` (front: the raw front matter instead);
    the picture file is written unless it is outside the folder or already there (a symlink)."""
    if front is None:
        front = (f"title: 鄄城县召开会议\npictures:\n  - file: {picture}\n    caption: 会议现场\n"
                 if picture else "title: 鄄城县召开会议\n")
    write_issue(folder, {"a": f"---\n{front}---\n\n{LONG_BODY}\n"}, pages=pages)
    target = folder / picture if picture else None
    if target and not picture.startswith(("/", "..")) and not target.is_symlink():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if data is not None else picture_bytes())
    return folder


def outside_secret(base: Path) -> Path:
    """A picture outside any issue folder, with bytes that can be searched for."""
    path = base / "private" / "private.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(secret_picture())
    return path


def paiban(*args: str, cwd: Path | None = None, timeout: float = 60, env: dict | None = None,
           preexec_fn=None) -> subprocess.CompletedProcess:
    """`python -m typeset ARGS` in a process of its own, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "typeset", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, env={**os.environ, **(env or {})},
                          preexec_fn=preexec_fn)


def left_in(folder: Path) -> list[str]:
    """Every file and folder under `folder`, hidden ones included, as relative paths."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


RAW_EXCEPTION = re.compile(r"Traceback|\b\w*(Error|Exception|Warning|Interrupt): ")


def no_traceback(result: subprocess.CompletedProcess) -> None:
    """Neither a traceback nor a raw Python exception or warning line on either stream."""
    for stream in (result.stdout, result.stderr):
        assert not RAW_EXCEPTION.search(stream), stream[-3000:]


def attachments(pdf: Path) -> dict[str, bytes]:
    """The PDF's embedded files, read with pikepdf (name → bytes)."""
    with pikepdf.open(pdf) as doc:
        return {name: spec.get_file().read_bytes() for name, spec in doc.attachments.items()}


def records_zip_names(pdf: Path) -> list[str]:
    (data,) = [d for n, d in attachments(pdf).items() if n.endswith(".records.zip")]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def safe_zip_name(name: str, issue: str) -> bool:
    """Relative, inside `issue/`, no '..', no backslash or drive: unzipping stays in the folder."""
    parts = name.split("/")
    return (not name.startswith("/") and "\\" not in name and ":" not in name and parts[0] == issue
            and all(p not in ("", ".", "..") for p in parts) and "\0" not in name)


MEMORY_CAP_MB = 700     # heap of a process under measure: a bomb must not take the shared machine's memory


def cap_memory(mb: int):
    """preexec_fn: the process's heap (RLIMIT_DATA) stops at `mb` (a MemoryError beyond)."""
    def apply():
        resource.setrlimit(resource.RLIMIT_DATA, (mb << 20, mb << 20))
    return apply


def measured_run(args: list[str], *, timeout: float, cwd: Path | None = None) -> tuple[int | None, float, float, str]:
    """Run `python -m typeset ARGS` with its heap capped at MEMORY_CAP_MB; (exit code or None if
    killed at `timeout`, seconds, peak resident memory in MB from the kernel's rusage of that
    one process, stderr)."""
    process = subprocess.Popen([sys.executable, "-m", "typeset", *map(str, args)], cwd=cwd or ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=cap_memory(MEMORY_CAP_MB))
    start = time.perf_counter()
    deadline = start + timeout
    killed = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline and not killed:
            process.send_signal(signal.SIGKILL)
            killed = True
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read()
    process.stderr.close()
    return (None if killed else process.returncode), seconds, usage.ru_maxrss / 1024, stderr


def limit_file_size(limit: int):
    """preexec_fn: files the process writes stop at `limit` bytes (EFBIG, as on a full disk)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def descendants(pid: int) -> set[int]:
    """The processes below `pid`, from /proc (children, their children …)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def watch_until_error(folder: Path, out: Path, *options: str, timeout: float = 20) -> tuple[bool, str]:
    """Run `paiban watch` until it reports an error (or ends, or `timeout`), then Ctrl-C it:
    (whether it was still running when it reported, everything it wrote to stderr)."""
    log = out.parent / f"{out.name}.watch.log"
    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "typeset", "watch", str(folder), "-o", str(out),
                                    "--interval", "0.1", *options], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.perf_counter() + timeout
            while process.poll() is None and "错误 error" not in log.read_text() and time.perf_counter() < deadline:
                time.sleep(0.1)
            time.sleep(0.3)             # a crash right after the report shows as not running
            running = process.poll() is None
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    return running, log.read_text()


def typeset_api():
    """The internal functions the fuzz drives directly: (load_issue, plan_issue, records_zip).
    After the package restructure, only these imports move."""
    from typeset.output import records_zip
    from typeset.plan import plan_issue
    from typeset.sources.issue_folder import load_issue

    return load_issue, plan_issue, records_zip
