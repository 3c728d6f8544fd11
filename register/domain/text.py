"""Text shared by every matcher (folding labels, countries, headers, names; reading names as a
person sees them) and register text shown safely on a terminal."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

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


# --- reading a name as a person sees it -----------------------------------------------------
# Names from supplier files are matched against listed names as they *look*, not as they are
# encoded: a Cyrillic "а" in "Dаhua", a zero-width space in "Hua​wei" or a right-to-left
# override that makes "iewauH" display as "Huawei" must not hide the name.

# Bidi controls (UAX #9 explicit formatting characters and marks): they change the order text
# is shown in and are themselves invisible.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and symbols that are drawn as blank space (Hangul fillers, the blank braille cell);
# every other invisible character is a format character (category Cf: zero-width space and
# joiners, soft hyphen, word joiner, BOM, tags) or a combining mark, dropped by category.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_STRONG_RTL = frozenset({"R", "AL", "RLE", "RLO", "RLI"})

CONFUSABLES_PACKAGE = "confusable-homoglyphs"
# The package's data is Unicode's confusables.txt (UTS #39) as published when the package
# generated it, 2024-01-30: Unicode 15.1.0 (released 2023-09-12; 16.0.0 came 2024-09-10).
CONFUSABLES_UNICODE_VERSION = "15.1.0"
CONFUSABLES_SOURCE = "https://www.unicode.org/Public/security/15.1.0/confusables.txt"


@dataclass(frozen=True)
class Reading:
    """One way a person reads a name: its folded Latin skeleton, and what it took to get there."""

    text: str
    notes: tuple[str, ...] = ()


def readings(text: str) -> tuple[Reading, ...]:
    """The name as read in its stored (logical) order and, when bidi controls or right-to-left
    letters make the screen show it in another order, as shown: both are screened.

    Each reading drops invisible characters and reads look-alike letters of other scripts
    (Unicode TR39 confusables) as the Latin letters they imitate, then folds as `fold` does.
    """
    if text.isascii() or _plain_latin().fullmatch(text):  # the common case: nothing to resolve
        return (Reading(fold(text)),)
    logical, hidden = _visible(text)
    found = [_reading(logical, ("invisible characters removed",) if hidden else ())]
    if any(ch in BIDI_CONTROLS or unicodedata.bidirectional(ch) in _STRONG_RTL for ch in text):
        shown, _ = _visible(_display_order(text))
        if shown != logical:
            found.append(_reading(shown, ("read in the order shown on screen (bidi controls reorder it)",)))
    return tuple(found)


@cache
def _plain_latin() -> re.Pattern[str]:
    """Names in ASCII and the Latin-1 letters of Spanish and French ("Logística", "Ltée"),
    none of which is invisible, a bidi control, or a TR39 look-alike of another letter: they
    need only folding."""
    latin = _latin_letters()
    plain = [chr(c) for c in range(0xA0, 0x250)
             if chr(c) not in latin and unicodedata.category(chr(c)) != "Cf" and chr(c) not in _BLANK_GLYPHS]
    return re.compile("[\x00-\x7f" + "".join(re.escape(ch) for ch in plain) + "]*")


def _visible(text: str) -> tuple[str, bool]:
    """The text without invisible characters, and whether any but bidi controls were there."""
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "Cf" and ch not in _BLANK_GLYPHS)
    bidi = sum(ch in BIDI_CONTROLS for ch in text)
    return kept, len(kept) + bidi != len(text)


def _display_order(text: str) -> str:
    """The text in the order the Unicode Bidirectional Algorithm shows it, left to right."""
    from bidi import get_display  # loaded only for the rare name that needs it

    return get_display(text)


def _reading(text: str, notes: tuple[str, ...]) -> Reading:
    latin = _latin_letters()
    replaced: dict[str, str] = {}
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if ch.isascii() or unicodedata.combining(ch):
            out.append(ch)
            continue
        mapped = latin.get(ch)
        if mapped is not None:
            replaced.setdefault(ch, mapped)
            out.append(mapped)
        else:
            out.append(ch)
    if replaced:
        notes += ("look-alike letters read as Latin: " + ", ".join(
            f"{_script(ch)} {ch}→{latin}" for ch, latin in replaced.items()),)
    return Reading(fold("".join(out)), notes)


def _script(ch: str) -> str:
    """The first word of the character's Unicode name ("CYRILLIC", "GREEK"), in title case."""
    return unicodedata.name(ch, "U+%04X" % ord(ch)).split()[0].title()


@cache
def _latin_letters() -> dict[str, str]:
    """Each non-ASCII character whose TR39 prototype is an ASCII letter or digit (or letters:
    "ǆ" → "dz"), mapped to it. A lower-case letter whose prototype is a Latin small capital
    (Cyrillic "т" → "ᴛ") takes its capital's prototype ("Т" → "T"): in a name it reads as that
    letter."""
    from confusable_homoglyphs.confusables import confusables_data

    def ascii_prototype(ch: str) -> str | None:
        for glyph in confusables_data.get(ch, ()):
            target = glyph["c"]
            if target.isascii() and target.isalnum():
                return target
        return None

    mapping: dict[str, str] = {}
    for ch in confusables_data:
        if len(ch) != 1 or ch.isascii():
            continue
        target = ascii_prototype(ch)
        if target is None and ch.upper() != ch and len(ch.upper()) == 1:
            target = ascii_prototype(ch.upper())
        if target == "l" and ch.isupper():  # TR39 folds "I" into "l"; a capital reads as "I"
            target = "I"
        if target is not None:
            mapping[ch] = target
    return mapping


def normalisation_sources() -> dict[str, str]:
    """The versions of the data names are normalised with, for a screening run to record."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "not installed"

    return {
        "confusables": f"Unicode {CONFUSABLES_UNICODE_VERSION} confusables.txt (UTS #39), as shipped by "
                       f"{CONFUSABLES_PACKAGE} {installed(CONFUSABLES_PACKAGE)}",
        "confusables_source": CONFUSABLES_SOURCE,
        "bidi": f"Unicode Bidirectional Algorithm (UAX #9) by python-bidi {installed('python-bidi')}",
        "unicode_character_database": unicodedata.unidata_version,
    }


# --- showing register text on a terminal ----------------------------------------------------
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
