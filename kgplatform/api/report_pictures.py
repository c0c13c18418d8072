"""The feedback report's PNG as the API serves it: each picture drawn once and kept (a cache bounded in
bytes, keyed by the digest of what the picture shows), and at most `renders` drawn at once however many
teachers ask.

Keyed by what is drawn, never by when the inputs last changed: the report is decayed to the minute it is
read in (its start, which the title and the ETag name), so a new answer, a goal, a curriculum edit or a
new transfer model change the picture's digest the moment they change what it shows, and a picture that
shows the same is served from the cache. (The ETag the route sends names the report's inputs instead,
`inputs_etag`: it must be known before the report is read, for a 304 that reads nothing else.) Drawing is
CPU work that holds the GIL: without a limit, N teachers opening learners at once had N threads of the
pool drawing side by side, each about N times slower, while every other route waited for a thread. A
request waits a bounded time for a free slot (or for the same picture another request is drawing), then
gets a 503 with Retry-After.

Each learner's newest picture is kept, not their earlier ones: as a learner answers (and as their mastery
decays, a bar at a time) each read draws a new picture, and the cache used to keep every earlier one until
the byte bound pushed it out, so a teacher's class that kept answering filled it with pictures nobody would
ask for again and pushed out other learners' current ones. A picture is dropped when the last learner it was
drawn for has a newer one, and when the learner is erased through this process (DELETE /learners/{id}).
Learners whose pictures are the same (say, newcomers with no answers) share one.

After each drawing the C allocator is asked to hand its freed pages back to the system
(`release_freed_memory`): a drawing of 120 bars allocates and frees some 80 MiB (matplotlib's artists and
Agg buffer), and glibc kept what each thread's arena had held. Drawn by whichever of the API's pool threads
served the request, the pictures left that much behind in each thread's arena: 30 pictures from 8 threads
left the process at 343 MiB against 179 MiB with the trim (3 ms after a 1.4 s drawing), and the API's RSS
climbed with every new thread that drew one (bench/bench_api_memory.py, docs/operations.md "Processes
that run for weeks").
"""

from __future__ import annotations

import collections
import ctypes
import functools
import hashlib
import threading
from collections.abc import Callable

from kgplatform.errors import ServiceUnavailable
from kgplatform.mastery.feedback_picture import PICTURE_VERSION, Picture, picture_digest, render_picture


