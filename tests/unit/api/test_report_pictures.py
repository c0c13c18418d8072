"""The report picture cache: drawn once per picture, never stale, bounded in bytes and in drawings at once."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace

import pytest

from kgplatform.api import report_pictures
from kgplatform.api.report_pictures import ReportPictures
from kgplatform.errors import ServiceUnavailable
from kgplatform.mastery.feedback import build_report
from kgplatform.mastery.feedback_picture import PICTURE_VERSION, DrawnBar, Picture, picture_of
from tests.unit.api.test_allowed_methods import NO_REDIS
from tests.unit.mastery.test_feedback import NOW, STATES, state


def a_picture(n: int = 3, p: float = 0.5) -> Picture:
    bars = tuple(DrawnBar(f"c{i}", p, None, "in_progress", False, False) for i in range(n))
    return Picture("Mastery of learner kim", "", 0.85, bars)


class Drawings:
    """Stands in for `render_picture`: counts drawings and the most at once, each taking `seconds`."""

    def __init__(self, seconds: float = 0.0, size: int = 100) -> None:
        self.seconds, self.size = seconds, size
        self.calls = self.now = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, picture: Picture, *, dpi: int) -> bytes:
        with self.lock:
            self.calls += 1
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.seconds)
        with self.lock:
            self.now -= 1
        return repr(picture).encode().ljust(self.size, b".")


@pytest.fixture
def drawings(monkeypatch: pytest.MonkeyPatch) -> Drawings:
    fake = Drawings()
    monkeypatch.setattr(report_pictures, "render_picture", fake)
    return fake


def test_the_same_picture_is_drawn_once_and_a_different_one_again(drawings: Drawings) -> None:
    pictures = ReportPictures(max_bytes=10_000, renders=1, wait_s=5)
    first = pictures.png(a_picture())
    assert pictures.png(a_picture()) == first and drawings.calls == 1
    assert pictures.png(a_picture(p=0.6)) != first and drawings.calls == 2
    assert pictures.etag(a_picture()) != pictures.etag(a_picture(p=0.6))


def test_forgetting_between_two_reads_is_the_same_picture_and_an_answer_is_not() -> None:
    """Mastery is decayed to the moment a report is read: a value that moved less than a pixel draws the
    same picture (so the cache and the ETag serve), one whose status or bar changed does not (never stale)."""
    pictures = ReportPictures(max_bytes=10_000, renders=1, wait_s=5)
    report = build_report("kim", STATES, NOW)
    later = build_report("kim", [replace(s, p_now=s.p_now - 1e-7) for s in STATES], NOW)
    assert pictures.etag(picture_of(later)) == pictures.etag(picture_of(report))
    answered = [
        state("e", 0.45, p_mastery=0.45, attempts=1, days_ago=0) if s.concept_id == "e" else s for s in STATES
    ]
    assert pictures.etag(picture_of(build_report("kim", answered, NOW))) != pictures.etag(picture_of(report))
    renamed = [replace(s, name="Another name") if s.concept_id == "a" else s for s in STATES]
    assert pictures.etag(picture_of(build_report("kim", renamed, NOW))) != pictures.etag(picture_of(report))


def test_the_cache_holds_at_most_its_bytes(drawings: Drawings) -> None:
    pictures = ReportPictures(max_bytes=1_000, renders=1, wait_s=5)
    for i in range(30):
        pictures.png(a_picture(p=i / 100))
        assert pictures.held_bytes <= 1_000
    assert pictures.held_bytes > 0
    pictures.png(a_picture(p=0.29))  # the newest is kept
    assert drawings.calls == 30
    drawings.size = 5_000  # larger than the whole cache: served, not kept
    pictures.png(a_picture(p=0.5))
    assert pictures.held_bytes <= 1_000


def test_many_requests_at_once_draw_one_picture_at_a_time_and_the_same_one_once(drawings: Drawings) -> None:
    drawings.seconds = 0.05
    pictures = ReportPictures(max_bytes=10_000_000, renders=1, wait_s=30)
    asked = [a_picture(p=(i % 4) / 10) for i in range(16)]
    threads = [threading.Thread(target=pictures.png, args=(p,)) for p in asked]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert drawings.calls == 4 and drawings.most == 1


def test_a_request_that_finds_no_free_slot_in_time_is_a_503_saying_when_to_retry(drawings: Drawings) -> None:
    drawings.seconds = 0.5
    pictures = ReportPictures(max_bytes=10_000, renders=1, wait_s=0.05)
    first = threading.Thread(target=pictures.png, args=(a_picture(),))
    first.start()
    # Until the first drawing holds the one slot (a fixed sleep lost that race on a loaded machine).
    deadline = time.monotonic() + 10
    while drawings.now == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert drawings.now == 1
    with pytest.raises(ServiceUnavailable, match="report pictures") as refused:
        pictures.png(a_picture(p=0.9))
    assert refused.value.details["retry_after_s"] >= 1
    first.join()
    assert pictures.png(a_picture(p=0.9))  # served once a slot is free


def test_the_api_start_loads_matplotlib_before_the_first_picture_is_asked_for() -> None:
    """Each API process's first picture waited 1-3 s for matplotlib's import and its font (a review,
    3 December): `warm_up_drawing` does it in a thread at the start, which `create_app`'s lifespan runs."""
    import inspect
    import subprocess
    import sys

    from kgplatform.api import app

    assert "warm_up_drawing()" in inspect.getsource(app.create_app)
    code = (
        "import sys\n"
        "from kgplatform.api.report_pictures import warm_up_drawing\n"
        "assert 'matplotlib.figure' not in sys.modules\n"
        "warm_up_drawing().join(60)\n"
        "assert 'matplotlib.figure' in sys.modules and 'matplotlib.backends.backend_agg' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_memory_is_released_after_each_drawing_and_not_for_a_picture_from_the_cache(
    drawings: Drawings,
) -> None:
    """Each drawing frees tens of MiB that glibc kept in the drawing thread's arena; released right after
    it, in the drawing's slot (a picture served from the cache freed nothing)."""
    seen: list[int] = []
    pictures = ReportPictures(
        max_bytes=10_000, renders=1, wait_s=5, release_memory=lambda: seen.append(drawings.calls)
    )
    pictures.png(a_picture())
    pictures.png(a_picture())
    pictures.png(a_picture(p=0.6))
    assert seen == [1, 2]


