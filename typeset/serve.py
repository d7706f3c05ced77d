"""`paiban serve`: the live page, a local web page for editors and page designers.

The page or pages are shown as images of the proof's clean pages, with each article's hot zone
(the sidecar's regions in image pixels) and the proof's marks drawn over them by the browser
from the findings; clicking an article shows its record, findings and text. A watching task
notices every saved record, picture or page design and rebuilds in a worker thread, one build
at a time, in this process (start-up is paid once, as for `paiban watch`).

Only what changed is done again: the pages are set a page at a time through a page cache (a
page whose HTML is unchanged is not laid out again, typeset.pipeline.build_live) and a page's
image is made only when its PDF changed, so saving one article of a 16-page issue renders and
rasterizes its page (and the page it jumps to). The new state is pushed to the open pages by
server-sent events, so they update without a reload; an unchanged page keeps its image's URL
and is not fetched again. A failed build's one-line error is shown over the last good page.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import socket
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
from typeset.batch import font_identity
from typeset.model.errors import UserError
from typeset.pipeline import LiveBuild, build_live
from typeset.render import PageCache
from typeset.sources.designs import load_layout
from typeset.system.data import layout_dirs

STATIC = Path(__file__).resolve().parent / "serve_static"
KEEPALIVE_SECONDS = 15      # an SSE comment this often keeps proxies and browsers from closing the stream
log = logging.getLogger("paiban.serve")


@dataclass
class LiveState:
    """What the page shows: the last good build (images, articles, findings) and the last error."""

    issue: str
    generation: int = 0                     # counts good builds
    building: bool = False
    error: str | None = None
    built: str | None = None                # time of the last good build
    seconds: float | None = None
    rendered: str | None = None             # "1 of 2": the pages set again by the last good build
    version: str | None = None
    pages: list[dict] = field(default_factory=list)
    articles: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)  # image key → image, of this build and the one before

    def as_json(self) -> dict:
        return {"issue": self.issue, "generation": self.generation, "building": self.building,
                "error": self.error, "built": self.built, "seconds": self.seconds, "rendered": self.rendered,
                "version": self.version, "pages": self.pages, "articles": self.articles, "findings": self.findings}


def describe_build(result: LiveBuild, dpi: int, image_keys: list[str]) -> tuple[list[dict], list[dict], list[dict]]:
    """Pages (with image URLs), articles (record, text, regions, findings) and findings of a
    live build, from its plan, report and the sidecar's regions in image pixels. The findings
    are numbered in the proof's order (errors first, then by page), as its marks are."""
    plan = result.plan
    side = output.sidecar(plan, pdf_name=f"{plan.issue.name}.proof.pdf", variant="proof", dpi=dpi,
                          version=output.records_version(plan.issue), png_written=False)
    pages = [{**page, "image": key, "url": f"/page/{key}.jpg"} for page, key in zip(side["pages"], image_keys)]
    ordered = sorted(result.report.findings,
                     key=lambda f: (f.severity != "error", f.page or 0, f.article or "", f.check))
    # as paiban check --json, with the number of the finding's mark
    findings = [{**asdict(f), "where": f.where(), "number": n} for n, f in enumerate(ordered, 1)]
    articles = []
    for entry in side["articles"]:
        record = plan.issue.articles[entry["slug"]]
        fields = record.model_dump(mode="json", exclude={"paragraphs"}, exclude_none=True)
        articles.append({"slug": entry["slug"], "page": entry["page"], "title": record.title,
                         "file": f"articles/{plan.issue.record_file(entry['slug']).name}", "record": fields,
                         "paragraphs": list(record.paragraphs), "regions": entry["regions"],
                         "findings": [f for f in findings if f["article"] == entry["slug"]]})
    return pages, articles, findings


def _ignored(change: watchfiles.Change, path: str) -> bool:
    """Hidden files and folders (an editor's swap file, a build's .part file) and caches."""
    return any(part.startswith(".") or part == "__pycache__" for part in Path(path).parts[1:])


class Live:
    """The watching and building behind one served issue."""

    def __init__(self, issue: Path, dpi: int):
        self.issue = issue
        self.dpi = dpi
        self.state = LiveState(issue=issue.name)
        self.pages = PageCache()
        self.rasterized = 0                 # page images made (the tests read it)
        self.listeners: set[asyncio.Queue] = set()
        self.dirty = asyncio.Event()
        self.stopping = False

    def publish(self) -> None:
        message = json.dumps(self.state.as_json(), ensure_ascii=False)
        for queue in self.listeners:
            queue.put_nowait(message)

    def _images(self, result: LiveBuild) -> tuple[list[str], dict[str, bytes]]:
        """Each page's image key (its PDF's hash) and the images to keep: this build's, made
        only for a page whose PDF changed, and the last build's (a browser may still ask)."""
        keys = [hashlib.sha256(page.pdf).hexdigest()[:20] for page in result.pages]
        last = {page["image"] for page in self.state.pages}
        images = {key: image for key, image in self.state.images.items() if key in last or key in keys}
        for key, page in zip(keys, result.pages):
            if key not in images:
                images[key] = output.page_preview(page.pdf, self.dpi)
                self.rasterized += 1
        return keys, images

    def _build(self, generation: int) -> dict:
        """One build (in a worker thread): the state's new fields, or its error with the last
        good page kept."""
        start = time.perf_counter()
        self.pages.salt = font_identity()       # a font file replaced renders every page again
        rendered = self.pages.rendered
        try:
            result = build_live(self.issue, self.pages)
            keys, images = self._images(result)
            pages, articles, findings = describe_build(result, self.dpi, keys)
        except UserError as e:
            return {"error": str(e)}
        except Exception as e:          # a bug: keep serving the last good page, say what broke
            log.error("build failed:\n%s", traceback.format_exc())
            return {"error": f"internal error ({type(e).__name__}: {e}); see the server's output"}
        return {"generation": generation, "pages": pages, "articles": articles, "findings": findings,
                "images": images, "error": None, "seconds": round(time.perf_counter() - start, 2),
                "rendered": f"{self.pages.rendered - rendered} of {len(pages)}",
                "built": time.strftime("%H:%M:%S"), "version": output.records_version(result.plan.issue)}

    def apply(self, update: dict) -> None:
        """A build's fields into the state, all at once (in the loop: no page sees half a state)."""
        for name, value in update.items():
            setattr(self.state, name, value)

    async def run_builds(self) -> None:
        """Build now, then once more after each burst of changes (builds never overlap)."""
        self.dirty.set()
        while not self.stopping:
            await self.dirty.wait()
            self.dirty.clear()
            self.state.building = True
            self.publish()
            self.apply(await asyncio.to_thread(self._build, self.state.generation + 1))
            self.state.building = False
            self.publish()
            line = f"error: {self.state.error}" if self.state.error else \
                f"built {self.issue} in {self.state.seconds:.2f} s ({self.state.rendered} 版 rendered)"
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

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def state(request: Request) -> Response:
        return JSONResponse(live.state.as_json())

    async def page_image(request: Request) -> Response:
        image = live.state.images.get(request.path_params["key"])
        if image is None:
            return Response("no such page image (the page was rebuilt)", status_code=404)
        # the key is the page PDF's hash: the same URL is always the same image
        return Response(image, media_type="image/jpeg", headers={"Cache-Control": "max-age=31536000, immutable"})

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
        Route("/page/{key}.jpg", page_image),
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
