"""Joining a workshop from the workbench: the page address, and the join form.

The workbench's address carries where its work is, so reloading the page or opening its link on another
device lands on the same work at the same step:

* in a workshop: ``?workshop=<join code>&group=<group id>&participant=<participant id>&step=<1–5>``
  (a link from the facilitator carries only ``workshop`` and ``group``; the join form asks the rest);
* alone: ``?solo=<assessment id>&step=<1–5>`` (the id is unguessable: whoever has the link has the work).

Voilà passes the query string to the kernel as the ``QUERY_STRING`` environment variable
(:func:`query_string` waits for it when the kernel was started before the page was asked for).
:func:`parse_query` reads it as hostile input: its length is bounded before it is parsed, only the names
above are read, and each value must match its pattern; anything else becomes a message, never an error.
"""

from __future__ import annotations

import html
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable

import ipywidgets as widgets

from exsitu.validation import InvalidInputError

__all__ = ["MAX_QUERY_CHARS", "WorkshopQuery", "parse_query", "build_query", "query_string", "JoinForm"]

MAX_QUERY_CHARS = 2000
"""Longest query string read (characters); a longer one is ignored with a message."""

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # the store's ids are secrets.token_urlsafe: any may start with - or _
_NAMES = ("workshop", "group", "participant", "solo", "step")


@dataclass(frozen=True)
class WorkshopQuery:
    """What a page address asks for: a workshop's group (and who), or a solo assessment, and a step.

    ``problems`` lists what was ignored (each a sentence for the page).
    """

    workshop: str = ""
    group: str = ""
    participant: str = ""
    solo: str = ""
    step: int | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def in_workshop(self) -> bool:
        return bool(self.workshop)


def parse_query(text: str | None) -> WorkshopQuery:
    """Read a page's query string (``'workshop=K7Q2-P9&group=g1&step=3'``, with or without ``?``).

    Hostile-safe: more than :data:`MAX_QUERY_CHARS` characters are not parsed; unknown names are ignored;
    a value that does not match its pattern (join code: letters, digits, '-', at most 32; ids: letters,
    digits, '-', '_' in any position, as ``secrets.token_urlsafe`` makes them, at most 64; step: 1–5) is dropped and named in ``problems``.
    """
    if not text:
        return WorkshopQuery()
    if not isinstance(text, str):
        return WorkshopQuery(problems=("The page address could not be read; it was ignored.",))
    if len(text) > MAX_QUERY_CHARS:
        return WorkshopQuery(problems=(f"The page address is longer than {MAX_QUERY_CHARS} characters; "
                                       "it was ignored. Open the link the facilitator gave you.",))
    try:
        pairs = urllib.parse.parse_qsl(text.lstrip("?"), keep_blank_values=False, max_num_fields=20)
    except ValueError:
        return WorkshopQuery(problems=("The page address has too many parts; it was ignored.",))
    values: dict[str, str] = {}
    problems: list[str] = []
    for name, value in pairs:
        if name in _NAMES and name not in values:
            values[name] = value.strip()
    out: dict[str, Any] = {}
    for name in ("workshop", "group", "participant", "solo"):
        value = values.get(name, "")
        if not value:
            continue
        pattern = _CODE if name == "workshop" else _ID
        if pattern.match(value):
            out[name] = value
        else:
            problems.append(f"The page address has a {name} that is not valid ({html.escape(value[:40])}…); "
                            "it was ignored.")
    step = values.get("step", "")
    if step:
        if step.isdigit() and 1 <= int(step) <= 5:
            out["step"] = int(step)
        else:
            problems.append("The page address asks for a step that is not 1–5; it was ignored.")
    if out.get("workshop") and not out.get("group"):
        out.pop("participant", None)
    if out.get("workshop") and out.get("solo"):
        out.pop("solo")
        problems.append("The page address names both a workshop and a solo assessment; the workshop was used.")
    if not out.get("workshop"):
        for name in ("group", "participant"):
            out.pop(name, None)
    return WorkshopQuery(problems=tuple(problems), **out)


def build_query(*, workshop: str = "", group: str = "", participant: str = "", solo: str = "",
                step: int | None = None) -> str:
    """The query string (without ``?``) for a page address; empty parts are left out."""
    items = [("workshop", workshop), ("group", group), ("participant", participant), ("solo", solo),
             ("step", str(step) if step else "")]
    return urllib.parse.urlencode([(name, value) for name, value in items if value])


