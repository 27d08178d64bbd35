"""Connection state for the apps: a small front-end widget with a heartbeat, and the page address.

An ipywidgets page keeps showing what the kernel last sent after the kernel or the server has gone, so a
"Saved 10:42:13" line would stay on screen while the next edits go nowhere. :class:`ConnectionStatus` is an
`anywidget <https://anywidget.dev>`_ (its JavaScript is inline here, no build step) that sends a ping to the
kernel every ``heartbeat_ms`` (default 1 s); the kernel answers at once. When no answer came for
``timeout_ms`` (default 4 s) the page shows a red banner, "Connection lost — changes after 10:42:13 are not
saved" (the time of the last save the kernel reported, see :meth:`ConnectionStatus.saved`), hides every
"Saved" line (elements of class ``wb-status``) and marks ``<body>`` with the class ``exsitu-offline``. If
answers come back (a short network hiccup), the banner goes away.

The same widget keeps the browser's address in step with the work: setting :attr:`ConnectionStatus.query`
replaces the page's query string (``history.replaceState``, no reload), so reloading the page or opening
its link on another device lands on the same work; the front end reports the page's address in
:attr:`ConnectionStatus.page_url` (read-only for the kernel: it is what the browser says, to be validated).

Every ping also runs the callbacks registered with :meth:`ConnectionStatus.on_tick` (throttled to
``every`` seconds each), in the kernel's own thread: the way the apps poll the workshop store without
threads of their own.
"""

from __future__ import annotations

import datetime as _dt
import time
from typing import Any, Callable

import anywidget
import traitlets

__all__ = ["ConnectionStatus", "connection_status"]

_ESM = r"""
function fmt(date) {
  const p = (n) => String(n).padStart(2, "0");
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "exsitu-connection";
  box.setAttribute("role", "status");
  box.setAttribute("aria-live", "assertive");
  el.appendChild(box);
  let lastAnswer = Date.now();
  let lost = false;
  let seq = 0;
  const styleId = "exsitu-offline-style";
  if (!document.getElementById(styleId)) {
    const style = document.createElement("style");
    style.id = styleId;
    style.textContent = "body.exsitu-offline .wb-status { display: none !important; }";
    document.head.appendChild(style);
  }
  function show() {
    if (lost) {
      const saved = model.get("saved_label");
      const since = saved ? saved : fmt(new Date(lastAnswer));
      box.className = "exsitu-connection exsitu-connection-lost";
      box.style.cssText = "position:sticky;top:0;z-index:1000;color:#fff;background:#b00020;padding:6px 10px;" +
                          "font-weight:bold;border-radius:3px";
      box.textContent = `Connection lost — changes after ${since} are not saved. ` +
                        "Download your work if you can, and reload the page when the server is back.";
      document.body.classList.add("exsitu-offline");
    } else {
      box.className = "exsitu-connection exsitu-connection-ok";
      box.style.cssText = "color:#1a5e20;font-size:small;padding:2px 4px";
      box.textContent = "● connected";
      document.body.classList.remove("exsitu-offline");
    }
  }
  function applyQuery() {
    const query = model.get("query");
    if (query === null || query === undefined) return;
    const wanted = query ? `?${query}` : "";
    if (window.location.search !== wanted) {
      try {
        window.history.replaceState(window.history.state, "",
                                    window.location.pathname + wanted + window.location.hash);
      } catch (e) { /* a sandboxed frame: the address just stays */ }
    }
  }
  model.on("msg:custom", (msg) => {
    if (msg && msg.type === "pong") {
      lastAnswer = Date.now();
      if (lost) { lost = false; show(); }
    }
  });
  model.on("change:saved_label", show);
  model.on("change:query", applyQuery);
  try {
    model.set("page_url", String(window.location.href).slice(0, 2000));
    model.save_changes();
  } catch (e) { /* no kernel yet */ }
  applyQuery();
  show();
  const timer = setInterval(() => {
    try { model.send({ type: "ping", seq: ++seq }); } catch (e) { /* the comm is gone */ }
    if (!lost && Date.now() - lastAnswer > model.get("timeout_ms")) { lost = true; show(); }
  }, model.get("heartbeat_ms"));
  return () => clearInterval(timer);
}
export default { render };
"""


class ConnectionStatus(anywidget.AnyWidget):
    """A heartbeat banner ("Connection lost — changes after HH:MM:SS are not saved") and the page address.

    Traits: ``saved_label`` (time of the last save, ``HH:MM:SS``, shown in the banner), ``query`` (the page's
    query string, without ``?``; ``None`` leaves the address alone), ``page_url`` (what the browser reports),
    ``heartbeat_ms`` and ``timeout_ms``. ``pings`` counts the pings answered (for tests).
    """

    _esm = _ESM
    saved_label = traitlets.Unicode("").tag(sync=True)
    query = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    page_url = traitlets.Unicode("").tag(sync=True)
    heartbeat_ms = traitlets.Int(1000).tag(sync=True)
    timeout_ms = traitlets.Int(4000).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pings = 0
        self._ticks: list[list[Any]] = []  # [callback, every seconds, last run (monotonic)]
        self.on_msg(self._handle)

    def saved(self, when: float | None = None) -> None:
        """Record a save made now (or at ``when``, seconds since the epoch) for the banner."""
        stamp = time.time() if when is None else when
        self.saved_label = _dt.datetime.fromtimestamp(stamp).strftime("%H:%M:%S")

    def on_tick(self, callback: Callable[[], Any], every: float = 1.0) -> None:
        """Run ``callback()`` on the heartbeat, at most once per ``every`` seconds (errors are swallowed)."""
        self._ticks.append([callback, float(every), float("-inf")])

    def tick(self) -> None:
        """Run the due callbacks now (the heartbeat calls this; tests may too)."""
        now = time.monotonic()
        for entry in self._ticks:
            callback, every, last = entry
            # 20 % slack: heartbeats arrive with jitter, and a ping 0.99 s after the last one must not put a
            # once-a-second callback off to the next beat (that made the facilitator's page lag by 2 s)
            if now - last >= 0.8 * every:
                entry[2] = now
                try:
                    callback()
                except Exception:  # noqa: BLE001 - a poll must never break the heartbeat
                    pass

    def _handle(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            self.pings += 1
            self.send({"type": "pong", "seq": content.get("seq")})
            self.tick()


def connection_status(**kwargs: Any) -> ConnectionStatus:
    """A :class:`ConnectionStatus` (heartbeat every second, lost after 4 s without an answer)."""
    return ConnectionStatus(**kwargs)
