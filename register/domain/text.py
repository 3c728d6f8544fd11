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
