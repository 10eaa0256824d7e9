"""The roster board's content, assembled from store reads: the proposal by day and by request, what
changed since the approved roster, unfilled slots with the solver's reason, members' load."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.pages.render import local, waited
from services.commands.placement import nobody_can, placement_options
from services.domain import AssignmentStatus, AttentionKind
from services.ports import UnitOfWork
from services.store import attention, board, lifts, views
from services.store.db import Connection

RECENT_WEEKS = 4


ANSWER_WORDS = {
    AssignmentStatus.ACCEPTED: "accepted",
    AssignmentStatus.DECLINED: "declined",
    AssignmentStatus.NO_SHOW: "did not turn up",
}


def answer_text(row: dict[str, Any] | None, now: datetime) -> str:
    """A placed person's answer as the board shows it; empty for someone not yet sent (a proposal)."""
    if row is None:
        return ""
    if row["status"] == AssignmentStatus.ISSUED:
        return f"waiting {waited(now - row['updated_at'])}"
    return ANSWER_WORDS.get(row["status"], row["status"])


def _minutes(r: dict[str, Any]) -> int:
    return int((r["ends_at"] - r["starts_at"]).total_seconds() // 60)


def _slots(
    request: dict[str, Any],
    proposed: list[dict[str, Any]],
    approved: dict[int, str],
    names: dict[str, str],
    answered: dict[str, dict[str, Any]],
    now: datetime,
    offered: set[tuple[str, str]],
    forced: dict[tuple[str, str], dict[str, str]],
) -> list[dict[str, Any]]:
    out = []
    for e in proposed:
        before = approved.get(e["slot_index"])
        change = "same" if before == e["member_id"] else "new" if before is None else "changed"
        out.append(
            {
                "key": f"{request['id']}:{e['slot_index']}",
                "slot": e["slot_index"],
                "name": e["member_name"],
                "pinned": e["pinned"],
                "offered": (request["id"], e["member_id"]) in offered,
                "forced": forced.get((request["id"], e["member_id"])),
                "change": change,
                "was": names.get(before or "", ""),
                "answer": answered.get(e["member_id"], {}).get("status", ""),
                "answer_text": answer_text(answered.get(e["member_id"]), now),
            }
        )
    return out


def lift_summary(pickups: list[dict[str, Any]], planned: dict[str, Any] | None) -> dict[str, Any] | None:
    """A lift with pickups in its own terms: people and places, who is carried, each route."""
    if not pickups:
        return None
    routes = planned["routes"] if planned else []
    return {
        "people": sum(p["people"] for p in pickups),
        "pickups": pickups,
        "carried": sum(max((s["load"] for s in route["stops"]), default=0) for route in routes),
        "routes": routes,
        "notes": planned["notes"] if planned else [],
    }


def _lift_unfilled(unfilled: list[dict[str, Any]], planned: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A lift's headcount only caps its drivers: once routes exist, empty driver places are not
    missing people; before that, one reason is enough (they would all say the same)."""
    return [] if planned and planned["routes"] else unfilled[:1]


SOLVE_KINDS = {
    "full": "Planned whole",
    "incremental": "Repaired around what changed",
    "improved": "Planned whole again in the background, and better",
}
"""``rosters.solve_kind`` (``solver.SolveKind``, which the api does not import) in plain words."""
SOLVE_RESULTS = {"optimal": "the best roster possible", "feasible": "a good roster, not proven the best"}


def how_solved(proposal: Mapping[str, Any]) -> str:
    """Which kind of solve made the proposal and how good it is, in a coordinator's words: a repair
    that is not proven the best is planned whole again once the system is quiet."""
    kind = str(proposal.get("solve_kind") or "full")
    status = str(proposal["solve_status"]).lower()
    words = f"{SOLVE_KINDS.get(kind, 'Planned')} in {proposal['wall_s']:.1f} s: "
    words += SOLVE_RESULTS.get(status, "no roster could be made")
    if kind == "incremental" and status != "optimal":
        words += "; a whole plan is worked out when the system is quiet, and replaces it if better"
    return words + "."


BOARD_DAYS = 28
"""How far ahead the board shows requests: four weeks, the planning horizon's part in the proposal."""

BOARD_CARDS = 60
"""Unfiltered, the board shows whole days of cards up to about this many (the first day always);
the later days of the proposal come as one line each, opened with the day filter. A big club's week
is hundreds of cards: too long to work through and to send (issue "The coordinator's loop")."""


def open_days(counts: list[int], budget: int) -> int:
    """How many of the days (cards per day, in order) to show whole: as many as fit the budget,
    at least one."""
    shown, total = 0, 0
    for n in counts:
        if shown and total + n > budget:
            break
        shown, total = shown + 1, total + n
    return shown


@dataclass(frozen=True)
class Filters:
    """The board's GET form: one day, one kind, only requests with empty places, only requests that
    need attention. Empty means all."""

    day: date | None = None
    kind: str = ""
    unfilled: bool = False
    attention: bool = False

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Filters:
        try:
            day = date.fromisoformat(params.get("day", "")) if params.get("day") else None
        except ValueError:
            day = None
        return cls(
            day, params.get("kind", "")[:32], params.get("unfilled") == "1", params.get("attention") == "1"
        )

    @property
    def active(self) -> bool:
        return bool(self.day or self.kind or self.unfilled or self.attention)

    def keeps(self, day: date, r: dict[str, Any], flagged: set[str]) -> bool:
        return (
            (self.day is None or day == self.day)
            and (not self.kind or r["kind"] == self.kind)
            and (not self.unfilled or bool(r["unfilled"]))
            and (not self.attention or r["id"] in flagged)
        )


def planned_from(starts_at: datetime, horizon_days: int, today: date, tz: str) -> date:
    """The day the rolling planning horizon reaches a request: from then it is in the proposals."""
    return max(today, local(starts_at - timedelta(days=horizon_days), tz).date())


@dataclass(frozen=True)
class FollowUp:
    """When an unanswered assignment or an empty urgent place needs the coordinator."""

    unanswered_after: timedelta = timedelta(hours=24)
    urgent_within: timedelta = timedelta(hours=48)


def build(
    conn: Connection,
    club_id: str,
    tz: str,
    now: datetime | None = None,
    follow: FollowUp | None = None,
    filters: Filters | None = None,
    horizon_days: int = 7,
    ahead_too: bool = True,
    uow: UnitOfWork | None = None,
) -> dict[str, Any]:
    """The board. Requests beyond the proposal's horizon (up to BOARD_DAYS ahead) come as one line
    per day, each with its 'planned from' date, unless a filter narrows the board: then as cards.
    ``ahead_too=False`` leaves them out (the swap and place pages need the proposal only); with a
    ``uow`` the attention list also names those that no member could take."""
    now = now or datetime.now(UTC)
    follow = follow or FollowUp()
    filters = filters or Filters()
    approved = views.roster(conn, club_id, status="approved")
    # Between an approval and the next solve there is no proposal: show the approved roster then.
    proposal = views.roster(conn, club_id, status="proposed") or approved
    start, end = (
        (proposal["horizon_start"], proposal["horizon_end"]) if proposal else (now, now + timedelta(days=7))
    )
    last = max(end, now + timedelta(days=BOARD_DAYS)) if ahead_too else end
    # Unfiltered, the weeks beyond the horizon are one line a day: their start and kind are enough.
    ahead = board.requests_between(conn, club_id, start, last if filters.active else end)
    requests = {k: r for k, r in ahead.items() if r["starts_at"] < end}
    starts = board.request_starts(conn, club_id, end, last) if not filters.active else []
    today = local(now, tz).date()
    people = board.active_members(conn, club_id)
    names = {k: v["name"] for k, v in people.items()}
    entries: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in proposal["entries"] if proposal else []:
        entries[e["request_id"]].append(e)
    before: dict[str, dict[int, str]] = defaultdict(dict)
    for e in approved["entries"] if approved else []:
        before[e["request_id"]][e["slot_index"]] = e["member_id"]
    unfilled: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for u in proposal["unfilled"] if proposal else []:
        unfilled[u["request_id"]].append(u)
    places = lifts.pickups(conn, list(requests))
    planned = proposal["lifts"] if proposal else {}
    days: dict[date, list[dict[str, Any]]] = defaultdict(list)
    load: dict[str, int] = defaultdict(int)
    replies = attention.answers(conn, club_id, start, end)
    decided = board.decisions(conn, club_id, now)
    offered = {(p["request_id"], p["member_id"]) for p in decided["pins"] if p["offered"]}
    forced = board.forced(conn, club_id, now)
    for p in decided["pins"]:
        p["forced"] = forced.get((p["request_id"], p["member_id"]))
    for rid, r in requests.items():
        for e in entries[rid]:
            load[e["member_id"]] += _minutes(r)
        answered = {a["member_id"]: a for a in replies.get(rid, [])}
        days[local(r["starts_at"], tz).date()].append(
            r
            | {
                "slots": _slots(r, entries[rid], before[rid], names, answered, now, offered, forced),
                "unfilled": _lift_unfilled(unfilled[rid], planned.get(rid))
                if rid in places
                else unfilled[rid],
                "lift": lift_summary(places.get(rid, []), planned.get(rid)),
                "declined": [a for a in replies.get(rid, []) if a["status"] == AssignmentStatus.DECLINED],
                "answers": Counter(a["status"] for a in replies.get(rid, [])),
                "later": None,
            }
        )
    further: dict[date, dict[str, Any]] = {}
    for starts_at, kind in starts:
        summary = further.setdefault(
            local(starts_at, tz).date(),
            {
                "count": 0,
                "planned_from": planned_from(starts_at, horizon_days, today, tz),
                "kinds": Counter(),
            },
        )
        summary["count"] += 1
        summary["kinds"][kind] += 1
    for rid, r in ahead.items():
        if rid in requests:
            continue
        # beyond the horizon (shown as cards when a filter narrows the board): not in this proposal yet
        days[local(r["starts_at"], tz).date()].append(
            r
            | {
                "later": planned_from(r["starts_at"], horizon_days, today, tz),
                "slots": [],
                "unfilled": [],
                "lift": None,
                "declined": [],
                "answers": Counter(),
            }
        )
    notice = attention.attention(conn, club_id, now, follow.unanswered_after, follow.urgent_within)
    if uow is not None and ahead_too:
        notice += _beyond_reach(conn, uow, club_id, (end, last), (now, horizon_days, tz))
    flagged = {a["request_id"] for a in notice if a.get("request_id")}
    shown = {day: [r for r in reqs if filters.keeps(day, r, flagged)] for day, reqs in sorted(days.items())}
    listed = [
        (day, reqs, Counter(k for r in reqs for k in r["answers"].elements()))
        for day, reqs in shown.items()
        if reqs
    ]
    sizes = [len(reqs) for _, reqs, _ in listed]
    whole = len(listed) if filters.active or not ahead_too else open_days(sizes, BOARD_CARDS)
    return {
        "proposal": proposal,
        "how_solved": how_solved(proposal) if proposal else "",
        "now": now,
        "attention": notice,
        "days": listed[:whole],
        "closed_days": [_closed(day, reqs, told) for day, reqs, told in listed[whole:]],
        "filters": filters,
        "further": sorted(further.items()),
        "day_options": sorted({*days, *further}),
        "kinds": sorted({r["kind"] for r in ahead.values()} | {kind for _, kind in starts}),
        "hidden_count": sum(len(days[d]) - len(shown[d]) for d in days),
        **board.solve_state(conn, club_id),
        "released": _released(proposal, requests, tz),
        **decided,
        "loads": _loads(conn, club_id, people, load, start),
        "approved_exists": approved is not None,
        "unfilled_count": sum(len(u) for u in unfilled.values()),
        "changed_count": sum(
            1 for d in days.values() for r in d for s in r["slots"] if s["change"] != "same"
        ),
    }


Unstaffed = dict[str, list[tuple[str, int]]]
_REACH: dict[tuple[str, str], tuple[tuple[int, datetime, datetime], datetime, Unstaffed]] = {}
REACH_FOR = timedelta(seconds=60)
"""How long the board reuses its answer to 'who can nobody do' while the club's planning generation
and window stay the same: reading the planning inputs for four weeks costs more than the rest of the
page, and every change a member or partner makes raises the generation (its event's handler does)."""


def _nobody_can(
    conn: Connection, uow: UnitOfWork, club_id: str, window: tuple[datetime, datetime], now: datetime
) -> Unstaffed:
    start, end = window
    key = (board.generation(conn, club_id), start, end.replace(minute=0, second=0, microsecond=0))
    where = (repr(conn.engine.url), club_id)  # tests run several databases in one process
    known = _REACH.get(where)
    if known is None or known[0] != key or now - known[1] > REACH_FOR:
        known = key, now, nobody_can(uow, club_id, start, end)
        _REACH[where] = known
    return known[2]


def _closed(day: date, reqs: list[dict[str, Any]], told: Counter[str]) -> dict[str, Any]:
    """A day of the proposal shown as one line: how many requests, empty places and answers."""
    return {
        "day": day,
        "count": len(reqs),
        "unfilled": sum(len(r["unfilled"]) for r in reqs),
        "told": told,
    }


def _beyond_reach(
    conn: Connection,
    uow: UnitOfWork,
    club_id: str,
    window: tuple[datetime, datetime],
    when: tuple[datetime, int, str],
) -> list[dict[str, Any]]:
    """Requests beyond the horizon that no active member could take, by the solver's rules: told now,
    while there is time to change the request or find someone, not when planning reaches them."""
    found = _nobody_can(conn, uow, club_id, window, when[0])
    if not found:
        return []
    now, horizon_days, tz = when
    today = local(now, tz).date()
    members = len(board.active_members(conn, club_id))
    return [
        r
        | {
            "kind": AttentionKind.NOBODY_CAN,
            "at": now,
            "request_id": rid,
            "planned_from": planned_from(r["starts_at"], horizon_days, today, tz),
            "members": members,
            "reasons": found[rid],
        }
        for rid, r in board.requests_between(conn, club_id, *window).items()
        if rid in found
    ]


def _released(
    proposal: dict[str, Any] | None, requests: dict[str, dict[str, Any]], tz: str
) -> list[dict[str, Any]]:
    """Pins the solver had to let go, with the request they were on (if it is still on the board)."""
    out = []
    for x in proposal["released"] if proposal else []:
        r = requests.get(x["request_id"])
        out.append(x | {"title": r["title"] if r else "a request no longer planned", "request": r})
    return out


def _loads(
    conn: Connection,
    club_id: str,
    people: dict[str, dict[str, Any]],
    this_week: dict[str, int],
    start: datetime,
) -> list[dict[str, Any]]:
    """Hours in the proposal this week against the member's limit, and the hours of each recent week."""
    weeks = [
        board.member_minutes(conn, club_id, start - timedelta(weeks=i + 1), start - timedelta(weeks=i))
        for i in range(RECENT_WEEKS)
    ]
    rows = [
        {
            "name": p["name"],
            "hours": this_week.get(mid, 0) / 60,
            "max": p["max_hours_week"],
            "recent": [w.get(mid, 0) / 60 for w in weeks],
        }
        for mid, p in people.items()
    ]
    return sorted(rows, key=lambda r: (-r["hours"], r["name"]))


def same_day_slots(
    conn: Connection, club_id: str, tz: str, key: tuple[str, int]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The slot to swap and the other filled slots of the proposal on the same local day."""
    content = build(conn, club_id, tz, ahead_too=False)
    flat = [(day, r, s) for day, rs, _ in content["days"] for r in rs for s in r["slots"]]
    target = next(((day, r, s) for day, r, s in flat if (r["id"], s["slot"]) == key), None)
    if target is None:
        return {}, []
    others = [{"request": r, "slot": s} for day, r, s in flat if day == target[0] and s is not target[2]]
    return {"request": target[1], "slot": target[2], "roster_id": content["proposal"]["id"]}, others


def place_context(
    conn: Connection, uow: UnitOfWork, club_id: str, tz: str, key: tuple[str, int]
) -> dict[str, Any] | None:
    """A place of the current proposal and the members for it: who fits, best first, then who
    cannot go and the rule that stops them."""
    content = build(conn, club_id, tz, ahead_too=False)
    proposal = content["proposal"]
    if not proposal or proposal["status"] != "proposed":
        return None
    request = next((r for _, rs, _ in content["days"] for r in rs if r["id"] == key[0]), None)
    if request is None or not 0 <= key[1] < request["headcount"]:
        return None
    holder = next((s["name"] for s in request["slots"] if s["slot"] == key[1]), None)
    with uow:
        head = uow.rosters.head(club_id, proposal["id"])
    if head is None:
        return None
    names = {k: v["name"] for k, v in board.active_members(conn, club_id).items()}
    options = [(names[m], m, why, note) for m, why, note in placement_options(uow, head, key) if m in names]
    return {
        "job": request,
        "key": f"{key[0]}:{key[1]}",
        "holder": holder,
        "roster_id": proposal["id"],
        "fits": [{"id": m, "name": n, "note": note} for n, m, why, note in options if why is None],
        "others": [{"id": m, "name": n, "why": why} for n, m, why, _ in options if why is not None],
    }
