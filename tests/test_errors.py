"""One exception family per layer: whatever a layer raises for bad input is caught by its base."""

from __future__ import annotations

import pytest

from kiosk.audit.net import SendError
from kiosk.audit.records import AuditError, RecordError, parse_record
from kiosk.config import ConfigError
from kiosk.content.errors import ContentError
from kiosk.content.feedback import FeedbackUrlError, check_template
from kiosk.feed.errors import FeedConfigError, FeedError, FeedPublishError, FeedRefusedError
from kiosk.usb.errors import UsbError
from kiosk.usb.export import UsbSpaceError
from kiosk.usb.plan import PlanError
from kiosk.usb.safefs import RefusedFileError, TooLargeError, UnsafePathError


@pytest.mark.parametrize(("error", "family"), [
    (FeedbackUrlError, ContentError),
    (UsbSpaceError, UsbError), (PlanError, UsbError), (UnsafePathError, UsbError), (RefusedFileError, UsbError),
    (TooLargeError, UsbError),
    (RecordError, AuditError), (SendError, AuditError),
    (FeedRefusedError, FeedError), (FeedPublishError, FeedError), (FeedConfigError, FeedError),
])
def test_each_layer_has_one_family(error: type[Exception], family: type[Exception]) -> None:
    assert issubclass(error, family)
    assert not any(issubclass(error, other) for other in (ContentError, UsbError, AuditError, FeedError, ConfigError)
                   if other is not family)


def test_a_bad_record_line_is_an_audit_error() -> None:
    with pytest.raises(AuditError, match="seq is not a positive integer"):
        parse_record('{"seq": 0, "kind": "notice", "prev": "", "hash": ""}')


def test_a_bad_template_is_a_content_error_naming_it() -> None:
    with pytest.raises(ContentError, match="'https://x/{user}'"):
        check_template("https://x/{user}")