def test_the_api_releases_memory_after_a_drawing_unless_told_not_to() -> None:
    from kgplatform.api.app import create_app
    from kgplatform.settings import Settings

    on = create_app(Settings(redis={"url": NO_REDIS})).state.report_pictures
    assert on.release_memory is report_pictures.release_freed_memory
    off = create_app(Settings(redis={"url": NO_REDIS}, serving={"report_png_release_memory": False}))
    assert off.state.report_pictures.release_memory is None


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="reads /proc; malloc_trim is glibc's (elsewhere release_freed_memory does nothing)",
)
def test_release_freed_memory_hands_a_threads_freed_heap_back_to_the_system() -> None:
    """The real call, in a fresh interpreter: 200 MiB allocated and freed by a thread (its own arena, a
    block in 64 kept so the freed pages are not at the heap's top) stay in RSS until released."""
    script = textwrap.dedent(
        """
        import threading
        from pathlib import Path
        from kgplatform.api.report_pictures import release_freed_memory

        def rss():
            rollup = Path("/proc/self/smaps_rollup").read_text().splitlines()
            return next(int(line.split()[1]) for line in rollup if line.startswith("Rss:")) / 1024

        kept = []
        def churn():
            blocks = [bytes(1000) + bytes([i % 256]) for i in range(200_000)]
            kept.extend(blocks[::64])
        thread = threading.Thread(target=churn)
        thread.start()
        thread.join()
        before = rss()
        released = release_freed_memory()
        print(before, rss(), released)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    before, after, released = out.stdout.split()
    assert released == "True" and float(before) - float(after) > 100, out.stdout


def test_a_learner_s_new_picture_replaces_their_earlier_one_unless_another_learner_shares_it(
    drawings: Drawings,
) -> None:
    """A class that keeps answering drew a new picture per read and the cache kept every earlier one until
    the byte bound pushed out other learners' current pictures."""
    pictures = ReportPictures(max_bytes=100_000, renders=1, wait_s=5)
    size = len(pictures.png(a_picture(p=0.0), owner="kim"))  # every picture here draws as many bytes
    for step in range(1, 10):  # kim answers between each read: ten pictures, one kept
        pictures.png(a_picture(p=step / 10), owner="kim")
    assert pictures.kept == 1 and pictures.held_bytes == size
    pictures.png(a_picture(p=0.9), owner="kim")
    assert drawings.calls == 10  # her current one served from the cache

    pictures.png(a_picture(p=0.0), owner="lee")  # a newcomer's picture, the same for two learners
    pictures.png(a_picture(p=0.0), owner="max")
    assert pictures.kept == 2 and drawings.calls == 11
    pictures.png(a_picture(p=0.1), owner="lee")  # lee answered; max still shows the shared one
    assert pictures.kept == 3
    pictures.png(a_picture(p=0.0), owner="max")
    assert drawings.calls == 12
    pictures.png(a_picture(p=0.2), owner="max")  # nobody shows it now: dropped
    assert pictures.kept == 3 and pictures.held_bytes == 3 * size


def test_an_erased_learner_s_picture_is_dropped(drawings: Drawings) -> None:
    pictures = ReportPictures(max_bytes=100_000, renders=1, wait_s=5)
    pictures.png(a_picture(p=0.3), owner="kim")
    size = len(pictures.png(a_picture(p=0.4), owner="lee"))
    pictures.forget("kim")
    assert pictures.kept == 1 and pictures.held_bytes == size
    pictures.forget("kim")  # twice, or a learner never drawn: nothing
    pictures.forget("nobody")
    pictures.png(a_picture(p=0.4), owner="lee")
    assert drawings.calls == 2


def test_a_picture_evicted_by_the_byte_bound_frees_its_learners(drawings: Drawings) -> None:
    size = len(repr(a_picture(p=0.0)).encode())  # what the stand-in draws
    pictures = ReportPictures(max_bytes=2 * size + size // 2, renders=1, wait_s=5)
    for i, owner in enumerate(["a", "b", "c"]):
        pictures.png(a_picture(p=i / 10), owner=owner)
    assert pictures.kept == 2
    pictures.png(a_picture(p=0.5), owner="a")  # a's first was evicted; no error, drawn again
    assert pictures.kept == 2 and drawings.calls == 4


def test_the_inputs_etag_names_the_inputs_and_the_dpi() -> None:
    """report.png's ETag before the report is read (`MasteryService.report_inputs`): equal inputs give the
    same ETag in every process of the same dpi, another dpi draws another picture."""
    pictures = ReportPictures(max_bytes=1 << 20, renders=1, wait_s=1)
    etag = pictures.inputs_etag("abc")
    assert etag.startswith('"report-png-') and etag.endswith('"')
    assert etag == ReportPictures(max_bytes=0, renders=2, wait_s=5).inputs_etag("abc")
    assert etag != pictures.inputs_etag("abd")
    assert etag != ReportPictures(max_bytes=1 << 20, renders=1, wait_s=1, dpi=220).inputs_etag("abc")


def test_the_inputs_etag_moves_with_the_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A release that draws the same picture differently bumps PICTURE_VERSION, which the picture's digest
    (the ETag until 4 December) carried: the inputs' ETag must too, or a client holding a picture of the
    old drawing gets a 304 for it from the new release (or from the other release's processes during a
    rolling upgrade) for the rest of the minute."""
    pictures = ReportPictures(max_bytes=1 << 20, renders=1, wait_s=1)
    before = pictures.inputs_etag("abc")
    monkeypatch.setattr(report_pictures, "PICTURE_VERSION", PICTURE_VERSION + 1, raising=False)
    assert pictures.inputs_etag("abc") != before


def test_a_picture_not_kept_leaves_nothing_of_its_learner_behind(drawings: Drawings) -> None:
    """Each learner's newest picture was noted before it was drawn and forgotten only when a kept picture
    was evicted or replaced: with the cache off (0 bytes), a picture larger than the cache, a drawing that
    failed or a request refused while others drew, the note stayed for good, one per learner who ever asked
    (a review, 6 December 2026)."""
    off = ReportPictures(max_bytes=0, renders=1, wait_s=5)
    for i in range(50):
        off.png(a_picture(p=i / 100), owner=f"learner-{i}")
    assert off.kept == 0 and off.learners == 0

    small = ReportPictures(max_bytes=10, renders=1, wait_s=5)  # every picture larger than the cache
    small.png(a_picture(), owner="kim")
    assert small.kept == 0 and small.learners == 0

    drawings.seconds = 0.5
    busy = ReportPictures(max_bytes=100_000, renders=1, wait_s=0.05)
    first = threading.Thread(target=busy.png, args=(a_picture(),), kwargs={"owner": "kim"})
    first.start()
    deadline = time.monotonic() + 10
    while drawings.now == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    with pytest.raises(ServiceUnavailable):
        busy.png(a_picture(p=0.9), owner="lee")
    first.join()
    assert busy.kept == 1 and busy.learners == 1  # kim's picture, kept; nothing of lee's

    drawings.seconds = 0.0
    failing = ReportPictures(max_bytes=100_000, renders=1, wait_s=5)

    def broken(picture: Picture, *, dpi: int) -> bytes:
        raise RuntimeError("the drawing failed")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_pictures, "render_picture", broken)
        with pytest.raises(RuntimeError):
            failing.png(a_picture(), owner="kim")
    assert failing.learners == 0
    failing.png(a_picture(), owner="kim")  # drawn again, and kept now
    assert failing.kept == 1 and failing.learners == 1