class ReportPictures:
    def __init__(
        self,
        *,
        max_bytes: int,
        renders: int,
        wait_s: float,
        dpi: int = 110,
        release_memory: Callable[[], object] | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.release_memory = release_memory
        self.wait_s = wait_s
        self.dpi = dpi
        self._pngs: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._held = 0
        # Whose picture each kept one is, and each learner's newest picture (kept or being drawn).
        self._owners: dict[str, set[str]] = {}
        self._newest: dict[str, str] = {}
        self._lock = threading.Lock()
        self._drawing: dict[str, threading.Event] = {}
        self._slots = threading.BoundedSemaphore(renders)

    def etag(self, picture: Picture) -> str:
        """The picture's ETag: equal for equal pictures, whatever the moment the report was read."""
        return f'"report-png-{picture_digest(picture, dpi=self.dpi)[:40]}"'

    def inputs_etag(self, inputs: str) -> str:
        """The ETag of the picture drawn from a report whose inputs digest to `inputs`
        (`MasteryService.report_inputs`), at this process's dpi: known before the report is read, so a
        request naming it is a 304 without that read (about a second on a busy machine at 1,500 concepts).
        With the drawing's version, as `picture_digest` has it: a release that draws the same picture
        otherwise must not confirm a client's copy of the old drawing (a review, 4 December)."""
        named = f"{inputs}@{self.dpi}@{PICTURE_VERSION}"
        return f'"report-png-{hashlib.blake2b(named.encode(), digest_size=20).hexdigest()}"'

    def png(self, picture: Picture, owner: str | None = None) -> bytes:
        """The picture's PNG: from the cache, else drawn here (or by the request already drawing it).
        `owner`: the learner it shows; their earlier picture is dropped unless another learner shares it."""
        key = picture_digest(picture, dpi=self.dpi)
        while True:
            with self._lock:
                if owner is not None:
                    self._own(owner, key)
                if (png := self._pngs.get(key)) is not None:
                    self._pngs.move_to_end(key)
                    return png
                drawing = self._drawing.get(key)
                if drawing is None:
                    self._drawing[key] = threading.Event()
                    break
            # The same picture is being drawn for another request: take its PNG rather than draw it too.
            # Awoken without one (its drawing failed), this request draws it.
            if not drawing.wait(self.wait_s):
                raise self._busy()
        try:
            if not self._slots.acquire(timeout=self.wait_s):
                raise self._busy()
            try:
                png = render_picture(picture, dpi=self.dpi)
                # Inside the slot: one trim at a time, right after the drawing that freed the most.
                if self.release_memory is not None:
                    self.release_memory()
            finally:
                self._slots.release()
            self._keep(key, png, owned=owner is not None)
            return png
        finally:
            with self._lock:
                self._drawing.pop(key).set()
                if key not in self._pngs:
                    self._forget_unkept(key)

    def clear(self) -> None:
        with self._lock:
            self._pngs.clear()
            self._held = 0
            self._owners.clear()
            self._newest.clear()

    def forget(self, owner: str) -> None:
        """The learner is gone (erased): their picture is dropped unless another learner shares it."""
        with self._lock:
            key = self._newest.pop(owner, None)
            if key is not None:
                self._disown(owner, key)

    @property
    def kept(self) -> int:
        return len(self._pngs)

    @property
    def held_bytes(self) -> int:
        return self._held

    @property
    def learners(self) -> int:
        """How many learners' newest pictures are noted (each with a kept picture, or one being drawn)."""
        return len(self._newest)

    def _keep(self, key: str, png: bytes, *, owned: bool) -> None:
        if len(png) > self.max_bytes:
            return  # it would evict everything else and still not fit
        with self._lock:
            if key in self._pngs or (owned and key not in self._owners):
                return  # kept already, or every learner it was drawn for has a newer one meanwhile
            self._pngs[key] = png
            self._held += len(png)
            while self._held > self.max_bytes:
                evicted_key, evicted = self._pngs.popitem(last=False)
                self._held -= len(evicted)
                for owner in self._owners.pop(evicted_key, ()):
                    del self._newest[owner]

    def _own(self, owner: str, key: str) -> None:
        """Under the lock: `key` is now the owner's newest picture."""
        previous = self._newest.get(owner)
        if previous == key:
            return
        if previous is not None:
            self._disown(owner, previous)
        self._newest[owner] = key
        self._owners.setdefault(key, set()).add(owner)

    def _forget_unkept(self, key: str) -> None:
        """Under the lock: `key` was drawn (or its drawing failed) and not kept, so the learners noted as
        showing it are noted no more. Noted before the drawing, they were dropped only with a kept picture:
        with the cache off, a picture larger than it, or a failed or refused drawing, one note per learner
        stayed for the process's life (a review, 6 December 2026). A request still waiting for this
        drawing notes its learner again when it wakes."""
        for owner in self._owners.pop(key, ()):
            if self._newest.get(owner) == key:
                del self._newest[owner]

    def _disown(self, owner: str, key: str) -> None:
        """Under the lock: the owner's picture `key` is no longer theirs; dropped once nobody's."""
        owners = self._owners.get(key)
        if owners is None:
            return
        owners.discard(owner)
        if not owners:
            del self._owners[key]
            if (png := self._pngs.pop(key, None)) is not None:
                self._held -= len(png)

    def _busy(self) -> ServiceUnavailable:
        seconds = max(1, round(self.wait_s))
        return ServiceUnavailable(
            f"the server is drawing as many report pictures as it may at once and none came free within "
            f"{self.wait_s:g} s; retry in {seconds} s (the JSON report, GET /learners/{{id}}/report, is not "
            "held back)",
            retry_after_s=seconds,
        )


def release_freed_memory() -> bool:
    """Asks the C library to return the pages its heaps hold free to the system (glibc's `malloc_trim`);
    True when it returned any. A C library without it (musl, macOS) has nothing to call: False."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own C library
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def warm_up_drawing() -> threading.Thread:
    """Imports matplotlib and loads its font in a thread of its own, at the API's start: the first picture
    of each process waited 1-3 s for them (a review, 3 December); a request that comes first waits on the
    import lock for what is left, never imports twice."""

    def warm() -> None:
        from matplotlib.backends import backend_agg  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401

        from kgplatform.mastery.feedback_picture import drawn_name
        from kgplatform.mastery.models import ReportConcept

        drawn_name(ReportConcept.model_construct(name="warm up", concept_id="warm-up"))  # the font's glyphs

    thread = threading.Thread(target=warm, name="warm-report-png", daemon=True)
    thread.start()
    return thread
