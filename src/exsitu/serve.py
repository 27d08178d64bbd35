"""Serve the workshop apps (``apps/``) with Voilà, hardened for a room of participants: ``make apps`` runs
``python -m exsitu.serve apps/ …`` (Voilà's own arguments, plus the settings below).

On top of Voilà 0.5 (same handlers, same apps/voila.json) this launcher adds:

* **A cap on live kernels** (:attr:`ExsituVoila.max_kernels`, preheated pool included; default: the machine's
  available memory / :data:`KERNEL_MB` MB) **and on kernels per client address**
  (:attr:`ExsituVoila.max_kernels_per_client`). An app page asked for over a cap gets at once a plain
  "The server is full — try again in a minute" page (HTTP 503, ``Retry-After: 60``), not a hang.
* **Pages start in turn**: at most :attr:`ExsituVoila.render_slots` pages (2 per core) start their kernels at
  once; the others wait with their request open and are served in turn (thirty kernels starting together on two
  cores starved each other and the pages stayed blank). A page whose person left before it was served has its
  kernel stopped.
* **Closing or reloading a tab stops its kernel**: when the last websocket of a page's kernel closes and none
  reconnects within :attr:`ExsituVoila.shutdown_grace_seconds`, the kernel is shut down server-side (Voilà's
  own shutdown beacon is refused for want of an XSRF token). Pool kernels are never touched; kernels no page
  ever connected to are culled by apps/voila.json's ``MappingKernelManager.cull_idle_timeout``.
* **A Host allow-list** (against DNS rebinding): a request whose ``Host`` is not ``localhost``, an IP address,
  or a name in :attr:`ExsituVoila.allowed_hosts` is refused (403) before any handler runs; a kernel websocket
  whose ``Origin`` is not the same allowed host is refused too.
* **A token whenever the server binds anything but loopback**: if none is given, one is generated and the link
  with it printed.
"""

from __future__ import annotations

import asyncio
import contextvars
import html
import ipaddress
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import tornado.web
from tornado.routing import Matcher, Rule
from traitlets import Float, Integer, List, Unicode, default
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

__all__ = ["Admission", "ExsituVoila", "FULL_MESSAGE", "KERNEL_MB", "default_max_kernels", "main"]

#: Memory one app kernel may take, MB (measured: 150–250 MB per kernel once an app has run).
KERNEL_MB = 250
#: Longest a kernel handed to a page is kept for that page to connect (s), whatever the culling settings.
PAGE_CONNECT_SECONDS = 600.0
#: What a person sees when the server is at its cap.
FULL_MESSAGE = "The server is full — try again in a minute"
FULL_PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>The server is full</title>"
    "<meta http-equiv='refresh' content='60'></head><body style='font-family:sans-serif;max-width:40em;"
    f"margin:4em auto'><h1>{html.escape(FULL_MESSAGE)}</h1><p>{{detail}} This page tries again by itself in "
    "a minute. Work in the workbench is saved, so nothing is lost.</p></body></html>")
REFUSED_HOST_PAGE = ("<!doctype html><title>Refused</title><h1>This address is not served here</h1>"
                     "<p>Open the link the facilitator gave.</p>")

_CLIENT: contextvars.ContextVar["_Reservation | None"] = contextvars.ContextVar("exsitu_client", default=None)


