"""The audit trail: which coordinator (or partner, for its own requests; or member, for their own
calendar link) did what to which object, and when. Ids only: names are looked up when the trail is
read, so an erased member reads as "Erased member" and a scrubbed request by its kind. Written in the
same transaction as the change it records; pruned after the club's retention days
(services/store/retention.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select

from services.store.tables import audit_log, coordinators, help_requests, members, partners, rosters, tokens

ACTIONS = {
    "roster.approve": "approved the roster",
    "roster.replan": "asked for a new proposal",
    "slot.remove": "left out of the approval",
    "slot.pin": "pinned",
    "slot.swap": "swapped in",
    "slot.place": "placed",
    "slot.force": "placed despite the rules",
    "pin.remove": "unpinned",
    "removal.undo": "undid the removal of",
    "assignment.chase": "asked again",
    "member.deactivate": "deactivated member",
    "member.erase": "erased member",
    "partner.deactivate": "deactivated partner",
    "partner.invite": "added partner",
    "coordinator.invite": "invited a coordinator",
    "coordinator.deactivate": "deactivated coordinator",
    "coordinator.set_up": "set up their coordinator account",
    "password.change": "changed their password",
    "password.reset": "reset their password by email",
    "key.create": "made API key",
    "key.revoke": "revoked API key",
    "session.open": "signed in",
    "members.read": "read the members' contact details",
    "report.export": "exported the report",
    "link.rotate": "made a new private link for",
    "invite.email": "sent an invitation by email to",
    "invite.signal": "sent an invitation by Signal to",
    "retention.change": "changed how long personal data is kept",
    "self_signup.change": "changed which kinds members may sign themselves up for",
    "alerts.change": "changed where and when their alerts go",
    "offer.signup": "signed themselves up for a place",
    "calendar.rotate": "made a new calendar link (the old one stopped working)",
    "request.create": "entered a request for",
    "request.edit": "changed a request of",
    "request.cancel": "cancelled a request of",
    "assignment.fewer_needed": "took off a request that now needs fewer people:",
    "webhook.register": "registered a webhook for",
    "webhook.remove": "removed the webhook of",
}
SHOWN = 200


def record(
    conn: Connection,
    club_id: str,
    actor_id: str,
    action: str,
    object_kind: str,
    object_id: str,
    related_id: str | None = None,
    at: datetime | None = None,
) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action}")
    conn.execute(
        insert(audit_log).values(
            club_id=club_id,
            actor_id=actor_id,
            action=action,
            object_kind=object_kind,
            object_id=object_id,
            related_id=related_id,
            at=at or datetime.now(UTC),
        )
    )


def _names(conn: Connection, table: Table, column: str, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    key, value = table.c.id, table.c[column]
    return {row[0]: row[1] for row in conn.execute(select(key, value).where(key.in_(wanted)))}


def _key_labels(conn: Connection, club_id: str, ids: Iterable[str]) -> dict[str, str]:
    t = tokens.c
    wanted = set(ids)
    if not wanted:
        return {}
    rows = conn.execute(
        select(t.token_hash, t.label).where(
            t.club_id == club_id, t.role == "coordinator", t.label.is_not(None)
        )
    )
    return {r.token_hash[:16]: r.label for r in rows if r.token_hash[:16] in wanted}


def _roster_labels(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    r = rosters.c
    rows = conn.execute(select(r.id, r.horizon_start).where(r.id.in_(wanted)))
    return {row.id: f"the roster from {row.horizon_start:%-d %b}" for row in rows}


def recent(conn: Connection, club_id: str, limit: int = SHOWN) -> list[dict[str, Any]]:
    """The club's last ``limit`` entries, newest first, with names as they are now."""
    a = audit_log.c
    rows = [
        dict(r._mapping)
        for r in conn.execute(
            select(a.id, a.actor_id, a.action, a.object_kind, a.object_id, a.related_id, a.at)
            .where(a.club_id == club_id)
            .order_by(a.at.desc(), a.id.desc())
            .limit(limit)
        )
    ]
    by_kind: dict[str, set[str]] = {}
    for row in rows:
        by_kind.setdefault(row["object_kind"], set()).add(row["object_id"])
    people = _names(
        conn, coordinators, "name", [r["actor_id"] for r in rows] + [*by_kind.get("coordinator", ())]
    )
    names = {
        "coordinator": people,
        "member": _names(conn, members, "name", by_kind.get("member", ())),
        "partner": _names(conn, partners, "name", by_kind.get("partner", ())),
        "key": _key_labels(conn, club_id, by_kind.get("key", ())),
        "roster": _roster_labels(conn, by_kind.get("roster", ())),
        "report": {month: f"of {month[:7]}" for month in by_kind.get("report", ())},
    }
    acting_partners = _names(conn, partners, "name", [r["actor_id"] for r in rows])  # their own edits
    titles = _names(conn, help_requests, "title", [r["related_id"] for r in rows if r["related_id"]])
    # a member is the actor of their own calendar link's rotation
    actors = people | _names(
        conn, members, "name", [r["actor_id"] for r in rows if r["actor_id"] not in people]
    )
    for row in rows:
        row["actor"] = actors.get(row["actor_id"]) or acting_partners.get(row["actor_id"], "A coordinator")
        row["what"] = ACTIONS[row["action"]]
        row["object"] = names.get(row["object_kind"], {}).get(row["object_id"], "")
        row["related"] = titles.get(row["related_id"] or "", "")
    return rows


def prune(conn: Connection, club_id: str, cutoff: datetime) -> int:
    a = audit_log.c
    return conn.execute(delete(audit_log).where(a.club_id == club_id, a.at < cutoff)).rowcount
