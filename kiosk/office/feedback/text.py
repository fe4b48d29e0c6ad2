"""What residents type, made safe to keep and show; receipt codes (查询码).  Plain Python.

- ``clean_text``: NFC; line ends as ``\\n``; control and invisible formatting characters removed
  (NUL, escape sequences, bidirectional overrides that would reorder what staff read, zero-width
  spaces); emoji and every script kept.  Escaping for HTML is the templates' job (autoescape),
  never done here, so the stored text is exactly what was meant.
- Receipt codes: 9 random digits and a Damm check digit, shown as two groups of five
  (``38291 04755``).  Digits are what elderly residents copy most easily and a phone's number
  pad types; the check digit catches every single wrong digit and every swap of two neighbours,
  so a typo gets "please check the code" instead of counting as a guess.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

_KEEP_FORMAT = {"\u200d"}  # zero-width joiner: part of emoji sequences (family, flags of professions)
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t\u3000]+\n")


def clean_text(value: str, multiline: bool = True) -> str:
    """``value`` without control/format characters, with tidy line ends, stripped."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for ch in value:
        if ch == "\n":
            out.append("\n" if multiline else " ")
        elif ch == "\t":
            out.append(" ")
        else:
            cat = unicodedata.category(ch)
            if cat in ("Cc", "Cs") or (cat == "Cf" and ch not in _KEEP_FORMAT) or ch in ("\u2028", "\u2029"):
                continue
            out.append(ch)
    text = "".join(out)
    if multiline:
        text = _BLANK_LINES.sub("\n\n", _TRAILING.sub("\n", text))
    else:
        text = re.sub(r" {2,}", " ", text)
    return text.strip()


# ---------------------------------------------------------------- receipt codes

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2), (7, 0, 9, 2, 1, 5, 4, 8, 6, 3), (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6), (6, 1, 2, 3, 0, 4, 5, 9, 7, 8), (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4), (8, 9, 4, 5, 3, 6, 2, 0, 1, 7), (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
CODE_DIGITS = 10


def damm(digits: str) -> int:
    interim = 0
    for d in digits:
        interim = _DAMM[interim][int(d)]
    return interim


def new_code() -> str:
    """A fresh receipt code: 9 random digits (never starting with 0) and the check digit."""
    body = str(secrets.randbelow(9 * 10**8) + 10**8)
    return body + str(damm(body))


def normalize_code(typed: str) -> str | None:
    """The code in ``typed`` (spaces, dashes, full-width digits tolerated), or None if malformed."""
    digits = "".join(str(unicodedata.digit(ch)) for ch in typed if unicodedata.digit(ch, None) is not None)
    rest = re.sub(r"[\s\-_.·—]", "", "".join(ch for ch in typed if unicodedata.digit(ch, None) is None))
    if rest or len(digits) != CODE_DIGITS or digits[0] == "0" or damm(digits) != 0:
        return None
    return digits


def show_code(code: str) -> str:
    """``3829104755`` -> ``38291 04755``."""
    return f"{code[:5]} {code[5:]}"
