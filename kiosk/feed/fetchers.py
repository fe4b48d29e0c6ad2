"""Network and directory access behind tuf's ``FetcherInterface`` (one method: ``_fetch``).

- :class:`RequestsFetcher`: HTTP(S) through one ``requests.Session`` with a connect timeout, a
  timeout on silence, one deadline per file from connect to last byte, and a size cap.
- :class:`DirectoryFetcher`: a local feed tree (``file://`` URLs, e.g. a USB stick);
  a missing file answers like HTTP 404, so the TUF workflow is the same.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import requests
import urllib3
from tuf.api import exceptions
from tuf.ngclient.fetcher import FetcherInterface

from kiosk import httpio
from kiosk.feed.source import FeedSource

CHUNK = 1 << 18


class RequestsFetcher(FetcherInterface):
    """HTTP fetcher: one deadline per file from connect to last byte (:mod:`kiosk.httpio`), a connect
    timeout, a timeout on silence, a size cap; :meth:`abort` cuts every transfer in flight."""

    def __init__(self, *, connect_timeout: float = 10.0, read_timeout: float = 30.0,
                 transfer_timeout: float = 600.0, max_bytes: int = 1 << 30,
                 session: requests.Session | None = None, user_agent: str = "kiosk-feed/1",
                 connections: int = 10) -> None:
        self.timeout = (connect_timeout, read_timeout)
        self.transfer_timeout = transfer_timeout
        self.max_bytes = max_bytes
        # kept-alive connections per host: as many as downloads run at once; each one cut at its deadline
        self.session = httpio.guard(session) if session is not None else httpio.session(connections)
        self.session.headers["User-Agent"] = user_agent
        self._lock = threading.Lock()
        self._active: set[httpio.Deadline] = set()

    @classmethod
    def for_source(cls, source: FeedSource) -> RequestsFetcher:
        return cls(connect_timeout=source.connect_timeout, read_timeout=source.read_timeout,
                   transfer_timeout=source.transfer_timeout, max_bytes=source.max_bytes,
                   connections=max(source.parallel, 2))

    def close(self) -> None:
        self.session.close()

    def abort(self, reason: str) -> None:
        """Cut every transfer in flight now (any thread): each fails with ``reason``."""
        with self._lock:
            active = list(self._active)
        for deadline in active:
            deadline.abort(reason)

    def _begin(self, url: str) -> httpio.Deadline:
        deadline = httpio.Deadline(self.transfer_timeout, url)
        with self._lock:
            self._active.add(deadline)
        return deadline

    def _end(self, deadline: httpio.Deadline) -> None:
        deadline.close()
        with self._lock:
            self._active.discard(deadline)

    def _fetch(self, url: str) -> Iterator[bytes]:
        deadline = self._begin(url)
        try:
            with deadline.active():
                response = self.session.get(url, stream=True, timeout=deadline.timeout(*self.timeout))
        except requests.RequestException as e:
            self._end(deadline)
            raise _slow(deadline, url) or _request_error(e, url, self.timeout) from e
        if response.status_code >= 400:
            _finish_error(response)
            self._end(deadline)
            raise exceptions.DownloadHTTPError(url, response.status_code)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response.close()
            self._end(deadline)
            raise exceptions.DownloadLengthMismatchError(f"{url} declares {declared} bytes, limit {self.max_bytes}")
        return self._chunks(response, url, deadline)

    def _chunks(self, response: requests.Response, url: str, deadline: httpio.Deadline) -> Iterator[bytes]:
        """Yield the body as it arrives; the deadline cuts a trickle wherever it is."""
        try:
            yield from httpio.iter_body(response, self.max_bytes, deadline)
        except httpio.ReplyTooLarge as e:
            raise exceptions.DownloadLengthMismatchError(f"{url}: more than {self.max_bytes} bytes") from e
        except httpio.DeadlineExceeded as e:
            raise _slow(deadline, url) or exceptions.SlowRetrievalError(str(e)) from e
        except urllib3.exceptions.ReadTimeoutError as e:
            raise exceptions.SlowRetrievalError(f"{url}: the server stopped sending: {e}") from e
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise _slow(deadline, url) or exceptions.DownloadError(f"{url}: transfer failed: {e}") from e
        finally:
            response.close()
            self._end(deadline)


def _slow(deadline: httpio.Deadline, url: str) -> Exception | None:
    """The error for an exchange the deadline cut (timed out, or aborted), else None."""
    try:
        deadline.check()
    except httpio.DeadlineExceeded as e:
        if deadline.aborted is not None and not deadline.aborted.startswith("not finished"):
            return exceptions.DownloadError(f"{url}: {deadline.aborted}")
        return exceptions.SlowRetrievalError(str(e))
    return None


def _request_error(e: requests.RequestException, url: str, timeout: tuple[float, float]) -> Exception:
    if isinstance(e, requests.ConnectTimeout):
        return exceptions.SlowRetrievalError(f"could not connect to {url} within {timeout[0]}s")
    if isinstance(e, requests.Timeout):
        return exceptions.SlowRetrievalError(f"no answer from {url} within {timeout[1]}s")
    if isinstance(e, requests.ConnectionError):
        return exceptions.DownloadError(f"cannot reach {url}: {_reason(e)}")
    return exceptions.DownloadError(f"cannot reach {url}: {e}")


def _finish_error(response: requests.Response, small: int = 16384) -> None:
    """Read a short error page (the 404 of every root probe) so its kept-alive connection serves the
    next request; anything longer or broken: close the connection instead."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) <= small:
        try:
            response.raw.read(int(declared), decode_content=False)  # the whole body: back to the pool
        except (urllib3.exceptions.HTTPError, OSError):
            pass
    response.close()


class DirectoryFetcher(FetcherInterface):
    """Serve ``file://`` URLs from a local feed tree; refuse paths outside ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    @classmethod
    def for_source(cls, source: FeedSource) -> DirectoryFetcher:
        return cls(url_path(source.url))

    def _fetch(self, url: str) -> Iterator[bytes]:
        path = url_path(url).resolve()
        if path != self.root and self.root not in path.parents:
            raise exceptions.DownloadHTTPError(f"{url} is outside the feed directory {self.root}", 403)
        if not path.is_file():
            raise exceptions.DownloadHTTPError(str(path), 404)
        return self._chunks(path)

    @staticmethod
    def _chunks(path: Path) -> Iterator[bytes]:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk


def url_path(url: str) -> Path:
    parsed = urlparse(url)
    if parsed.scheme != "file":
        raise exceptions.DownloadError(f"not a file:// URL: {url}")
    return Path(unquote(parsed.path))


def make_fetcher(source: FeedSource) -> FetcherInterface:
    """The fetcher for a source's URL scheme."""
    if source.url.startswith("file://"):
        return DirectoryFetcher.for_source(source)
    return RequestsFetcher.for_source(source)


def _reason(error: requests.ConnectionError) -> str:
    """The innermost cause (e.g. "[Errno 111] Connection refused"), not urllib3's retry wrapper text."""
    cause: BaseException | None = error
    while cause is not None and (cause.__cause__ is not None or cause.__context__ is not None):
        cause = cause.__cause__ or cause.__context__
    text = str(cause) if cause is not None else str(error)
    match = re.search(r"\[Errno -?\d+\][^')\"]*", str(error))
    return match.group(0).strip() if match else text
