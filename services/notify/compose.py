"""The words of each message. Plain text: it reads the same in a mail client, Signal or an SMS."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from services.notify.ports import AssignmentInfo, signin_placeholder
from services.text import first_name, printable

SUBJECTS = {
    "issued": "New assignment: {title}, {when}",
    "withdrawn": "Cancelled: {title}, {when}",
    "reminder": "Tomorrow: {title}, {when}",
    "chased": "Waiting for your answer: {title}, {when}",
    "changed": "Changed: {title}, {when}",
}
OPENINGS = {
    "issued": "You have been asked to help. Please accept or decline on your page (the link below).",
    "withdrawn": "This assignment is no longer needed from you. Thank you for keeping the time free.",
    "reminder": "A reminder of your assignment.",
    "chased": (
        "Your club is still waiting for your answer. Please accept or decline on your page (the link below)."
    ),
    "changed": (
        "The request you are helping with has changed ({changes}). The details below are the new ones."
    ),
}
CHANGE_WORDS = {
    "time": "the time",
    "place": "the place",
    "headcount": "how many people are needed",
    "skills": "the skills asked for",
    "pickups": "the pickups",
    "details": "the details",
}
NEW_ANSWER = "The time has moved: please accept or decline again on your page (the link below)."


def when(info: AssignmentInfo) -> str:
    tz = ZoneInfo(info.timezone)
    start, end = info.starts_at.astimezone(tz), info.ends_at.astimezone(tz)
    return f"{start.strftime('%a %-d %b %H:%M')}-{end.strftime('%H:%M')}"


def compose(kind: str, info: AssignmentInfo, changes: Sequence[str] = ()) -> tuple[str, str]:
    """(subject, body) of a message of ``kind`` about ``info``; ``changes`` for a "changed" one."""
    subject = SUBJECTS[kind].format(title=printable(info.title), when=when(info))
    opening = OPENINGS[kind].format(changes=", ".join(CHANGE_WORDS.get(c, c) for c in changes))
    if kind == "changed" and "time" in changes:
        opening += " " + NEW_ANSWER
    lines = [
        " ".join(filter(None, ["Hello", first_name(info.recipient.name)])) + ",",
        "",
        opening,
        "",
        f"What:  {info.title} ({info.kind.replace('_', ' ')}) for {info.partner_name}",
        f"When:  {when(info)}",
        f"Where: {info.place_name}",
    ]
    if info.itinerary and kind != "withdrawn":
        lines += ["", "You drive:", *info.itinerary]
    if info.notes and kind != "withdrawn":
        lines += ["", info.notes]
    lines += ["", "Your page (this link signs you in; it works for 3 days):"]
    lines += [signin_placeholder(info.recipient.member_id), "", f"-- {info.club_name}"]
    return subject, "\n".join(lines)
