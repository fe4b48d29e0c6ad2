"""Fonts for Chinese text: the Simplified Chinese face of Noto Sans CJK, with fallbacks.

Built on ``pygame.freetype`` only (no display, no ``pygame.font``).  The bundled Noto Sans
CJK files are collections whose first face is Japanese; the face whose name contains
"CJK SC" is chosen explicitly so shared characters get their Simplified Chinese forms.

Characters missing from the primary face (rare characters in names of people and places)
are looked up lazily, when first met, in the fonts of ``FALLBACK_PATTERNS`` and then through
``fc-list``; the answer is cached per character.  A character no font has is drawn with the
primary face (a box) and logged once, naming its code point.

Advances are per character and cached: a string's advance is the sum of its characters'
(no kerning), which is what ``kiosk.layout`` assumes.  Positions passed to
``render_to`` and ``draw_glyphs`` are *baselines*.
"""

from __future__ import annotations

import functools
import glob
import logging
import math
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import pygame
import pygame.freetype

from kiosk.resources import FONTS

log = logging.getLogger(__name__)

RGB = tuple[int, int, int]
SC_MARK = "CJK SC"
LIKELY_SC_INDEX = 2  # Noto Sans/Serif CJK collections: JP, KR, SC, TC, HK, Mono…
PROBE_PX = 16
#: tried in order, lazily, for characters the primary face lacks (globs allowed)
FALLBACK_PATTERNS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK*.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK*.ttc",
    "/usr/share/fonts/truetype/arphic/*.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallback*.ttf",
    "/usr/share/fonts/opentype/unifont/*.otf",
    "/usr/share/fonts/truetype/unifont/*.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
_ZERO_WIDTH = frozenset(("Cc", "Cf", "Zl", "Zp"))  # not drawn, no advance, no fallback
_SAME_X = 0.05


class Face(NamedTuple):
    path: str
    face_index: int = 0  # the face in a .ttc collection
    strong: bool = False  # synthetic bold, for fallback fonts that have no bold file


def _face_name(path: str, index: int) -> str | None:
    try:
        return pygame.freetype.Font(path, 0, font_index=index).name
    except OSError:  # no such file, or no such face in the collection
        return None


@functools.lru_cache(maxsize=64)
def sc_face_index(path: str, mark: str = SC_MARK, likely: int = LIKELY_SC_INDEX) -> int | None:
    """Index of the face of ``path`` whose name contains ``mark`` (never a Mono face).

    ``likely`` is checked first so the usual case opens one face; None when nothing matches.
    Cached per path for the life of the process.
    """
    def wanted(name: str | None) -> bool:
        return name is not None and mark in name and "Mono" not in name

    if not pygame.freetype.get_init():
        pygame.freetype.init()
    if wanted(_face_name(path, likely)):
        return likely
    for i in range(64):
        name = _face_name(path, i)
        if name is None:
            break
        if wanted(name):
            return i
    return None


def _sc_face(path: str) -> Face:
    index = sc_face_index(path)
    if index is None:
        log.warning("%s: no face named %r, using face 0 (glyph forms may not be Simplified Chinese)",
                    path, SC_MARK)
    return Face(path, index or 0)


def _alive(font: pygame.freetype.Font) -> bool:
    try:
        return bool(font.path)
    except pygame.error:
        return False


