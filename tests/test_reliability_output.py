"""Reliability (issue 15), output: every write error is one line, a build writes all of its
outputs or none, a signal leaves no temporary file, and `paiban batch` never calls a stale PDF
current, stops on Ctrl-C within a second and leaves no process behind."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, article, write_issue
from reliability_kit import (
    LONG_BODY,
    alive,
    assert_one_line_error,
    cli,
    descendants,
    left_in,
    limit_file_size,
    no_traceback,
    paiban,
    picture_bytes,
    picture_issue,
)

VARIANTS = {"plain": [], "html": ["--html"], "proof": ["--variant", "proof"], "print": ["--variant", "print"],
            "archive": ["--variant", "archive"]}


def result_of(code: int, stderr: str) -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess([], code, "", stderr)


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` unwritable, also for root (immutable attribute), restored afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    root = os.geteuid() == 0
    if root:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("cannot make a folder read-only here (chattr +i refused)")
    else:
        folder.chmod(0o555)
    try:
        with pytest.raises(OSError):
            (folder / "probe").write_bytes(b"")         # the oracle: it really is read-only
        yield folder
    finally:
        if root:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)


# --- write failures -------------------------------------------------------------------------

@pytest.mark.parametrize("variant", list(VARIANTS))
def test_read_only_output_folder_is_one_line(tmp_path, variant):
    folder = picture_issue(tmp_path / "issue", None)
    with read_only(tmp_path / "out") as out:
        code, stderr = cli("build", str(folder), "-o", str(out), *VARIANTS[variant])
        assert left_in(out) == []
    assert_one_line_error(result_of(code, stderr), str(out))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_output_naming_an_existing_file_is_one_line(tmp_path, variant):
    folder = picture_issue(tmp_path / "issue", None)
    out = tmp_path / "notes.txt"
    out.write_text("a file, not a folder\n", encoding="utf-8")
    code, stderr = cli("build", str(folder), "-o", str(out), *VARIANTS[variant])
    assert_one_line_error(result_of(code, stderr), str(out))
    assert out.read_text(encoding="utf-8") == "a file, not a folder\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issue", "notes.txt"]


@pytest.mark.parametrize("variant", ["plain", "html", "proof", "archive"])
def test_full_disk_is_one_line_and_leaves_nothing(tmp_path, variant):
    """A full disk, as the build sees it: writes stop at 60 KB (RLIMIT_FSIZE, EFBIG); the PDF
    of this issue is about 200 KB."""
    folder = picture_issue(tmp_path / "issue", None)
    out = tmp_path / "out"
    result = paiban("build", folder, "-o", out, *VARIANTS[variant], preexec_fn=limit_file_size(60_000))
    no_traceback(result)
    assert_one_line_error(result, str(out))
    assert left_in(out) == []


# --- all or nothing -------------------------------------------------------------------------

def test_a_failed_multi_variant_build_writes_nothing(tmp_path):
    """archive (fine) then print (fails: a 1 × 1 picture is far under 200 ppi)."""
    folder = picture_issue(tmp_path / "issue", "images/p.png", data=picture_bytes((1, 1), fmt="PNG"))
    out = tmp_path / "out"
    code, stderr = cli("build", str(folder), "-o", str(out), "--variant", "archive", "--variant", "print", "--png")
    assert_one_line_error(result_of(code, stderr), "p.png", "ppi")
    assert left_in(out) == []


def test_the_same_variants_build_when_nothing_is_wrong(tmp_path):
    """The positive side of the case above: the same command writes every output."""
    folder = picture_issue(tmp_path / "issue", "images/p.jpg", data=picture_bytes((4400, 3300)))
    out = tmp_path / "out"
    code, stderr = cli("build", str(folder), "-o", str(out), "--variant", "archive", "--variant", "print", "--png")
    assert code == 0, stderr
    assert {"issue.archive.pdf", "issue.print.pdf", "issue.articles.json"} <= set(left_in(out))
    assert any(name.endswith(".png") for name in left_in(out))


@pytest.mark.parametrize("variant", ["plain", "archive"])
def test_a_build_failing_preflight_leaves_no_html(tmp_path, variant):
    """An emoji no face has: preflight fails after the HTML was written. (Once records reject
    such a character, this fails before any writing; test_full_disk_is_one_line_and_leaves_nothing
    [html] still covers an HTML left by a failure after it.)"""
    folder = write_issue(tmp_path / "issue", {"a": article("庆祝大会", "本报讯 大家都很高兴😀。")})
    out = tmp_path / "out"
    code, stderr = cli("build", str(folder), "-o", str(out), "--html", *VARIANTS[variant])
    assert_one_line_error(result_of(code, stderr), "preflight")
    assert left_in(out) == []


# --- signals --------------------------------------------------------------------------------

def signal_mid_write(folder: Path, out: Path, signum: int) -> tuple[int, float]:
    """Start a build, send `signum` once its temporary PDF has content; (exit code, seconds from
    the signal to the exit)."""
    process = subprocess.Popen([sys.executable, "-m", "typeset", "build", str(folder), "-o", str(out)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.perf_counter() + 25
        while process.poll() is None and time.perf_counter() < deadline:
            if any(p.stat().st_size > 0 for p in out.glob(".*.part") if p.exists()):
                break
            time.sleep(0.002)
        assert process.poll() is None, "the build ended before its temporary file had content"
        process.send_signal(signum)
        sent = time.perf_counter()
        code = process.wait(timeout=10)
        return code, time.perf_counter() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("signum", [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="SIGINT")])
def test_a_signal_mid_write_leaves_no_temporary_file(tmp_path, signum):
    folder = write_issue(tmp_path / "issue", {"a": article("鄄城县召开会议", LONG_BODY * 4),
                                              "b": article("吉祥如意迎新年", LONG_BODY * 3)})
    out = tmp_path / "out"
    code, seconds = signal_mid_write(folder, out, signum)
    assert code != 0
    assert seconds < 5
    assert left_in(out) == [], left_in(out)


# --- batch: stale skips ---------------------------------------------------------------------

def batch_issue(folder: Path, picture: str, *, flow: bool = False) -> Path:
    pictures = (f"pictures: [{{file: {picture}, caption: 会议现场}}]\n" if flow
                else f"pictures:\n  - file: {picture}\n    caption: 会议现场\n")
    write_issue(folder, {"a": f"---\ntitle: 鄄城县召开会议\n{pictures}---\n\n{LONG_BODY}\n"})
    return folder


# name: (make the issue under root (returns the picture file the change rewrites), is a stale skip a bug)
def _hidden(root: Path, base: Path) -> Path:
    batch_issue(root / "hidden", "images/.hidden.jpg")
    return root / "hidden" / "images" / ".hidden.jpg"


def _flow(root: Path, base: Path) -> Path:
    batch_issue(root / "flow", "../../shared/p.jpg", flow=True)
    return base / "shared" / "p.jpg"


def _symlinked_images(root: Path, base: Path) -> Path:
    batch_issue(root / "symlinked", "images/p.jpg")
    (base / "pictures").mkdir(exist_ok=True)
    (root / "symlinked" / "images").symlink_to(base / "pictures")
    return base / "pictures" / "p.jpg"


def _plain(root: Path, base: Path) -> Path:
    batch_issue(root / "plain", "images/p.jpg")
    return root / "plain" / "images" / "p.jpg"


def _unchanged(root: Path, base: Path) -> None:
    batch_issue(root / "unchanged", "images/p.jpg")
    (root / "unchanged" / "images").mkdir()
    (root / "unchanged" / "images" / "p.jpg").write_bytes(picture_bytes())


STALE_CASES = {"hidden": _hidden, "flow": _flow, "symlinked": _symlinked_images, "plain": _plain}


@pytest.fixture(scope="module")
def two_batch_runs(tmp_path_factory):
    """One batch, a new picture in every issue but `unchanged`, a second batch: what each
    issue's PDF and failure lines were after each run."""
    base = tmp_path_factory.mktemp("stale")
    root, out = base / "issues", base / "out"
    pictures = {name: make(root, base) for name, make in STALE_CASES.items()}
    _unchanged(root, base)
    for path in pictures.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(picture_bytes(colour=(120, 160, 200)))
    runs = []
    for colour in (None, (30, 200, 60)):
        if colour:
            for path in pictures.values():
                path.write_bytes(picture_bytes(colour=colour))
        result = paiban("batch", root, "-o", out, "--jobs", "2", "-q", timeout=120)
        no_traceback(result)
        runs.append({name: ((out / f"{name}.pdf").read_bytes() if (out / f"{name}.pdf").exists() else None,
                            [line for line in result.stderr.splitlines() if f"/{name}" in line and "failed" in line])
                     for name in [*STALE_CASES, "unchanged"]})
    return runs