def query_string() -> str:
    """The page's query string in a Voilà kernel ('' elsewhere).

    With Voilà's preheated kernels the notebook runs before a page asks for it; this waits for the page's
    request then (:func:`_wait_for_page_request`). Outside Voilà (JupyterLab, tests) this is ``QUERY_STRING``
    or ''.
    """
    if os.environ.get("VOILA_PREHEAT", "False") != "False":
        try:
            info = _wait_for_page_request()
        except Exception as error:  # noqa: BLE001 - no Voilà, or no request info: work without the address
            info, problem = None, f"{type(error).__name__}: {error}"
        else:
            problem = "no request info came"
        if info is None:
            # said in the server's log: a silent fallback once hid that every workshop link opened solo work
            import logging

            logging.getLogger("exsitu.workshop").warning("the page address did not reach this kernel (%s); "
                                                         "the page opens without it", problem)
            return os.environ.get("QUERY_STRING", "") or ""
        for name, value in info.items():
            if isinstance(name, str) and isinstance(value, str):
                os.environ[name] = value
        return str(info.get("QUERY_STRING", "") or "")
    return os.environ.get("QUERY_STRING", "") or ""


CONNECT_ATTEMPTS = 60
"""How many times a preheated kernel tries to reach the server for its page's request (about 1 s apart)."""


def _wait_for_page_request() -> dict[str, str] | None:
    """Wait (without a time limit once connected) for the request of the page that takes this preheated kernel.

    Voilà's own ``voila.utils.get_query_string`` gives up, silently, when its websocket to the server does not
    open within 5 s: on a server busy starting kernels for a room (10 pages at once) a kernel refilling the pool
    then served its page without the address, and a workshop link opened solo work. This is the same protocol
    (``<server>/voila/query/<kernel id>``, one JSON message of CGI-style variables, as Voilà 0.5 sends it) with
    patient retries: up to :data:`CONNECT_ATTEMPTS` connects, each with 30 s to open.
    """
    import asyncio
    import json
    import threading

    import websockets

    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    host = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    kernel_id = os.environ.get("VOILA_KERNEL_ID", "")
    if not kernel_id:
        return None
    url = f"{protocol}://{host}:{port}{base}voila/query/{kernel_id}"

    async def receive() -> str | None:
        for _attempt in range(CONNECT_ATTEMPTS):
            try:
                async with websockets.connect(url, open_timeout=30, max_size=2**20) as socket:
                    return await socket.recv()
            except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException):
                await asyncio.sleep(1.0)
        return None

    result: list[str | None] = [None]

    def run() -> None:  # a loop of its own: the kernel's own event loop is running this cell
        result[0] = asyncio.new_event_loop().run_until_complete(receive())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join()
    if result[0] is None:
        return None
    info = json.loads(result[0])
    return info if isinstance(info, dict) else None


def _error_html(error: InvalidInputError) -> str:
    fix = f"<br><b>How to fix it:</b> {html.escape(error.fix)}" if error.fix else ""
    return (f"<div class='ws-error' style='color:#8a1c00;background:#fff1ec;border-left:4px solid #d81e05;"
            f"padding:4px 8px'><b>Cannot use <code>{html.escape(str(error.field))}</code>:</b> "
            f"{html.escape(error.problem)}{fix}</div>")


