"""The states a partner's status page tells apart, in the partner's words, and weekly series shown
as one item.

States: waiting for approval (the club's proposal fills it, not yet approved), being planned (new,
not in a proposal yet), planned from <date> (beyond the planning horizon), nobody available (with
the solver's reason, never who was considered), partly filled, filled (everyone asked), confirmed
(everyone asked has said yes); cancelled and past requests go to the history.

A weekly series is what the request form's "repeat weekly until" makes: requests from one
submission (created within ``SAME_SUBMISSION`` of each other, as one form post writes them) with the
same title, kind, time of day, length and headcount on consecutive weeks. It is recognised from
those facts for requests stored before series were recorded (and for requests a program posts in a
quick loop, which can look like one); a request stored with its ``series_id`` is grouped by it, so a
series stays one item after some of its dates were changed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from api.pages.render import local

SAME_SUBMISSION = timedelta(seconds=2)
STORED = "stored series"
HISTORY = ("cancelled", "past")
LABELS = {
    "waiting_approval": "Waiting for the club's approval",
    "planning": "Being planned",
    "later": "Planned later",
    "nobody_available": "Nobody available yet",
    "partly_filled": "Partly filled",
    "filled": "Filled",
    "confirmed": "Confirmed",
    "cancelled": "Cancelled",
    "past": "Past",
}
REASONS = {
    "no_skill": "Nobody in the club has the skills asked for.",
    "unavailable": "Nobody with the skills asked for is free at that time.",
    "at_hour_limit": "Everyone who could go has already given the hours they offer that week.",
    "busy_elsewhere": "Everyone who could go is already helping elsewhere at that time.",
    "excluded": "Nobody who could go is able to take this kind of request on.",
    "not_worth_it": "The club's volunteers are needed for more urgent requests at that time.",
}
SOMEONE = "The club has not found anyone yet."


def state(
    r: dict[str, Any], plan: dict[str, Any], now: datetime, horizon_days: int, tz: str
) -> dict[str, Any]:
    """The request's state, and for some a date or a reason."""
    codes = plan.get("empty_codes", [])
    reason = REASONS.get(codes[0], SOMEONE) if codes else ""
    out: dict[str, Any] = {"planned_from": None, "reason": "", "more_proposed": False}
    if r["status"] == "cancelled":
        return out | {"state": "cancelled"}
    if r["ends_at"] <= now:
        return out | {"state": "past"}
    if r["fill_state"] == "filled":
        everyone = r["assigned"] > 0 and r["confirmed"] >= r["assigned"]
        return out | {"state": "confirmed" if everyone else "filled"}
    if r["fill_state"] == "partly_filled":
        return out | {
            "state": "partly_filled",
            "reason": reason,
            "more_proposed": plan.get("proposed", 0) > r["assigned"],
        }
    if r["starts_at"] >= now + timedelta(days=horizon_days):
        reached = max(local(now, tz).date(), local(r["starts_at"] - timedelta(days=horizon_days), tz).date())
        return out | {"state": "later", "planned_from": reached}
    if plan.get("proposed", 0) > 0:
        return out | {"state": "waiting_approval"}
    if codes:
        return out | {"state": "nobody_available", "reason": reason}
    return out | {"state": "planning"}


def _series_key(r: dict[str, Any], tz: str) -> tuple[Any, ...]:
    if r.get("series_id"):
        return (STORED, r["series_id"])
    start = local(r["starts_at"], tz)
    return (r["title"], r["kind"], start.time(), r["ends_at"] - r["starts_at"], r["headcount"])


def group(rows: list[dict[str, Any]], tz: str) -> list[dict[str, Any]]:
    """Items in time order: a single request, or a weekly series of two or more."""
    by_key: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        by_key.setdefault(_series_key(r, tz), []).append(r)
    items: list[dict[str, Any]] = []
    for key, same in by_key.items():
        if key[0] == STORED:  # one submission, whatever was changed in some of its dates since
            items.append(_item(sorted(same, key=lambda x: x["starts_at"])))
            continue
        run: list[dict[str, Any]] = []
        for r in sorted(same, key=lambda x: x["starts_at"]):
            if run and _next_week(run[-1], r, tz):
                run.append(r)
                continue
            if run:
                items.append(_item(run))
            run = [r]
        if run:
            items.append(_item(run))
    return sorted(items, key=lambda item: item["rows"][0]["starts_at"])


def _next_week(before: dict[str, Any], r: dict[str, Any], tz: str) -> bool:
    weekly = local(r["starts_at"], tz).date() - local(before["starts_at"], tz).date() == timedelta(days=7)
    return weekly and abs(r["created_at"] - before["created_at"]) <= SAME_SUBMISSION


def _item(run: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(r["state"] for r in run)
    return {
        "series": len(run) > 1,
        "rows": run,
        "first": run[0],
        "last": run[-1],
        "counts": [(LABELS[s], n) for s, n in counts.most_common()],
    }


def status_items(
    rows: list[dict[str, Any]], plans: dict[str, dict[str, Any]], now: datetime, horizon_days: int, tz: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(current items, history items), each a request or a weekly series."""
    for r in rows:
        r |= state(r, plans.get(r["id"], {}), now, horizon_days, tz)
    current = [r for r in rows if r["state"] not in HISTORY]
    history = [r for r in rows if r["state"] in HISTORY]
    return group(current, tz), list(reversed(group(history, tz)))


def split_later(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(items the club is planning now, items beyond its planning horizon): a busy partner's page
    shows the first as cards and folds the second into one line each, so the next ones come first."""
    later = [item for item in items if item["first"]["state"] == "later"]
    return [item for item in items if item not in later], later


def planned_from_text(day: date | None) -> str:
    return day.strftime("%A %-d %B") if day else ""