def rebuilt_or_failed(runs, name: str) -> bool:
    """After the change, the issue was built again (its PDF differs) or failed: not skipped."""
    (before, _), (after, failed) = runs[0][name], runs[1][name]
    return bool(failed) or after != before


def test_batch_oracle_sees_a_skip_and_a_rebuild(two_batch_runs):
    """Negative and positive test of rebuilt_or_failed: the unchanged issue was skipped (same
    PDF), the issue with a changed plain picture was rebuilt."""
    assert two_batch_runs[0]["unchanged"][0] is not None
    assert not rebuilt_or_failed(two_batch_runs, "unchanged")
    assert two_batch_runs[0]["plain"][0] is not None and rebuilt_or_failed(two_batch_runs, "plain")


@pytest.mark.parametrize("name", ["hidden", "flow", "symlinked"])
def test_batch_never_skips_an_issue_whose_picture_changed(two_batch_runs, name):
    assert rebuilt_or_failed(two_batch_runs, name)


# --- batch: signals -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def many_issues(tmp_path_factory) -> Path:
    """Fourteen two-page issues of about 2 s of building each: long enough that an issue queued
    before a signal and built after it shows in the time and the count."""
    root = tmp_path_factory.mktemp("many") / "issues"
    for i in range(14):
        write_issue(root / f"n{i:02d}", {k: article(f"鄄城县召开第{i}次会议", LONG_BODY * 3) for k in "abcd"},
                    pages=[["a", "b"], ["c", "d"]])
    return root


