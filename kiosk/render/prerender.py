"""Render upcoming slides on a background thread so no frame pays for layout.

pygame surfaces that are not the display may be drawn from another thread; the
worker only fills the shared :class:`SurfaceCache` through ``SlideRenderer.slide``.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from collections.abc import Iterable

from kiosk.content import Item
from kiosk.layout.words import warm_up
from kiosk.render.slides import SlideRenderer

log = logging.getLogger(__name__)

_STOP = object()


class Prerenderer:
    def __init__(self, slides: SlideRenderer) -> None:
        self.slides = slides
        self._jobs: queue.Queue[object] = queue.Queue()
        self._stopping = False
        # Hand the GIL back to the frame loop quickly while the worker lays out text.
        if sys.getswitchinterval() > 0.001:
            sys.setswitchinterval(0.001)
        self._thread = threading.Thread(target=self._run, name="kiosk-prerender", daemon=True)
        self._thread.start()

    def request(self, jobs: Iterable[tuple[Item, int]]) -> None:
        for job in jobs:
            self._jobs.put(job)

    def request_layouts(self, items: Iterable[Item]) -> None:
        """Lay out notices (no drawing) so the schedule's page counts never wait for layout."""
        for item in items:
            self._jobs.put((item, None))

    def idle(self) -> bool:
        return self._jobs.unfinished_tasks == 0

    def wait(self, timeout: float = 5.0) -> None:
        """Block until queued jobs are done (tests and benchmarks)."""
        done = threading.Event()
        self._jobs.put(done)
        done.wait(timeout)

    def _run(self) -> None:
        # The word dictionary (rjieba: ~0.1 s holding the GIL) is loaded now, while the player starts
        # up, rather than at the first wrapped title, when the ticker would stop for that long.
        warm_up()
        while True:
            job = self._jobs.get()
            try:
                if job is _STOP:
                    return
                if isinstance(job, threading.Event):
                    job.set()
                    continue
                if self._stopping:
                    continue
                assert isinstance(job, tuple)
                item, part = job
                if part is None:
                    self.slides.layout(item)
                else:
                    self.slides.slide(item, part)
            except Exception:  # a broken slide must never kill the worker
                log.exception("prerender failed")
            finally:
                self._jobs.task_done()

    def stop(self) -> None:
        """Drop what is still queued and end the worker after its current job (a notice's layout
        takes a few tens of milliseconds; the queue may hold every notice of the content)."""
        self._stopping = True
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if isinstance(job, threading.Event):
                job.set()  # nobody waits for work that will not be done
            self._jobs.task_done()
        self._jobs.put(_STOP)
        self._thread.join(timeout=2)
