"""A small least-recently-used cache for the widgets: results and figures keyed by the inputs that made them.

A widget recomputes and redraws on every change of a control; a person often goes back to a setting seen a
moment ago (ticks a box, unticks it). Keeping the last few results and PNG images, keyed by every input they
depend on, makes going back instant and shows exactly what was shown before. Only the widgets use it.

:func:`draw_later` draws a figure on a thread of its own, for the apps, so that a change's text output never
waits for the previous change's figure.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")

#: Entries kept per cache (a PNG of a figure is about 20–60 kB).
CACHE_SIZE = 32


class ResultCache:
    """``get(key, compute)``: the value stored for ``key``, else ``compute()`` stored under it (errors are not
    stored). Keeps the ``size`` most recently used entries; ``hits`` and ``misses`` count the look-ups."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = int(size)
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()  # a figure may be drawn on the drawing thread (see draw_later)
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]  # type: ignore[return-value]
        value = compute()  # outside the lock: another thread may look up other keys meanwhile
        with self._lock:
            self.misses += 1
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items


# ------------------------------------------------------------------------------------ drawing off the main thread
_DRAWER: ThreadPoolExecutor | None = None
_DRAWER_LOCK = threading.Lock()


def _lower_priority() -> None:
    """Let the kernel's main thread (answering changes) go first: raise the drawing thread's nice value where the
    system allows it per thread (Linux); elsewhere do nothing."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass


def draw_later(job: Callable[[], None]) -> Future:
    """Run ``job`` on the widgets' one drawing thread (jobs run one at a time, in order); returns its Future.

    The kernel's main thread is then free to answer the next change while a figure is drawn, so text outputs
    never wait for a figure. ``job`` runs in a copy of the caller's context (so that widget messages it sends
    keep the kernel's parent message). Matplotlib is used there only through ``Figure`` objects, never pyplot.
    """
    global _DRAWER
    with _DRAWER_LOCK:
        if _DRAWER is None:
            _DRAWER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="exsitu-draw",
                                         initializer=_lower_priority)
    context = contextvars.copy_context()
    return _DRAWER.submit(context.run, job)


class ImageSlot:
    """One Image widget showing a figure that depends on a key: drawn at once, or on the drawing thread.

    ``show(image, key, draw, background=...)`` puts the PNG for ``key`` into ``image``: from ``cache`` when
    it was drawn before, else ``draw()``. With ``background=True`` (the apps) a new figure is drawn by
    :func:`draw_later` after the caller's text outputs, and only the newest key's figure is shown (older
    requests still waiting are skipped). The first figure, and figures already drawn, are shown at once.
    ``forget()`` drops the pending request (the inputs became invalid); ``wait()`` waits for a pending figure.
    A figure that fails to draw shows nothing: an app must never show a traceback, and the numbers it
    illustrates are already on screen.

    ``status`` (an HTML widget, optional) is the immediate feedback of a figure drawn in the background: it
    shows ``pending`` from the change until the newest figure is shown, then nothing. ``first_now=False``
    draws the first figure in the background too (an editor opened by a click shows its text at once).
    """

    def __init__(self, cache: ResultCache | None = None, *, status=None,
                 pending: str = "<small style='color:#57606a'>updating the figure…</small>",
                 first_now: bool = True) -> None:
        self.cache = cache if cache is not None else ResultCache()
        self.wanted: Hashable | None = None
        self.drawing: Future | None = None
        self.status = status
        self.pending = pending
        self.first_now = bool(first_now)

    def _status(self, text: str) -> None:
        if self.status is not None and self.status.value != text:
            self.status.value = text

    def show(self, image, key: Hashable, draw: Callable[[], bytes], *, background: bool) -> bool:
        """Show the figure of ``key``; returns whether it is drawn later (on the drawing thread)."""
        self.wanted = key
        if not background or key in self.cache or (self.first_now and not image.value):
            if key not in self.cache:
                self.wait()  # never draw into a kept Figure while the drawing thread does
            image.value = self.cache.get(key, draw)
            self._status("")
            return False
        self._status(self.pending)

        def job() -> None:
            if self.wanted != key:  # superseded by a later change before it was drawn
                return
            try:
                png = self.cache.get(key, draw)
            except Exception:  # noqa: BLE001 - see the class docstring
                png = b""
            if self.wanted == key:
                image.value = png
                self._status("")

        self.drawing = draw_later(job)
        return True

    def clear(self, image) -> None:
        """Show no figure (the inputs cannot be drawn): drops a pending request and the status."""
        self.wanted = None
        image.value = b""
        self._status("")

    def forget(self) -> None:
        self.wanted = None
        self._status("")

    def wait(self, timeout: float | None = 60.0) -> None:
        if self.drawing is not None:
            self.drawing.result(timeout)
