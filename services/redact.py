"""Secrets out of logs. A private link's token is the whole of a person's credential and the people
using these links do risky work, so no log line may carry one, whichever library wrote it: uvicorn's
access log, httpx, the database driver, a traceback or our own structlog events. Nor may it carry a
place somebody searched for, which may be their home.

Redaction happens where records are made (a LogRecord factory and a structlog processor), not on
handlers, because uvicorn and Faust install handlers of their own that a handler filter would miss.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import urlsplit

REDACTED = "<redacted>"
_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # private links: /m/<token>, /p/<token>, /c/claim/<token> (the token is a whole path segment)
    (re.compile(r"(/(?:m|p|c/claim)/)[^/?#\s\"'<>]+"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)(\bbearer\s+)[^\s\"',;]+"), rf"\1{REDACTED}"),
    # an outside URL (a partner's webhook, a Signal endpoint) keeps its scheme and host only: paths
    # and queries of webhook URLs are often secrets, and user:password@ always is
    (
        re.compile(r"(?i)\b(https?://)(?:[^@/\s\"'<>]*@)?([^/?#\s\"'<>]+)(?:[/?#][^\s\"'<>]*)?"),
        lambda m: f"{m[1]}{m[2]}" + (f"/{REDACTED}" if len(m[0]) > len(m[1]) + len(m[2]) + 1 else ""),
    ),
    (re.compile(r"(?i)([?&](?:token|password|secret|key|signature)=)[^&#\s\"'<>]+"), rf"\1{REDACTED}"),
    # a place search (/p/<token>/places?q=, /api/places?q=) may be where a member lives
    (re.compile(r"(/places\?(?:[^\s\"'<>]*&)?q=)[^&#\s\"'<>]+"), rf"\1{REDACTED}"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def origin(url: str) -> str:
    """Scheme and host of ``url``: enough to tell an operator which receiver failed, nothing secret."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or '?'}{port}"


def _redact_arg(arg: Any) -> Any:
    """Numbers stay numbers (``%d`` must still format); anything whose text carries a secret becomes
    its redacted text, anything else is left as it is."""
    if arg is None or isinstance(arg, int | float):
        return arg
    text = str(arg)
    cleaned = redact(text)
    return arg if cleaned == text else cleaned


def _redact_record(record: logging.LogRecord) -> logging.LogRecord:
    record.msg = _redact_arg(record.msg)  # some libraries log an exception or a URL object as msg
    if isinstance(record.args, Mapping):
        record.args = {k: _redact_arg(v) for k, v in record.args.items()}
    elif isinstance(record.args, tuple):
        record.args = tuple(_redact_arg(a) for a in record.args)
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


def install_log_redaction() -> None:
    """Make every stdlib LogRecord redacted from birth; idempotent."""
    current = logging.getLogRecordFactory()
    if getattr(current, "mechanic_redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _redact_record(current(*args, **kwargs))

    factory.mechanic_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def redact_event(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
    """structlog processor: every value rendered as text is redacted (run after format_exc_info)."""
    return {key: _redact_arg(value) for key, value in event_dict.items()}