class JoinForm:
    """The form a participant fills to join a workshop: code, group, display name, affiliation, perspective.

    ``on_joined(workshop, group, participant)`` is called after a successful :meth:`join`. A wrong code, an
    empty name or a text over the store's limits is a message (``message``), never an error. Controls:
    ``code``, ``find`` (look up the groups of a code), ``group``, ``display_name``, ``affiliation``,
    ``perspective``, ``join_button``; ``widget`` is what to display.
    """

    def __init__(self, store: Any, on_joined: Callable[[Any, Any, Any], None], *, code: str = "",
                 group_id: str = "") -> None:
        from exsitu.workshop import PERSPECTIVES

        self.store = store
        self.on_joined = on_joined
        self.workshop: Any = None
        style = {"description_width": "9em"}
        wide = widgets.Layout(width="32em")
        self.code = widgets.Text(value=code, description="Workshop code", placeholder="from the facilitator",
                                 style=style, layout=wide)
        self.find = widgets.Button(description="Find my workshop", icon="search")
        self.group = widgets.Dropdown(options=[], description="Group", style=style, layout=wide)
        self.display_name = widgets.Text(description="Your name", placeholder="as the group should see it",
                                         style=style, layout=wide)
        self.affiliation = widgets.Text(description="Affiliation", placeholder="organisation (optional)",
                                        style=style, layout=wide)
        self.perspective = widgets.Dropdown(options=list(PERSPECTIVES), description="Perspective", style=style,
                                            layout=wide)
        self.join_button = widgets.Button(description="Join the group", icon="sign-in", button_style="primary")
        self.message = widgets.HTML()
        self.find.on_click(lambda _b: self.look_up())
        self.join_button.on_click(lambda _b: self.join())
        self.details = widgets.VBox([self.group, self.display_name, self.affiliation, self.perspective,
                                     self.join_button])
        self.widget = widgets.VBox([
            widgets.HTML("<h3 style='margin:4px 0'>Join a workshop</h3><small>Type the code the facilitator gave "
                         "you, choose your group and say who you are. No password: the code admits you.</small>"),
            widgets.HBox([self.code, self.find]), self.details, self.message])
        self.details.layout.display = "none"
        if code:
            self.look_up(group_id)

    def look_up(self, group_id: str = "") -> bool:
        """Find the workshop of the typed code and list its groups; False (and a message) on a wrong code."""
        from exsitu.workshop import AccessDenied

        code = self.code.value.strip()
        if not code:
            self.message.value = _error_html(InvalidInputError("Workshop code", "is empty",
                                                               "type the code the facilitator gave you"))
            return False
        if len(code) > 64:
            self.message.value = _error_html(InvalidInputError("Workshop code", "is too long to be a code",
                                                               "type the short code the facilitator gave you"))
            return False
        try:
            self.workshop = self.store.workshop_by_code(code)
            groups = self.store.groups(code)
        except (AccessDenied, InvalidInputError) as error:
            self.details.layout.display = "none"
            self.message.value = _error_html(InvalidInputError("Workshop code", _reason(error),
                                                               "check the code with the facilitator"))
            return False
        chosen = self.group.value
        self.group.options = [(g.name, g.id) for g in groups]
        if group_id and any(g.id == group_id for g in groups):
            self.group.value = group_id
        elif len(groups) == 1:
            self.group.value = groups[0].id
        elif chosen and any(g.id == chosen for g in groups):
            self.group.value = chosen
        else:
            # several groups and none named: nobody is put in a group they did not choose
            self.group.index = None
        self.details.layout.display = None
        self.message.value = (f"<div style='color:#1a5e20'>Workshop <b>{html.escape(self.workshop.title)}</b> "
                              f"({html.escape(self.workshop.taxon)}): choose your group and say who you are."
                              "</div>")
        return True

    def join(self) -> bool:
        """Join the chosen group; False (and a message naming the field) if something is missing or wrong."""
        from exsitu.workshop import AccessDenied

        code = self.code.value.strip()
        if self.workshop is None or str(getattr(self.workshop, "join_code", "")).upper() != code.upper():
            if not self.look_up(self.group.value or ""):
                return False
        if not self.group.value:
            self.message.value = _error_html(InvalidInputError("Group", "no group is chosen",
                                                               "choose your working group"))
            return False
        if not self.display_name.value.strip():
            self.message.value = _error_html(InvalidInputError("Your name", "is empty",
                                                               "type the name the group should see"))
            return False
        try:
            participant = self.store.join(self.code.value.strip(), self.group.value, self.display_name.value.strip(),
                                          self.affiliation.value.strip(), self.perspective.value)
        except InvalidInputError as error:
            self.message.value = _error_html(error)
            return False
        except AccessDenied as error:
            self.message.value = _error_html(InvalidInputError("Workshop code", _reason(error),
                                                               "check the code with the facilitator"))
            return False
        group = next((g for g in self.store.groups(self.code.value.strip()) if g.id == self.group.value), None)
        self.message.value = ""
        self.on_joined(self.workshop, group, participant)
        return True


def _reason(error: Exception) -> str:
    text = getattr(error, "problem", None) or str(error) or "is not a workshop code"
    return text
