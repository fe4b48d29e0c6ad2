"""Word boundaries of Chinese text, from jieba's dictionary (the ``rjieba`` binding).

Used where a break inside a word is worse than an uneven line: wrapped titles and table cells.
The dictionary is built into the ``rjieba`` wheel (no download, works offline); it is loaded on
first use (about 0.1 s, once per process) and answers are memoised.  Without the package the
text is taken character by character, which is what line breaking does anyway.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

_lock = threading.Lock()
_cut: Callable[[str, bool], list[str]] | None = None
_loaded = False


def _segmenter() -> Callable[[str, bool], list[str]] | None:
    global _cut, _loaded
    with _lock:
        if not _loaded:
            _loaded = True
            try:
                import rjieba  # noqa: PLC0415 - 0.1 s: only when a title or cell needs it
                _cut = rjieba.cut
            except ImportError:  # pragma: no cover - the wheel is a dependency
                log.warning("rjieba is not installed: titles and table cells break between characters")
    return _cut


def warm_up() -> None:
    """Load the dictionary now (a background thread at start-up), not at the first title."""
    _segmenter()


@functools.lru_cache(maxsize=4096)
def word_ends(text: str) -> frozenset[int]:
    """Positions ``i`` (0 < i < len) where a word of ``text`` ends and the next begins."""
    cut = _segmenter()
    if cut is None:
        return frozenset(range(1, len(text)))
    ends, i = set(), 0
    for word in cut(text, True):
        i += len(word)
        ends.add(i)
    return frozenset(e for e in ends if 0 < e < len(text))
