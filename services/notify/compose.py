"""The words of each message. Plain text: it reads the same in a mail client, Signal or an SMS."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.notify.ports import AssignmentInfo, signin_placeholder
from services.text import first_name, printable

SUBJECTS = {
    "issued": "New assignment: {title}, {when}",
    "withdrawn": "Cancelled: {title}, {when}",
    "reminder": "Tomorrow: {title}, {when}",
    "chased": "Waiting for your answer: {title}, {when}",
}
OPENINGS = {
    "issued": "You have been asked to help. Please accept or decline on your page (the link below).",
    "withdrawn": "This assignment is no longer needed from you. Thank you for keeping the time free.",
    "reminder": "A reminder of your assignment.",
    "chased": (
        "Your club is still waiting for your answer. Please accept or decline on your page (the link below)."
    ),
}


def when(info: AssignmentInfo) -> str:
    tz = ZoneInfo(info.timezone)
    start, end = info.starts_at.astimezone(tz), info.ends_at.astimezone(tz)
    return f"{start.strftime('%a %-d %b %H:%M')}-{end.strftime('%H:%M')}"


def compose(kind: str, info: AssignmentInfo) -> tuple[str, str]:
    """(subject, body) of a message of ``kind`` about ``info``."""
    subject = SUBJECTS[kind].format(title=printable(info.title), when=when(info))
    lines = [
        " ".join(filter(None, ["Hello", first_name(info.recipient.name)])) + ",",
        "",
        OPENINGS[kind],
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