def start_batch(root: Path, out: Path) -> subprocess.Popen:
    """`paiban batch` with two workers, in a session of its own (as a terminal's foreground job);
    returns once the first issue is being written: the fork server, the resource tracker and
    both workers run, and more issues are queued to the workers."""
    process = subprocess.Popen([sys.executable, "-m", "typeset", "batch", str(root), "-o", str(out), "--jobs", "2",
                                "-q"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.perf_counter() + 20
    while process.poll() is None and time.perf_counter() < deadline and not list(out.glob(".*.part")) + \
            list(out.glob("*.pdf")):
        time.sleep(0.01)
    if process.poll() is not None or len(descendants(process.pid)) < 4:
        reap(process, descendants(process.pid))
        pytest.fail("the batch did not start in time")
    return process


def reap(process: subprocess.Popen, pids: set[int]) -> list[int]:
    """Wait up to 3 s for `pids` to end; kill the survivors (by pid, all started by this test),
    then whatever is left of the batch's own session (its process group)."""
    deadline = time.perf_counter() + 3
    while any(alive(p) for p in pids) and time.perf_counter() < deadline:
        time.sleep(0.05)
    survivors = [p for p in pids if alive(p)]
    for pid in survivors:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return survivors


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_batch_workers_die_with_their_parent(many_issues, tmp_path, signum):
    process = start_batch(many_issues, tmp_path / "out")
    below = descendants(process.pid)
    process.send_signal(signum)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    assert reap(process, below | descendants(process.pid)) == []


def interrupt_batch(root: Path, out: Path, send) -> tuple[float, list[int], int, list[str]]:
    """Start a batch, interrupt it with `send(pid)` once it is building; (seconds to its exit,
    processes still running after 3 s more, PDFs written after the signal, files left behind
    (meaningful when it ended by itself: survivors are killed with SIGKILL))."""
    process = start_batch(root, out)
    below = descendants(process.pid)
    built = len(list(out.glob("*.pdf")))
    send(process.pid)
    sent = time.perf_counter()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=8)
    seconds = time.perf_counter() - sent
    survivors = reap(process, below | descendants(process.pid))
    time.sleep(0.5)
    left = [name for name in left_in(out) if not name.endswith((".pdf", ".pdf.hash"))]
    return seconds, survivors, len(list(out.glob("*.pdf"))) - built, left


@pytest.mark.parametrize("target", ["group", "parent"])
def test_ctrl_c_stops_a_batch_within_a_second(many_issues, tmp_path, target):
    """group: Ctrl-C in a terminal (SIGINT to the whole foreground group); parent: kill -INT.
    At most one build under way may still finish (whole: outputs are renamed into place)."""
    send = (lambda pid: os.killpg(pid, signal.SIGINT)) if target == "group" else \
        (lambda pid: os.kill(pid, signal.SIGINT))
    seconds, survivors, new, left = interrupt_batch(many_issues, tmp_path / "out", send)
    assert seconds < 1.0, seconds
    assert survivors == []
    assert new <= 1, new
    assert left == [], left
