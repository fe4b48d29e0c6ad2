"""The one exception family of the feed layer.

``FeedError`` splits like ``tuf.api.exceptions`` does:

- :class:`FeedRefusedError`: the data is bad and was refused (tampered, rollback,
  expired, wrong key, too big, an invalid bundle).  Retrying does not help;
  the publisher must act.
- :class:`FeedFetchError`: the data could not be fetched (network, HTTP status,
  timeout).  Retrying later may help.
- :class:`FeedClockError`: the device clock is before a time already seen signed.
- :class:`FeedStoreError`: the local state directory cannot be written or read.
- :class:`FeedPublishError`: the publisher side refused (content, keys, threshold).
- :class:`FeedConfigError`: a feed source is badly configured.

Every message names the feed and says what to do.
"""

from __future__ import annotations

from tuf.api import exceptions as tuf_exc


class FeedError(Exception):
    """Base of every feed error.  ``kind`` is a short word for status lines."""

    kind = "error"

    def __init__(self, feed: str, message: str, advice: str = "") -> None:
        self.feed = feed
        self.message = message
        self.advice = advice
        text = f"feed {feed!r}: {message}"
        if advice:
            text += f" ({advice})"
        super().__init__(text)


class FeedRefusedError(FeedError):
    """Data was fetched but refused: it must not be shown."""

    kind = "refused"


class FeedTamperedError(FeedRefusedError):
    """A file does not match the hash or length its signed metadata claims."""


class FeedRollbackError(FeedRefusedError):
    """An older or mismatched version was served (rollback or mix-and-match)."""


class FeedExpiredError(FeedRefusedError):
    """Signed metadata has expired (freeze attack, or the publisher stopped publishing)."""


class FeedSignatureError(FeedRefusedError):
    """Metadata not signed by the trusted keys, or by too few of them."""


class FeedTooBigError(FeedRefusedError):
    """A file is bigger than its metadata claims or than the configured limit."""


class FeedInvalidError(FeedRefusedError):
    """A verified file is not a usable bundle, or metadata is not parseable."""


class FeedFetchError(FeedError):
    """The feed could not be reached: network, HTTP status, timeout."""

    kind = "fetch"

    def __init__(self, feed: str, message: str, advice: str = "", status: int | None = None) -> None:
        self.status = status
        super().__init__(feed, message, advice)


class FeedClockError(FeedError):
    """The device clock is earlier than a time already seen signed."""

    kind = "clock"


class FeedStoreError(FeedError):
    """The local store could not be read or written."""

    kind = "store"


class FeedBusyError(FeedStoreError):
    """Another sync (the network's, or a USB import) held the store for longer than we may wait."""

    kind = "busy"


class FeedPublishError(FeedError):
    """Publishing refused: unusable content, missing keys, too few signatures."""

    kind = "publish"


class FeedStaleError(FeedPublishError):
    """A pending version was built on a version that is no longer the newest: build and sign again."""


class FeedConfigError(FeedError, ValueError):
    """A feed source is misconfigured."""

    kind = "config"


_PUBLISHER_ADVICE = "the publisher must publish again with `kiosk feed publish`; the screen keeps its last good content"


def translate(feed: str, exc: BaseException) -> FeedError:
    """Map a tuf, network or OS exception to the matching :class:`FeedError`."""
    if isinstance(exc, FeedError):
        return exc
    text = str(exc) or type(exc).__name__
    if isinstance(exc, tuf_exc.DownloadLengthMismatchError):
        return FeedTooBigError(feed, f"a file is larger than allowed (its signed length or the size limit): {text}",
                               "the server or something in between sends too much data; the screen keeps its "
                               "last good content")
    if isinstance(exc, tuf_exc.DownloadHTTPError):
        return _http_error(feed, exc)
    if isinstance(exc, tuf_exc.SlowRetrievalError):
        return FeedFetchError(feed, f"the server is too slow or stopped answering: {text}",
                              "check the network; the screen retries later")
    if isinstance(exc, tuf_exc.DownloadError):
        # our fetcher already names the URL and the reason; tuf's own errors may only carry a cause
        cause = f": {exc.__cause__}" if exc.__cause__ and "cannot reach" not in text else ""
        return FeedFetchError(feed, f"download failed: {text}{cause}",
                              "check the network and the feed URL; the screen retries later")
    if isinstance(exc, tuf_exc.RepositoryError):
        return _repository_error(feed, exc)
    if isinstance(exc, OSError):
        return FeedStoreError(feed, f"local file problem: {exc}",
                              "check free space and permissions of the state directory")
    return FeedError(feed, f"unexpected {type(exc).__name__}: {text}")


def _http_error(feed: str, exc: tuf_exc.DownloadHTTPError) -> FeedFetchError:
    status = exc.status_code
    if status == 404:
        advice = "check the feed URL in the device config and that the feed was published there"
    elif status >= 500:
        advice = "the server has a problem; the screen retries later"
    else:
        advice = "check the feed URL and the server's access rules"
    what = "not found" if status == 404 else f"server answered HTTP {status}"
    return FeedFetchError(feed, f"{what}: {exc}", advice, status=status)


def _repository_error(feed: str, exc: tuf_exc.RepositoryError) -> FeedRefusedError:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, tuf_exc.ExpiredMetadataError):
        return FeedExpiredError(feed, f"signed metadata has expired: {text}",
                                "the publisher must publish again, or the device clock is wrong")
    if isinstance(exc, tuf_exc.BadVersionNumberError):
        return FeedRollbackError(feed, f"an older or mismatched version was served (rollback or "
                                       f"mix-and-match): {text}", _PUBLISHER_ADVICE)
    if isinstance(exc, tuf_exc.UnsignedMetadataError):
        return FeedSignatureError(feed, f"not signed by enough trusted keys: {text}",
                                  "the feed was signed with unknown keys or too few keys; check the "
                                  "root.json installed on the screen and publish with all required keys")
    if isinstance(exc, tuf_exc.LengthOrHashMismatchError):
        return FeedTamperedError(feed, f"a file does not match its signed hash or length: {text}",
                                 "the file was altered on the server or on the way; republish or fix the server")
    return FeedInvalidError(feed, f"the answer is not valid feed metadata: {type(exc).__name__}: {text}",
                            "check the feed URL and any proxy or captive portal on the way; if the feed "
                            "itself is broken, publish again")
