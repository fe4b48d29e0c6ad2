"""What the uploader and the heartbeat share: backoff with jitter, a bounded JSON POST, a background loop.

Both are driven by ``step() -> seconds until the next step is useful``: tests call ``step`` with a
fake clock; the player runs it in a daemon thread with :func:`run_steps`.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from typing import Any

import requests

from kiosk import httpio
from kiosk.audit.records import AuditError

log = logging.getLogger(__name__)

Timeout = tuple[float, float]  # (connect, read) seconds
DEADLINE = 60.0  # seconds for a whole exchange, connect to last byte
MAX_REPLY = 64 * 1024  # bytes: the largest reply read (an ack or a heartbeat answer is far smaller)


class SendError(AuditError):
    """The server could not be reached or did not accept what was sent; retry later."""


class Backoff:
    """Exponential backoff with jitter: the n-th failure waits ``base * 2**(n-1)`` capped at ``cap``,
    of which a random part (``jitter``, 0-1) is taken off so that many screens do not retry in step."""

    def __init__(self, base: float = 30.0, cap: float = 3600.0, jitter: float = 0.5,
                 rng: random.Random | None = None) -> None:
        if base <= 0 or cap < base or not 0 <= jitter <= 1:
            raise ValueError(f"Backoff: need 0 < base <= cap and 0 <= jitter <= 1, got {base}, {cap}, {jitter}")
        self.base, self.cap, self.jitter = base, cap, jitter
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """Count one more failure; seconds to wait before the next attempt."""
        self.failures += 1
        ceiling = min(self.cap, self.base * 2 ** min(self.failures - 1, 60))
        return ceiling * (1 - self.jitter * self._rng.random())

    def reset(self) -> None:
        self.failures = 0


def post_json(session: requests.Session, url: str, body: dict[str, Any] | list[Any], timeout: Timeout,
              deadline: float = DEADLINE, cap: int = MAX_REPLY) -> dict[str, Any]:
    """POST ``body`` as JSON; the reply must be 2xx with a JSON object, else :class:`SendError`.

    The whole exchange, from connect to the reply's last byte, takes at most ``deadline`` seconds,
    and a reply longer than ``cap`` bytes (after gunzip) is refused unread.
    """
    reply = _exchange(session, url, timeout, deadline, cap, json=body)
    return _json_reply(url, reply)


def post_bytes(session: requests.Session, url: str, data: bytes, content_type: str, headers: dict[str, str],
               timeout: Timeout, deadline: float = DEADLINE, cap: int = MAX_REPLY) -> None:
    reply = _exchange(session, url, timeout, deadline, cap, data=data,
                      headers={"Content-Type": content_type, **headers})
    if not 200 <= reply.status < 300:
        raise SendError(f"{url}: server answered HTTP {reply.status}")


def _exchange(session: requests.Session, url: str, timeout: Timeout, deadline: float, cap: int,
              **kwargs: Any) -> httpio.Reply:
    try:
        return httpio.exchange(httpio.guard(session), "POST", url, deadline=deadline, connect_timeout=timeout[0],
                               read_timeout=timeout[1], cap=cap, **kwargs)
    except httpio.DeadlineExceeded as e:
        raise SendError(f"{url}: no complete answer within {deadline:g} s (a slow or stuck server)") from e
    except httpio.ReplyTooLarge as e:
        raise SendError(f"{e}: not a reply from a report server") from e
    except requests.RequestException as e:
        raise SendError(f"{url}: cannot reach the server: {e}") from e


def _json_reply(url: str, reply: httpio.Reply) -> dict[str, Any]:
    if not 200 <= reply.status < 300:
        raise SendError(f"{url}: server answered HTTP {reply.status}")
    if not reply.body:
        return {}
    try:
        answer = json.loads(reply.body)
    except (ValueError, RecursionError):
        raise SendError(f"{url}: the reply is not JSON (a captive portal or a wrong URL?)") from None
    if not isinstance(answer, dict):
        raise SendError(f"{url}: the reply is not a JSON object")
    return answer


def run_steps(step: Callable[[], float], stop: threading.Event, name: str, floor: float = 1.0) -> None:
    """Call ``step`` until ``stop`` is set, sleeping as long as it asks (at least ``floor`` seconds).

    An unexpected exception is logged and retried a minute later: the loop never dies.
    """
    while not stop.is_set():
        try:
            delay = step()
        except Exception:  # noqa: BLE001 - a background loop must survive anything
            log.exception("%s: unexpected error; retrying in a minute", name)
            delay = 60.0
        stop.wait(max(floor, delay))


def start_thread(step: Callable[[], float], stop: threading.Event, name: str) -> threading.Thread:
    """:func:`run_steps` in a daemon thread."""
    thread = threading.Thread(target=run_steps, args=(step, stop, name), name=name, daemon=True)
    thread.start()
    return thread
