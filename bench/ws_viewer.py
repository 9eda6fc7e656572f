"""A lightweight Streamlit viewer: the browser's side of the websocket protocol, without a
browser. It asks for a page, keeps the fragment timers the server asks for (`run_every`),
fetches each new picture once (a browser's cache), and counts what it receives.

Enough of the protocol to watch a page, click a button and type into a text box before a
click (the teacher's sign-in); no rendering, no other widgets sent. Used by
bench/class_load.py to simulate a class of viewers on one server (thirty Chromium tabs would
measure the machine's browsers, not the server).
"""
from __future__ import annotations

import asyncio
import re
import time
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

MEDIA = re.compile(rb"/media/[0-9a-f]+\.[a-z]+")


@dataclass
class Seen:
    """What one viewer received."""

    ws_bytes: int = 0  # websocket payload bytes (before any per-message compression)
    media_bytes: int = 0  # pictures fetched over HTTP, each new URL once
    media_missed: int = 0  # pictures gone before they were fetched
    runs: int = 0  # script runs finished (full page or fragment)
    full_runs: int = 0
    steps: list[tuple[float, int]] = field(default_factory=list)  # (time, step shown) at changes
    state: str = ""  # the "State" metric last shown
    errors: list[str] = field(default_factory=list)  # exceptions the page showed

    def reset(self) -> None:
        self.ws_bytes = self.media_bytes = self.media_missed = self.runs = self.full_runs = 0
        self.steps = self.steps[-1:]
        self.errors.clear()


class Viewer:
    """One browser tab on `page` (its URL path, "" for the home page) with `query`."""

    def __init__(self, base: str, page: str = "", query: str = "") -> None:
        self.base, self.page, self.query = base, page, query
        self.seen = Seen()
        self.step = -1
        self.buttons: dict[str, str] = {}  # widget key suffix -> widget id
        self.texts: dict[str, str] = {}  # the same for text inputs
        self._page_hash = ""
        self._cache: set[str] = set()  # hashes of cacheable messages received
        self._media: set[bytes] = set()
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}
        self._ws: websockets.ClientConnection | None = None
        self._metric_label: dict[str, str] = {}  # delta path -> metric label

    async def run(self, stop: asyncio.Event) -> None:
        """Connect, load the page, and follow it until `stop` is set."""
        url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        # A browser waits for a busy server rather than giving up after websockets' 10 s.
        async with websockets.connect(url, subprotocols=["streamlit"], max_size=None,
                                      open_timeout=300, ping_timeout=None) as ws:
            self._ws = ws
            await self._rerun()
            receiver = asyncio.create_task(self._receive())
            await stop.wait()
            for _, task in self._timers.values():
                task.cancel()
            receiver.cancel()

    async def click(self, key: str, typed: dict[str, str] | None = None) -> None:
        """Press the button whose key is `key` (a full rerun, as a click does), with the text
        inputs keyed in `typed` holding those values."""
        states = [WidgetState(id=self.texts[k], string_value=v) for k, v in (typed or {}).items()]
        states.append(WidgetState(id=self.buttons[key], trigger_value=True))
        await self._rerun(widgets=WidgetStates(widgets=states))

    async def _rerun(self, fragment: str = "", widgets: WidgetStates | None = None) -> None:
        state = ClientState(query_string=self.query, page_script_hash=self._page_hash,
                            page_name=self.page if not self._page_hash else "",
                            fragment_id=fragment, is_auto_rerun=bool(fragment),
                            cached_message_hashes=sorted(self._cache))
        if widgets is not None:
            state.widget_states.CopyFrom(widgets)
        assert self._ws is not None
        await self._ws.send(BackMsg(rerun_script=state).SerializeToString())

    async def _tick(self, fragment: str, interval: float) -> None:
        """The browser's setInterval for a fragment with run_every."""
        while True:
            await asyncio.sleep(interval)
            await self._rerun(fragment)

    async def _receive(self) -> None:
        assert self._ws is not None
        async for data in self._ws:
            assert isinstance(data, bytes)
            self.seen.ws_bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            self.handle(msg, data)

    def handle(self, msg: ForwardMsg, data: bytes) -> None:
        """Act on one message as the browser would."""
        kind = msg.WhichOneof("type")
        if msg.metadata.cacheable:
            self._cache.add(msg.hash)
        if kind == "new_session":
            if not msg.metadata.run.fragment_ids:  # a full run: the browser drops timers
                for _, task in self._timers.values():
                    task.cancel()
                self._timers.clear()
        elif kind == "navigation":  # the page shown (new_session names the entry script)
            self._page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            fid, every = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if fid not in self._timers or self._timers[fid][0] != every:
                if fid in self._timers:
                    self._timers[fid][1].cancel()
                self._timers[fid] = (every, asyncio.create_task(self._tick(fid, every)))
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                if fid in self._timers:
                    self._timers.pop(fid)[1].cancel()
        elif kind == "script_finished":
            self.seen.runs += 1
            self.seen.full_runs += not msg.metadata.run.fragment_ids
        elif kind == "delta":
            self._element(msg)
            for url in set(MEDIA.findall(data)) - self._media:
                self._media.add(url)
                asyncio.get_running_loop().run_in_executor(None, self._fetch, url)

    def _element(self, msg: ForwardMsg) -> None:
        el = msg.delta.new_element
        kind = el.WhichOneof("type")
        if kind == "metric":
            if el.metric.label == "Step":
                step = int(el.metric.body.replace(",", ""))
                if step != self.step:
                    self.step = step
                    self.seen.steps.append((time.monotonic(), step))
            elif el.metric.label == "State":
                self.seen.state = el.metric.body
        elif kind == "button":
            self.buttons[el.button.id.rsplit("-", 1)[-1]] = el.button.id
        elif kind == "text_input":
            self.texts[el.text_input.id.rsplit("-", 1)[-1]] = el.text_input.id
        elif kind == "exception":
            self.seen.errors.append(el.exception.message)

    def _fetch(self, url: bytes) -> None:
        try:
            with urllib.request.urlopen(self.base + url.decode(), timeout=60) as r:
                self.seen.media_bytes += len(r.read())
        except OSError:  # replaced by a newer picture before we asked (a browser misses it too)
            self.seen.media_missed += 1