def default_max_kernels() -> int:
    """Kernels this machine can hold: available memory (MB, /proc/meminfo) / :data:`KERNEL_MB`, at least 2."""
    available_kb = None
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    available_kb = int(line.split()[1])
                    break
    except (OSError, ValueError):
        pass
    if available_kb is None:
        try:
            available_kb = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 1024
        except (ValueError, OSError, AttributeError):
            return 8
    return max(2, available_kb // 1024 // KERNEL_MB)


@dataclass
class _Reservation:
    client: str
    consumed: bool = False
    kernel_id: str | None = None
    abandoned: bool = False  # the page's connection closed before it was served


@dataclass
class Admission:
    """Who holds which kernel, and whether one more page may have one (see :meth:`reserve`)."""

    max_kernels: int
    max_per_client: int
    owners: dict[str, str] = field(default_factory=dict)  # kernel id -> client address
    pending: dict[str, int] = field(default_factory=dict)  # client address -> pages being given a kernel
    assigned_at: dict[str, float] = field(default_factory=dict)  # kernel id -> when a page was given it (monotonic)
    connected: set[str] = field(default_factory=set)  # kernel ids a page has connected to at least once

    def _prune(self, kernel_manager: Any) -> None:
        for kernel_id in [k for k in self.owners if k not in kernel_manager]:
            del self.owners[kernel_id]
            self.assigned_at.pop(kernel_id, None)
            self.connected.discard(kernel_id)

    @staticmethod
    def pool_kernels(kernel_manager: Any) -> int:
        """Kernels the preheated pools hold or are about to refill (a pool's configured size at least)."""
        pools = getattr(kernel_manager, "_pools", {})
        config = getattr(kernel_manager, "kernel_pools_config", {}) or {}
        default_size = config.get("default", {}).get("pool_size", 1)
        return sum(max(len(pool), config.get(name, {}).get("pool_size", default_size)) for name, pool in pools.items())

    def refusal(self, client: str, kernel_manager: Any) -> str | None:
        """Why a page for ``client`` would go over a cap now (a sentence), or None if it may have a kernel."""
        self._prune(kernel_manager)
        held = sum(1 for owner in self.owners.values() if owner == client) + self.pending.get(client, 0)
        if self.max_per_client and held >= self.max_per_client:
            return (f"Your computer already has {held} app pages open here (at most {self.max_per_client}); "
                    "close one you no longer use.")
        in_use = len(self.owners) + sum(self.pending.values()) + self.pool_kernels(kernel_manager)
        if self.max_kernels and in_use >= self.max_kernels:
            return f"All {self.max_kernels} places on this server are taken."
        return None

    def reserve(self, client: str) -> _Reservation:
        self.pending[client] = self.pending.get(client, 0) + 1
        return _Reservation(client)

    def assign(self, kernel_id: str, reservation: _Reservation | None) -> None:
        if reservation is None:
            return
        self.owners[kernel_id] = reservation.client
        self.assigned_at[kernel_id] = time.monotonic()
        reservation.kernel_id = kernel_id
        self.release(reservation)

    def release(self, reservation: _Reservation) -> None:
        if not reservation.consumed:
            reservation.consumed = True
            left = self.pending.get(reservation.client, 0) - 1
            if left > 0:
                self.pending[reservation.client] = left
            else:
                self.pending.pop(reservation.client, None)


def _track_kernels(kernel_manager: Any, admission: Admission) -> None:
    """Record which client each kernel handed to a page belongs to (both of Voilà's ways of handing one out).

    Instance attributes, so only the page handler's calls are seen: Voilà fills its pools through the class's
    methods, and pool kernels belong to nobody until a page takes one."""
    start_kernel = kernel_manager.start_kernel
    get_rendered_notebook = getattr(kernel_manager, "get_rendered_notebook", None)

    async def tracked_start_kernel(*args: Any, **kwargs: Any) -> str:
        result = start_kernel(*args, **kwargs)
        kernel_id = await result if asyncio.iscoroutine(result) or asyncio.isfuture(result) else result
        admission.assign(kernel_id, _CLIENT.get())
        return kernel_id

    kernel_manager.start_kernel = tracked_start_kernel

    # The root cause of blank pages under load: a preheated kernel's idle clock started when it finished
    # preheating, so once handed to a page it could be culled ("0 connections, idle") before the page, slow to
    # load on a busy machine, had connected its websocket — the page then found no kernel and stayed blank.
    # A kernel handed to a page is never culled before that page has connected, or PAGE_CONNECT_SECONDS passed.
    cull_kernel_if_idle = kernel_manager.cull_kernel_if_idle

    async def cull_unless_page_still_loading(kernel_id: str) -> Any:
        assigned = admission.assigned_at.get(kernel_id)
        if assigned is not None and kernel_id not in admission.connected and \
                time.monotonic() - assigned < PAGE_CONNECT_SECONDS:
            return None
        return await cull_kernel_if_idle(kernel_id)

    kernel_manager.cull_kernel_if_idle = cull_unless_page_still_loading
    if get_rendered_notebook is not None:
        async def tracked_get_rendered_notebook(*args: Any, **kwargs: Any) -> Any:
            render_task, rendered_cache, kernel_id = await get_rendered_notebook(*args, **kwargs)
            admission.assign(kernel_id, _CLIENT.get())
            _touch(kernel_manager, kernel_id)  # its idle clock starts now, not when it was preheated
            return render_task, rendered_cache, kernel_id

        kernel_manager.get_rendered_notebook = tracked_get_rendered_notebook


def _touch(kernel_manager: Any, kernel_id: str) -> None:
    try:
        from jupyter_server.utils import utcnow

        kernel_manager.get_kernel(kernel_id).last_activity = utcnow()
    except Exception:  # noqa: BLE001 - the kernel may already be gone
        pass


class CappedVoilaHandler(TornadoVoilaHandler):
    """Voilà's app page, refused with a plain 503 page when the server or this client is at its cap."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        admission: Admission = self.settings["exsitu_admission"]
        client = self.request.remote_ip or "unknown"
        reason = admission.refusal(client, self.kernel_manager)
        if reason is not None:
            self.log.warning("Refused a page for %s: %s", client, reason)
            self.set_status(503)
            self.set_header("Retry-After", "60")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(FULL_PAGE.format(detail=html.escape(reason)))
            return
        reservation = self._reservation = admission.reserve(client)
        token = _CLIENT.set(reservation)
        slots: asyncio.Semaphore = self.settings["exsitu_render_slots"]
        try:
            # At most render_slots pages start their kernels at once: on a few cores, thirty kernels importing
            # the toolkit at once starve each other (pages stayed blank for many minutes); queued pages wait
            # with their request open and are served in turn, or get the "server is full" page after a while.
            try:
                await asyncio.wait_for(slots.acquire(), timeout=self.settings["exsitu_queue_timeout"])
            except asyncio.TimeoutError:
                self.log.warning("Refused a page for %s: waited too long for a free start slot", client)
                self.set_status(503)
                self.set_header("Retry-After", "60")
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.finish(FULL_PAGE.format(detail="Many pages are starting at once."))
                return
            try:
                if reservation.abandoned:
                    return  # the person left while the page waited
                await super().get(path)
            finally:
                slots.release()
        finally:
            _CLIENT.reset(token)
            admission.release(reservation)
            if reservation.abandoned and reservation.kernel_id:
                _shutdown_later(self.settings, reservation.kernel_id, self.log)

    def on_connection_close(self) -> None:
        """The person left before the page was served (closed the tab, or gave up): stop its kernel."""
        super().on_connection_close()
        reservation = getattr(self, "_reservation", None)
        if reservation is not None:
            reservation.abandoned = True
            if reservation.kernel_id:
                _shutdown_later(self.settings, reservation.kernel_id, self.log)


class ClosingKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voilà's kernel websocket, with an Origin check against the Host allow-list, and a kernel shut down when its
    page has gone (no websocket for the grace period)."""

    def check_origin(self, origin: str | None = None) -> bool:
        origin = origin if origin is not None else self.request.headers.get("Origin")
        if origin is not None:
            netloc = urlparse(origin.lower()).netloc
            if netloc != (self.request.headers.get("Host") or "").lower() or \
                    not self.settings["exsitu_hosts"].allowed(netloc):
                self.log.warning("Refused a kernel websocket from Origin %s (Host %s)", origin,
                                 self.request.headers.get("Host"))
                return False
        return super().check_origin(origin)

    async def open(self, kernel_id: str) -> None:  # type: ignore[override]
        self.settings["exsitu_admission"].connected.add(kernel_id)
        await super().open(kernel_id)

    def on_close(self) -> None:
        super().on_close()
        kernel_id = getattr(self, "kernel_id", None)
        admission: Admission = self.settings["exsitu_admission"]
        if kernel_id and kernel_id in admission.owners:
            _shutdown_later(self.settings, kernel_id, self.log)


def _shutdown_later(settings: dict, kernel_id: str, log: Any) -> None:
    """Shut ``kernel_id`` down after the grace period unless a page is connected to it by then."""
    loop = asyncio.get_event_loop()
    loop.call_later(settings["exsitu_shutdown_grace"], lambda: asyncio.ensure_future(_shutdown_if_unconnected(
        settings["kernel_manager"], settings["exsitu_admission"], kernel_id, log)))


async def _shutdown_if_unconnected(kernel_manager: Any, admission: Admission, kernel_id: str, log: Any) -> None:
    if kernel_id not in kernel_manager or kernel_id not in admission.owners:
        return
    if kernel_manager._kernel_connections.get(kernel_id, 0) > 0:
        return  # the page reconnected
    log.info("Shutting down kernel %s: its page has gone", kernel_id)
    try:
        await kernel_manager.shutdown_kernel(kernel_id)
    except Exception as error:  # noqa: BLE001 - already gone, or shutting down
        log.info("Kernel %s was not shut down: %s", kernel_id, error)
    admission.owners.pop(kernel_id, None)


class RefusedHostHandler(tornado.web.RequestHandler):
    """Every request whose Host is not allowed (DNS rebinding, a mistyped proxy): 403; an allowed Host whose path
    nothing serves: 404."""

    def prepare(self) -> None:
        if self.settings["exsitu_hosts"].allowed(self.request.host or ""):
            raise tornado.web.HTTPError(404)  # an allowed host, a path nothing serves (as Voilà answers it)
        self.set_status(403)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(REFUSED_HOST_PAGE)


@dataclass
class HostAllowList(Matcher):
    """Matches requests whose Host (without port) is ``localhost``, an IP address, or one of ``names``."""

    names: tuple[str, ...] = ()

    def allowed(self, host: str) -> bool:
        name = host.lower()
        if name.startswith("["):  # [::1]:8866
            name = name[1:name.find("]")] if "]" in name else name
        elif name.count(":") == 1:
            name = name.rsplit(":", 1)[0]
        if name in ("localhost", *self.names):
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True  # an IP literal cannot be rebound by DNS

    def match(self, request: Any) -> dict | None:
        return {} if self.allowed(request.host or "") else None


def _is_loopback(ip: str) -> bool:
    if ip in ("localhost", ""):
        return ip == "localhost"
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


class ExsituVoila(Voila):
    """Voilà with the caps, the Host allow-list, kernel shutdown on tab close and the token rule (module doc)."""

    name = "exsitu-serve"
    description = "Serve the exsitu workshop apps with Voilà, hardened for a room."

    max_kernels = Integer(0, config=True, help="Most live kernels, pool included (0: available memory / 250 MB).")
    max_kernels_per_client = Integer(6, config=True, help="Most kernels one client address may hold (0: no cap).")
    shutdown_grace_seconds = Float(30.0, config=True,
                                   help="Seconds a page's kernel waits for its websocket to come back before it "
                                        "is shut down.")
    render_slots = Integer(0, config=True, help="Most app pages starting (rendering) at once; others wait their "
                           "turn (0: 2 per CPU core).")
    queue_timeout_seconds = Float(300.0, config=True, help="Longest a page waits for a start slot before it gets "
                                  "the 'server is full' page.")
    allowed_hosts = List(Unicode(), config=True,
                         help="Host names (besides localhost and IP addresses) the server answers to, e.g. the "
                              "name a reverse proxy passes on.")

    @default("allowed_hosts")
    def _default_allowed_hosts(self) -> list[str]:
        return [name.strip().lower() for name in os.environ.get("EXSITU_ALLOWED_HOSTS", "").split(",")
                if name.strip()]

    def _require_token(self) -> None:
        if _is_loopback(self.ip) or self.token or self.auto_token:
            return
        self.token = secrets.token_urlsafe(24)
        self._generated_token = True

    def init_settings(self) -> dict:
        self._require_token()
        settings = super().init_settings()
        admission = Admission(max_kernels=self.max_kernels or default_max_kernels(),
                              max_per_client=self.max_kernels_per_client)
        _track_kernels(self.kernel_manager, admission)
        slots = self.render_slots or 2 * (os.cpu_count() or 1)
        settings.update(exsitu_admission=admission, exsitu_shutdown_grace=self.shutdown_grace_seconds,
                        exsitu_hosts=HostAllowList(tuple(self.allowed_hosts)),
                        exsitu_render_slots=asyncio.Semaphore(slots), exsitu_queue_timeout=self.queue_timeout_seconds)
        self.log.info("At most %d kernels (pool included), %s per client address, %d pages starting at once; "
                      "page kernels stop %.0f s after their tab closes", admission.max_kernels,
                      admission.max_per_client or "no cap", slots, self.shutdown_grace_seconds)
        return settings

    def init_handlers(self) -> list:
        replaced = {TornadoVoilaHandler: CappedVoilaHandler,
                    VoilaKernelWebsocketHandler: ClosingKernelWebsocketHandler}
        return [(rule[0], replaced.get(rule[1], rule[1]), *rule[2:]) for rule in super().init_handlers()]

    def start(self) -> None:
        import tempfile

        self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
        self.log.info("Storing connection files in %s." % self.connection_dir)
        settings = self.init_settings()
        self.app = tornado.web.Application(**settings)
        self.app.settings.update(self.tornado_settings)
        # Only allowed Hosts reach Voilà's handlers; every other Host gets RefusedHostHandler (DNS rebinding).
        from tornado.web import _ApplicationRouter  # the router Application.add_handlers builds

        self.app.default_router.rules.insert(
            -1, Rule(settings["exsitu_hosts"], _ApplicationRouter(self.app, self.init_handlers())))
        self.app.wildcard_router.add_rules([(r".*", RefusedHostHandler)])
        if getattr(self, "_generated_token", False):
            host = self.ip if self.ip not in ("0.0.0.0", "::") else "<this machine's address>"
            print(f"\nThe apps need this token (the server listens on {self.ip}); give participants the link:\n"
                  f"    http://{host}:{self.port}{self.base_url}?token={self.token}\n", flush=True)
        self.listen()


def main(argv: list[str] | None = None) -> None:
    """Run the launcher: ``python -m exsitu.serve apps/ --port=8866 --Voila.config_file_paths=apps …``."""
    ExsituVoila.launch_instance(argv=argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
