"""Minutes from the horizon start, written the way a coordinator reads a rota."""

from __future__ import annotations

from datetime import datetime, timedelta


def span_text(horizon_start: datetime, start: int, end: int) -> str:
    """E.g. ``Tue 09:00-12:00``; the end carries its own weekday when it falls on another day."""
    a = horizon_start + timedelta(minutes=start)
    b = horizon_start + timedelta(minutes=end)
    tail = b.strftime("%H:%M") if b.date() == a.date() else b.strftime("%a %H:%M")
    return f"{a.strftime('%a %H:%M')}-{tail}"


def clock(horizon_start: datetime, minute: int) -> str:
    """E.g. ``06:15``: the time of day of a minute, for a lift's deadlines."""
    return (horizon_start + timedelta(minutes=minute)).strftime("%H:%M")