class FontSet:
    """A primary regular/bold face plus per-character fallbacks; sizes in pixels."""

    def __init__(self, regular: Face, bold: Face | None = None,
                 fallbacks: Sequence[str | Path] | None = None, use_fontconfig: bool = True) -> None:
        if not pygame.freetype.get_init():
            pygame.freetype.init()
        self._primary = {False: regular, True: bold or regular._replace(strong=True)}
        self._patterns = tuple(str(p) for p in (FALLBACK_PATTERNS if fallbacks is None else fallbacks))
        self._use_fontconfig = use_fontconfig
        self._antialiased = True
        self._faces: dict[Face, pygame.freetype.Font] = {}
        self._sized: dict[tuple[int, bool], pygame.freetype.Font] = {}
        self._char_face: dict[tuple[str, bool], Face | None] = {}
        self._fallback_for: dict[str, Face | None] = {}
        self._advances: dict[tuple[str, int, bool], float] = {}
        self._fallbacks: list[Face] | None = None
        self._missing: set[str] = set()
        for face in self._primary.values():
            self._face(face)  # fail now, not at the first draw

    @classmethod
    def default(cls, assets: Path | None = None, fallbacks: Sequence[str | Path] | None = None,
                use_fontconfig: bool = True) -> FontSet:
        """Noto Sans CJK SC regular and bold from ``assets/fonts`` (the package's, or those of ``assets``)."""
        fonts = assets / "fonts" if assets is not None else FONTS
        regular = str(fonts / "NotoSansCJK-Regular.ttc")
        bold = str(fonts / "NotoSansCJK-Bold.ttc")
        bold_face = _sc_face(bold) if Path(bold).is_file() else None
        return cls(_sc_face(regular), bold_face, fallbacks, use_fontconfig)

    @property
    def antialiased(self) -> bool:
        return self._antialiased

    @antialiased.setter
    def antialiased(self, value: bool) -> None:
        """LED boards want hard-edged glyphs (every lit LED fully on): set False."""
        self._antialiased = value
        for font in (*self._faces.values(), *self._sized.values()):
            font.antialiased = value

    # ------------------------------------------------------------------ faces

    def _face(self, face: Face) -> pygame.freetype.Font:
        font = self._faces.get(face)
        if font is not None and not _alive(font):  # pygame.quit() closed every font: reopen
            self._faces.clear()
            self._sized.clear()
            font = None
        if font is None:
            if not pygame.freetype.get_init():
                pygame.freetype.init()
            font = pygame.freetype.Font(face.path, 0, font_index=face.face_index)
            font.origin = True  # render_to positions are baselines
            font.strong = face.strong
            font.antialiased = self._antialiased
            self._faces[face] = font
        return font

    def face_name(self, bold: bool = False) -> str:
        return str(self._face(self._primary[bold]).name)

    def font(self, px: int, bold: bool = False) -> pygame.freetype.Font:
        """The primary face as a ``pygame.freetype.Font`` of size ``px`` (default settings)."""
        self._face(self._primary[bold])  # re-initialises freetype if needed
        font = self._sized.get((px, bold))
        if font is None:
            face = self._primary[bold]
            font = pygame.freetype.Font(face.path, px, font_index=face.face_index)
            font.strong = face.strong
            self._sized[(px, bold)] = font
        return font

    def _has(self, face: Face, ch: str) -> bool:
        try:
            return self._face(face).get_metrics(ch, size=PROBE_PX)[0] is not None
        except OSError:
            return False

    def _fallback_faces(self) -> list[Face]:
        if self._fallbacks is None:
            primary = {f.path for f in self._primary.values()}
            paths = [p for pat in self._patterns for p in sorted(glob.glob(pat))]
            self._fallbacks = [Face(p, (sc_face_index(p) or 0) if p.lower().endswith(".ttc") else 0)
                               for p in dict.fromkeys(paths) if p not in primary]
        return self._fallbacks

    def _fontconfig_face(self, ch: str) -> Face | None:
        exe = shutil.which("fc-list") if self._use_fontconfig else None
        if exe is None:
            return None
        try:
            out = subprocess.run([exe, "--format=%{file}\t%{index}\n", f":charset={ord(ch):x}"],
                                 capture_output=True, text=True, timeout=3, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        for line in out.splitlines()[:8]:
            path, _, index = line.partition("\t")
            face = Face(path, int(index) if index.isdigit() else 0)
            if self._has(face, ch):
                return face
        return None

    def _resolve(self, ch: str, bold: bool) -> Face | None:
        if unicodedata.category(ch) in _ZERO_WIDTH:
            return None
        primary = self._primary[bold]
        if self._has(primary, ch):
            return primary
        if ch not in self._fallback_for:  # searched once per character, whether bold or not
            self._fallback_for[ch] = self._search_fallback(ch)
        face = self._fallback_for[ch]
        return primary if face is None else face._replace(strong=bold)

    def _search_fallback(self, ch: str) -> Face | None:
        for face in self._fallback_faces():
            if self._has(face, ch):
                return face
        found = self._fontconfig_face(ch)
        if found is None and ch not in self._missing:
            self._missing.add(ch)
            log.warning("no font has U+%04X %r; it is drawn as a box", ord(ch), ch)
        return found

    def face_for(self, ch: str, bold: bool = False) -> Face | None:
        """The face that draws ``ch`` (None for zero-width control and format characters)."""
        key = (ch, bold)
        if key not in self._char_face:
            self._char_face[key] = self._resolve(ch, bold)
        return self._char_face[key]

    def missing(self, text: str, bold: bool = False) -> str:
        """The characters of ``text`` that no font has (drawn as boxes)."""
        for ch in text:
            self.face_for(ch, bold)
        return "".join(ch for ch in dict.fromkeys(text) if ch in self._missing)

    # ------------------------------------------------------------------ measuring

    def _char_advance(self, ch: str, px: int, bold: bool) -> float:
        key = (ch, px, bold)
        adv = self._advances.get(key)
        if adv is None:
            face = self.face_for(ch, bold)
            adv = 0.0
            if face is not None:
                metrics = self._face(face).get_metrics(ch, size=px)[0]
                adv = float(metrics[4]) if metrics is not None else float(px)
            self._advances[key] = adv
        return adv

    def advance(self, text: str, px: int, bold: bool = False) -> float:
        """Horizontal advance in pixels of a character or a string (sum of characters)."""
        if len(text) == 1:
            return self._char_advance(text, px, bold)
        self._prime(text, px, bold)
        return sum(self._char_advance(ch, px, bold) for ch in text)

    def _prime(self, text: str, px: int, bold: bool) -> None:
        """Measure every new character of ``text`` the primary face has in ONE freetype call.

        Per-character ``get_metrics`` calls dominated the first layout at start-up; one call over
        the string answers both "does the primary face have it" (None if not) and its advance.
        """
        todo = [ch for ch in dict.fromkeys(text)
                if (ch, px, bold) not in self._advances and ord(ch) < 0x10000
                and unicodedata.category(ch) not in _ZERO_WIDTH]
        if len(todo) < 2:
            return
        primary = self._primary[bold]
        metrics = self._face(primary).get_metrics("".join(todo), size=px)
        for ch, m in zip(todo, metrics, strict=False):
            if m is not None:
                self._char_face.setdefault((ch, bold), primary)
                self._advances[(ch, px, bold)] = float(m[4])

    def line_metrics(self, px: int) -> tuple[int, int, int]:
        """``(ascent, descent, line_height)`` of the primary face at ``px``; descent >= 0."""
        font = self._face(self._primary[False])
        return (int(font.get_sized_ascender(px)), -int(font.get_sized_descender(px)),
                int(font.get_sized_height(px)))

    # ------------------------------------------------------------------ drawing

    def _runs(self, text: str, xs: Sequence[float], px: int,
              bold: bool) -> list[tuple[Face, int, int]]:
        """Spans ``[s, e)`` drawn by one face at natural spacing (boxes stand alone)."""
        runs: list[tuple[Face, int, int]] = []
        prev_end = math.nan
        for i, ch in enumerate(text):
            face = self.face_for(ch, bold)
            adv = self._char_advance(ch, px, bold)
            if face is None:
                prev_end = math.nan
                continue
            joins = (runs and runs[-1][0] == face and runs[-1][2] == i
                     and abs(xs[i] - prev_end) < _SAME_X and ch not in self._missing)
            if joins:
                runs[-1] = (face, runs[-1][1], i + 1)
            else:
                runs.append((face, i, i + 1))
            prev_end = math.nan if ch in self._missing else xs[i] + adv
        return runs

    def draw_glyphs(self, surface: pygame.Surface, text: str, xs: Sequence[float],
                    baseline: float, px: int, colour: RGB, bold: bool = False) -> None:
        """Draw ``text`` with character ``i`` at ``(xs[i], baseline)`` (justified lines)."""
        for face, s, e in self._runs(text, xs, px, bold):
            self._face(face).render_to(surface, (round(xs[s]), round(baseline)), text[s:e],
                                       colour, size=px)

    def _natural_xs(self, text: str, x: float, px: int, bold: bool) -> list[float]:
        xs = []
        for ch in text:
            xs.append(x)
            x += self._char_advance(ch, px, bold)
        return xs

    def render_to(self, surface: pygame.Surface, pos: tuple[float, float], text: str, px: int,
                  colour: RGB, bold: bool = False) -> float:
        """Draw ``text`` with its baseline starting at ``pos``; returns the advance."""
        xs = self._natural_xs(text, pos[0], px, bold)
        self.draw_glyphs(surface, text, xs, pos[1], px, colour, bold)
        return self.advance(text, px, bold) if text else 0.0

    def render(self, text: str, px: int, colour: RGB, bold: bool = False) -> pygame.Surface:
        """``text`` on a transparent per-pixel-alpha surface one line high (baseline at ascent)."""
        ascent, descent, _ = self.line_metrics(px)
        width = max(1, math.ceil(self.advance(text, px, bold))) if text else 1
        surface = pygame.Surface((width, max(1, ascent + descent)), pygame.SRCALPHA)
        surface.fill((*colour[:3], 0))  # transparent, but blending keeps the ink's colour
        self.render_to(surface, (0, ascent), text, px, colour, bold)
        return surface


@functools.cache
def offscreen_fonts(antialiased: bool = True) -> FontSet:
    """The bundled fonts for drawing without a display (previews): made once per process, and once
    more hard-edged for LED boards (``antialiased=False``), so neither changes the other."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.freetype.init()
    fonts = FontSet.default()
    fonts.antialiased = antialiased
    return fonts
