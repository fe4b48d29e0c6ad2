"""Which feedback URL a notice's QR code carries: templates, their check and their precedence.

Pure (no QR library, no pygame): the content loader checks templates as it reads them, the
office checks them as clerks type them, the screen fills them in (``kiosk.qr`` makes the code).

URL templates carry the placeholders ``{item}``, ``{category}``, ``{feed}`` and ``{device}``; each
value is percent-encoded as a whole (``urllib.parse.quote(value, safe="")``: a Chinese id, a
space, ``&`` or ``/`` cannot break the URL).  ``{{`` and ``}}`` are literal braces.  Any other
field, a format spec, or an unbalanced brace is a :class:`FeedbackUrlError` naming the template;
so is a template without a scheme (``https://``), which phones would show as plain text.

Precedence, most specific first: the item's ``feedback_url``, then its publisher's
(``content.toml``), then the device's ``[qr] url``.  The publisher collects and answers the
feedback on its notices (意见收集处理反馈), and its template arrives signed with the content; the
device setting is the fallback for content that names no form (a local folder, the demo).
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote

from kiosk.content.errors import ContentError
from kiosk.content.model import Item, Publisher

PLACEHOLDERS = ("item", "category", "feed", "device")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class FeedbackUrlError(ContentError, ValueError):
    """A feedback URL template that cannot be used; the message names the template."""

    def __init__(self, reason: str) -> None:
        super().__init__(None, reason)


def check_template(template: str) -> None:
    """Raise ``FeedbackUrlError`` unless ``template`` is a usable feedback URL template."""
    if not template.strip():
        raise FeedbackUrlError("feedback URL template is empty")
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as e:
        raise FeedbackUrlError(f"feedback URL template {template!r}: {e} "
                               "(write a literal brace as {{ or }})") from None
    known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = "{" + name + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"
            raise FeedbackUrlError(f"feedback URL template {template!r}: unknown placeholder {shown}; known: {known}")
    if not _SCHEME.match(template):
        raise FeedbackUrlError(f"feedback URL template {template!r}: must start with a scheme such as https://")


def feedback_url(template: str, item: Item, device_id: str) -> str:
    """``template`` with each placeholder replaced by its percent-encoded value."""
    check_template(template)
    values = {"item": item.id, "category": item.category, "feed": item.feed, "device": device_id}
    return template.format(**{k: quote(v, safe="") for k, v in values.items()})


def choose_template(item: Item, publisher: Publisher | None, device_template: str) -> str | None:
    """The template that applies to ``item``: item, then publisher, then device; None = no code."""
    for template in (item.feedback_url, publisher.feedback_url if publisher else None, device_template):
        if template and template.strip():
            return template
    return None


def feedback_url_for(item: Item, publisher: Publisher | None, device_template: str, device_id: str) -> str | None:
    """The feedback URL of ``item`` on this device, or None when no template applies."""
    template = choose_template(item, publisher, device_template)
    return None if template is None else feedback_url(template, item, device_id)
