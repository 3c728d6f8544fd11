"""Text folding shared by every matcher: labels, countries, headers, names."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse punctuation and spaces to single spaces.

    "  États-Unis " and "etats unis" fold to the same key, which is what label matching
    across English, Spanish and French input needs.
    """
    if text.isascii():  # nothing to decompose: the common case, several times faster
        return _NON_WORD.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", without_marks.casefold()).strip()


# C0 and C1 controls (ESC, BEL, CR, the 8-bit CSI …), DEL, the bidi embeddings, overrides and
# isolates, and the line and paragraph separators: written raw, each can clear the screen,
# retitle the window, hide or reorder what follows. Shown escaped they are seen, and harmless.
_UNSAFE_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
_UNSAFE_CHARS = re.compile(f"[\x00-\x1f{_UNSAFE_BEYOND_C0}]")
_UNSAFE_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f{_UNSAFE_BEYOND_C0}]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every character that could drive a terminal shown as an escape (ESC → `\\x1b`,
    RIGHT-TO-LEFT OVERRIDE → `\\u202e`): what is stored stays as it was, what is shown cannot
    clear a screen, retitle a window or hide or reorder text. `keep_newlines` leaves line
    breaks for multi-line text."""
    if text.isprintable():  # the common case, checked in C
        return text
    return (_UNSAFE_BUT_NEWLINE if keep_newlines else _UNSAFE_CHARS).sub(_escaped, text)


def has_control_characters(text: str) -> bool:
    """True when `terminal_safe` would change `text` (for import warnings)."""
    return not text.isprintable() and _UNSAFE_CHARS.search(text) is not None


_UNSAFE_IN_JSON = re.compile(f"[{_UNSAFE_BEYOND_C0}]")  # JSON encoders already escape C0


def json_terminal_safe(text: str) -> str:
    """Encoded JSON with the C1 controls and bidi characters its encoder leaves raw written as
    `\\uXXXX` escapes: the same JSON value, safe on a terminal."""
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
