"""What text people may store, and how stored text is shown.

Invisible characters are refused at the door: a control character breaks email headers, iCalendar
lines and terminals, and bidi overrides or zero-width marks let one name pass for another on a
roster where knowing who is who matters. Text is NFKC-normalised so that look-alike compatibility
forms compare equal. Zero-width (non-)joiners are kept: Persian, Indic scripts and emoji need them.

Rows written before this rule may still hold such characters, so every display helper is total.
"""

from __future__ import annotations

import unicodedata

KEPT_FORMAT = frozenset({"\u200c", "\u200d"})
"""ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER: format characters that real names are spelt with."""
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _refused(char: str, allowed: str) -> bool:
    return (
        char not in allowed and char not in KEPT_FORMAT and unicodedata.category(char) in REFUSED_CATEGORIES
    )


def _normal(value: str, allowed: str) -> str:
    value = unicodedata.normalize("NFKC", value.replace("\r\n", "\n"))
    bad = next((c for c in value if _refused(c, allowed)), None)
    if bad is not None:
        what = "a line break" if bad in "\r\n\u2028\u2029" else f"an invisible character (U+{ord(bad):04X})"
        raise ValueError(f"contains {what}; use plain text" + ("" if "\n" in allowed else " on one line"))
    return value


def one_line(value: str) -> str:
    """A single-line field (name, title, email, phone, reason): NFKC, no control or format character."""
    return _normal(value, "")


def multi_line(value: str) -> str:
    """A free-text field (notes): as ``one_line`` but line breaks and tabs are allowed (CRLF -> LF)."""
    return _normal(value, "\n\t")


def printable(text: str) -> str:
    """Stored text as one clean line, whatever it holds: refused characters become spaces."""
    return " ".join("".join(" " if _refused(c, "") else c for c in text).split())


def first_name(name: str) -> str:
    """The first word of a name, or "" for a name with no visible word."""
    words = printable(name).split()
    return words[0] if words else ""
