"""The coordinators' password policy: long enough, not their email, not a common password.

``common_passwords.txt`` beside this file holds the 1,000 most common passwords of the public
"10 million passwords" top-1000 list (SecLists, MIT licence), lower-cased, plus a few dozen long
ones that people pick to pass a length rule (``password1234``, ``qwertyuiop123``...). A password is
refused when it is one of them, or one of them with digits and symbols added around it.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 1024
"""scrypt takes any length; a bound keeps a megabyte 'password' from costing the server."""
_PADDING = string.digits + string.punctuation + " "


@lru_cache(maxsize=1)
def common() -> frozenset[str]:
    text = (Path(__file__).resolve().parent / "common_passwords.txt").read_text()
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def problem(password: str, email: str = "") -> str | None:
    """What is wrong with ``password`` for the account of ``email``, in words; None when it will do."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters: a few unrelated words make a good password."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered, email = password.strip().lower(), email.strip().lower()
    if email and lowered in (email, email.partition("@")[0]):
        return "Do not use your email address as your password."
    core = lowered.strip(_PADDING)
    if lowered in common() or core in common() or (core and len(set(core)) == 1):
        return "That password is one of the most common ones: choose one nobody would guess."
    return None
