"""`paiban serve`: the live page, a local web page for editors and page designers.

The page or pages are shown as PNG images of the proof, with each article's hot zone (the
sidecar's regions in PNG pixels); clicking one shows the article's record, findings and text.
A watching task notices every saved record, picture or page design and rebuilds in a worker
thread, one build at a time, in this process (start-up is paid once, as for `paiban watch`);
the new state is pushed to the open pages by server-sent events, so they update without a
reload. A failed build's one-line error is shown over the last good page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import socket
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

import uvicorn
import watchfiles
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from typeset import output
from typeset.model.errors import UserError
from typeset.pipeline import build
from typeset.sources.designs import load_layout
from typeset.system.data import layout_dirs

STATIC = Path(__file__).resolve().parent / "serve_static"
KEEPALIVE_SECONDS = 15      # an SSE comment this often keeps proxies and browsers from closing the stream
log = logging.getLogger("paiban.serve")


@dataclass
class LiveState:
    """What the page shows: the last good build (images, articles, findings) and the last error."""

    issue: str
    generation: int = 0                     # counts good builds: the images' URLs carry it
    building: bool = False
    error: str | None = None
    built: str | None = None                # time of the last good build
    seconds: float | None = None
    version: str | None = None
    pages: list[dict] = field(default_factory=list)
    articles: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    pngs: dict[int, bytes] = field(default_factory=dict)    # page index → image of this generation

    def as_json(self) -> dict:
        return {"issue": self.issue, "generation": self.generation, "building": self.building,
                "error": self.error, "built": self.built, "seconds": self.seconds, "version": self.version,
                "pages": self.pages, "articles": self.articles, "findings": self.findings}


def describe_build(result, dpi: int, generation: int) -> tuple[list[dict], list[dict], list[dict], dict[int, bytes]]:
    """Pages (with image URLs), articles (record, text, regions, findings) and findings of a
    proof build, from its plan, report and the sidecar's regions in PNG pixels."""
    plan = result.plan
    side = output.sidecar(plan, pdf_name=result.pdf.name, variant="proof", dpi=dpi,
                          version=output.records_version(plan.issue), png_written=True)
    pngs = {index: path.read_bytes() for index, path in enumerate(result.outputs[0].pngs, 1)}
    pages = [{**page, "url": f"/page/{generation}/{page['index']}.png"} for page in side["pages"]]
    findings = [{**asdict(f), "where": f.where()} for f in result.report.findings]   # as paiban check --json
    articles = []
    for entry in side["articles"]:
        record = plan.issue.articles[entry["slug"]]
        fields = record.model_dump(mode="json", exclude={"paragraphs"}, exclude_none=True)
        articles.append({"slug": entry["slug"], "page": entry["page"], "title": record.title,
                         "file": f"articles/{plan.issue.record_file(entry['slug']).name}", "record": fields,
                         "paragraphs": list(record.paragraphs), "regions": entry["regions"],
                         "findings": [f for f in findings if f["article"] == entry["slug"]]})
    return pages, articles, findings, pngs


def _ignored(change: watchfiles.Change, path: str) -> bool:
    """Hidden files and folders (an editor's swap file, a build's .part file) and caches."""
    return any(part.startswith(".") or part == "__pycache__" for part in Path(path).parts[1:])


