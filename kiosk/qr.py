"""Feedback QR codes: the module matrix of a URL and how large to draw it.

Pure: no pygame (drawing is ``kiosk.render.qrdraw``); which URL a notice's code carries is
``kiosk.content.feedback``.

Size: a code is readable from about ten times its side (25 cm at 2.5 m).  Without a configured
DPI the screen is assumed to be a 55" panel (0.63 mm per px at 1080 lines, scaled by the
resolution).  The loop-slide code is capped at 30 % of the shorter screen side: on a 1080p
screen a typical code (41 modules) then gets 6 px modules, 15 cm, readable to ~1.5 m.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qrcode import QRCode  # imported lazily at run time

QUIET_MODULES = 4
MM_PER_PX_1080 = 0.63  # a 55" 1920x1080 panel
READ_RATIO = 10  # readable from ten times the code side
MAX_SHARE = 0.3  # of the shorter screen side, quiet zone included
MIN_MODULE_PX = 2


class QrError(ValueError):
    """A URL too long for a QR code, or a code that cannot be drawn."""


def _fitted(url: str) -> QRCode:
    """A QR code (error correction M, no border) holding ``url``, its version chosen, not yet built."""
    import qrcode  # imported here: start-up time counts
    from qrcode.constants import ERROR_CORRECT_M
    from qrcode.exceptions import DataOverflowError

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, box_size=1)
    try:
        code.add_data(url)
        code.best_fit()  # sets code.version
    except (DataOverflowError, ValueError):  # qrcode 8 raises ValueError past version 40
        raise QrError(f"URL too long for a QR code ({len(url)} characters): {url[:80]}…") from None
    return code


def qr_matrix(url: str) -> list[list[bool]]:
    """The modules of ``url`` as a QR code (error correction M), without the quiet zone."""
    code = _fitted(url)
    code.make(fit=False)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def qr_size(url: str) -> int:
    """Modules per side of ``url``'s code, without building it (no mask evaluation: cheap)."""
    return 17 + 4 * _fitted(url).version


def mm_per_px(screen_short_px: int, dpi: float | None = None) -> float:
    """Physical size of a pixel: from the DPI, else as on a 55" panel at this resolution."""
    if dpi:
        return 25.4 / dpi
    return MM_PER_PX_1080 * 1080 / max(1, screen_short_px)


def qr_module_px(matrix_size: int, viewing_distance_m: float, screen_short_px: int, dpi: float | None = None,
                 quiet_modules: int = QUIET_MODULES, max_share: float = MAX_SHARE) -> int:
    """Whole pixels per module so the code reads from ``viewing_distance_m``, within the cap."""
    side_px = viewing_distance_m * 1000 / READ_RATIO / mm_per_px(screen_short_px, dpi)
    wanted = math.ceil(side_px / max(1, matrix_size))
    cap = math.floor(max_share * screen_short_px / (matrix_size + 2 * quiet_modules))
    return max(MIN_MODULE_PX, min(wanted, cap))


def module_px_to_fit(matrix_size: int, box_px: int, quiet_modules: int = QUIET_MODULES) -> int:
    """The largest whole module size whose code (quiet zone included) fits a ``box_px`` square."""
    return max(1, box_px // (matrix_size + 2 * quiet_modules))


def reach_m(matrix_size: int, module_px: int, screen_short_px: int, dpi: float | None = None) -> float:
    """From how far a code of this size reads, by the same rule (for logs and notes)."""
    return matrix_size * module_px * mm_per_px(screen_short_px, dpi) * READ_RATIO / 1000
