"""The worker processes of `paiban batch`: forked from a server that has imported the renderer
and loaded the fonts once, so a new worker starts warm in milliseconds; they die with their
parent, leave Ctrl-C to the batch, and are stopped at once (their temporaries removed) when the
batch is interrupted."""

from __future__ import annotations

import concurrent.futures as cf
import glob
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path


def warm_up(full: bool = False) -> None:
    """Resolve the fonts; with `full`, also import the renderer and load what every build needs
    of the fonts (cmaps, HarfBuzz faces, the advances cache). Never raises."""
    try:
        from typeset.system import fonts

        resolved = fonts.resolve_all()
        if not full:
            return
        import pikepdf  # noqa: F401
        import weasyprint  # noqa: F401

        from typeset import compose, pipeline  # noqa: F401

        for face in list(resolved.values()) + list(fonts.fallbacks()):
            if face.file is not None:
                fonts.cmap(str(face.file), face.index)
        for key, face in resolved.items():
            if face.file is not None:
                compose.measure(key, 9.0)
    except Exception:       # noqa: BLE001 — the first build reports what is wrong
        pass


def die_with_parent() -> None:
    """Linux: the kernel sends this process SIGKILL when its parent ends (prctl
    PR_SET_PDEATHSIG), so a killed batch leaves no fork server or worker behind."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)   # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _end_worker(signum, frame) -> None:
    """A worker told to stop (SIGTERM from the batch): its temporary files removed, then gone."""
    from typeset.system.files import remove_temporaries

    remove_temporaries()
    os._exit(128 + signum)


def _start_worker() -> None:
    """A worker: dies with the fork server, leaves Ctrl-C to the batch (which stops it), and
    removes its temporary files when stopped."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_worker)
    warm_up(full=False)


STOP_GRACE = 0.4      # seconds a stopped worker has to remove its temporary files before it is killed


def stop_workers(pool: cf.ProcessPoolExecutor, out_dir: Path, names: list[str]) -> None:
    """Cancel the queued issues and end the workers now, not after the builds under way
    (Ctrl-C, SIGTERM): each removes its temporary files, and one that does not end in
    STOP_GRACE (busy in a renderer's C code) is killed and its temporaries of `names` removed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())   # no public API for them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    if any(process.is_alive() for process in processes):
        for process in processes:
            process.kill()
            process.join(1)
        for name in names:
            for tmp in out_dir.glob(f".{glob.escape(name)}.*.part"):
                tmp.unlink(missing_ok=True)


def make_executor(jobs: int) -> cf.Executor:
    """`jobs` worker processes forked from a server that has imported the renderer and loaded the
    fonts once, so a new worker starts warm in milliseconds.

    Workers are replaced by giving each round of `jobs × MAX_TASKS_PER_CHILD` issues a new pool
    (`run`), not by ProcessPoolExecutor's max_tasks_per_child: on Python 3.11 that hangs once a
    worker retires while the remaining work is already queued (no replacement is started)."""
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                                          else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["typeset._batch_worker"])
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker)