class Live:
    """The watching and building behind one served issue."""

    def __init__(self, issue: Path, dpi: int):
        self.issue = issue
        self.dpi = dpi
        self.state = LiveState(issue=issue.name)
        self.out = Path(tempfile.mkdtemp(prefix="paiban-serve-"))
        self.listeners: set[asyncio.Queue] = set()
        self.dirty = asyncio.Event()
        self.stopping = False

    def publish(self) -> None:
        message = json.dumps(self.state.as_json(), ensure_ascii=False)
        for queue in self.listeners:
            queue.put_nowait(message)

    def _build(self, generation: int) -> dict:
        """One build (in a worker thread): the state's new fields, or its error with the last
        good page kept."""
        start = time.perf_counter()
        try:
            result = build(self.issue, self.out, variants=("proof",), png_dpi=self.dpi)
            pages, articles, findings, pngs = describe_build(result, self.dpi, generation)
        except UserError as e:
            return {"error": str(e)}
        except Exception as e:          # a bug: keep serving the last good page, say what broke
            log.error("build failed:\n%s", traceback.format_exc())
            return {"error": f"internal error ({type(e).__name__}: {e}); see the server's output"}
        return {"generation": generation, "pages": pages, "articles": articles, "findings": findings,
                "pngs": pngs, "error": None, "seconds": round(time.perf_counter() - start, 2),
                "built": time.strftime("%H:%M:%S"), "version": output.records_version(result.plan.issue)}

    async def run_builds(self) -> None:
        """Build now, then once more after each burst of changes (builds never overlap)."""
        self.dirty.set()
        while not self.stopping:
            await self.dirty.wait()
            self.dirty.clear()
            self.state.building = True
            self.publish()
            update = await asyncio.to_thread(self._build, self.state.generation + 1)
            for name, value in update.items():      # here, in the loop: no page sees half a state
                setattr(self.state, name, value)
            self.state.building = False
            self.publish()
            line = f"error: {self.state.error}" if self.state.error else \
                f"built {self.issue} in {self.state.seconds:.2f} s"
            print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)

    async def run_watch(self, stop: asyncio.Event) -> None:
        """Mark the issue dirty whenever a file of it or of the page designs changes."""
        designs = [folder.resolve() for folder in layout_dirs() if folder.is_dir()]
        async for changes in watchfiles.awatch(self.issue, *designs, stop_event=stop,
                                               watch_filter=lambda c, p: not _ignored(c, p),
                                               debounce=400, step=30):
            if any(Path(p).resolve().is_relative_to(folder) for _, p in changes for folder in designs):
                load_layout.cache_clear()       # a design was edited: read it again
            self.dirty.set()


def make_app(issue: Path, dpi: int, server_exiting=lambda: False) -> Starlette:
    live = Live(issue, dpi)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        stop = asyncio.Event()
        tasks = [asyncio.create_task(live.run_builds()), asyncio.create_task(live.run_watch(stop))]
        try:
            yield
        finally:
            live.stopping = True
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            shutil.rmtree(live.out, ignore_errors=True)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def state(request: Request) -> Response:
        return JSONResponse(live.state.as_json())

    async def page_png(request: Request) -> Response:
        s = live.state
        png = s.pngs.get(request.path_params["index"]) if request.path_params["generation"] == s.generation else None
        if png is None:
            return Response("no such page image (the page was rebuilt)", status_code=404)
        return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=3600"})

    async def events(request: Request) -> Response:
        queue: asyncio.Queue = asyncio.Queue()
        live.listeners.add(queue)

        async def stream():
            try:
                yield f"data: {json.dumps(live.state.as_json(), ensure_ascii=False)}\n\n"
                waited = 0.0
                while not (live.stopping or server_exiting()):
                    try:
                        message = await asyncio.wait_for(queue.get(), timeout=1)
                    except asyncio.TimeoutError:
                        waited += 1
                        if waited >= KEEPALIVE_SECONDS:
                            waited = 0.0
                            yield ": keepalive\n\n"
                        continue
                    yield f"data: {message}\n\n"
            finally:
                live.listeners.discard(queue)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    return Starlette(lifespan=lifespan, routes=[
        Route("/", index),
        Route("/state", state),
        Route("/events", events),
        Route("/page/{generation:int}/{index:int}.png", page_png),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])


def listen(host: str, port: int) -> socket.socket:
    """The listening socket (port 0: any free port), or one line saying why there is none."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)        # from now on a browser's connection waits for the server, never refused
    except OSError as e:
        raise UserError(f"cannot listen on {host}:{port} ({e.strerror}): choose another --port or --host") from None
    return sock


def serve(issue: Path, *, host: str = "127.0.0.1", port: int = 8000, dpi: int = 72) -> None:
    """Serve the live page of `issue` until interrupted."""
    issue = Path(issue)
    if not (issue / "issue.toml").is_file():
        raise UserError("not an issue folder (expected a folder with issue.toml)", where=str(issue))
    sock = listen(host, port)
    config = uvicorn.Config(None, log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    config.app = make_app(issue, dpi, lambda: server.should_exit)
    address = f"[{host}]" if ":" in host else host
    print(f"serving {issue} at http://{address}:{sock.getsockname()[1]}/ (Ctrl-C stops)", flush=True)
    server.run(sockets=[sock])
