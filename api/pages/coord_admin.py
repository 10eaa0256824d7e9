"""Coordinator administration: invite members and partners (a private link, shown once), deactivate
them, rotate a link that may have leaked, see and remove a partner's webhook."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import EngineDep, ReadConn, WriteConn, link_lifetimes, run_in
from api.pages import forms, places
from api.pages.confirm import confirmation
from api.pages.render import page
from api.pages.security import CoordinatorPost, CoordinatorView, PageDenied, Viewer
from api.routes.member import member_values
from api.schemas import Kind, MemberFields, PartnerCreate
from services.commands import (
    DeactivateMember,
    DeactivatePartner,
    EraseMember,
    InviteMember,
    InvitePartner,
    RemoveWebhook,
    RotatePrivateLink,
    SendInvite,
    SetRetention,
    SetSelfSignup,
)
from services.domain import Conflict, NotFound
from services.store import audit, tokens, views, webhooks
from services.store.db import read_only

router = APIRouter(prefix="/c", include_in_schema=False)
INVITE_FIELDS = ("name", "email", "phone", "home_place", "home_lat", "home_lon", "max_hours_week")
HOME = places.PlaceNames("home_", "place")
ROLES: dict[str, tuple[Literal["member", "partner"], str]] = {
    "members": ("member", "m"),
    "partners": ("partner", "p"),
}


def _list(
    request: Request,
    viewer: Viewer,
    conn: Any,
    kind: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    link: dict[str, str] | None = None,
    status_code: int = 200,
    found: places.Found | None = None,
) -> Response:
    people = (
        views.club_members(conn, viewer.who.club_id)
        if kind == "members"
        else webhooks.partners_with_hooks(conn, viewer.who.club_id)
    )
    lifetime = link_lifetimes(request).of(ROLES[kind][0])
    used = tokens.last_used(conn, viewer.who.club_id, ROLES[kind][0])
    now = datetime.now(UTC)
    for person in people:
        use = used.get(person["id"])
        last = use.at if use else None
        person["link_used"] = last
        person["link_opened"] = bool(use and use.opened)
        person["link_expired"] = last is not None and lifetime is not None and last + lifetime <= now
    return page(
        request,
        f"coord_{kind}.html",
        {
            "v": viewer,
            "rows": people,
            "values": values or {"max_hours_week": "6"},
            "errors": errors or {},
            "link": link,
            "policy": views.club_policy(conn, viewer.who.club_id),
            "found": found,
            "link_days": lifetime.days if lifetime else None,
            "kinds": [k.value for k in Kind],
        },
        status_code,
    )


@router.get("/members", response_class=HTMLResponse)
def members_page(request: Request, viewer: CoordinatorView, conn: WriteConn) -> Response:
    """The page shows members' emails and phones: each look is on the audit trail."""
    audit.record(conn, viewer.who.club_id, viewer.who.subject_id, "members.read", "club", viewer.who.club_id)
    return _list(request, viewer, conn, "members")


@router.post("/retention", response_class=HTMLResponse)
async def retention_policy(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    """How long the club keeps details, and which further kinds of work forget who went. Never
    shorter than the event stream keeps its (id-only) events, so the Kafka topics never remember
    who went where after the database forgot it: the operator lowers MECHANIC_STREAM_RETENTION_DAYS
    to let clubs choose fewer days."""
    form = await request.form()
    days_text = str(form.get("retention_days", "")).strip()
    fewest = request.app.state.settings.stream_retention_days
    kinds = frozenset(str(k) for k in form.getlist("high_risk")) & {k.value for k in Kind}
    try:
        days = int(days_text) if days_text.isdigit() else -1  # not a number: refused as out of range
        run_in(conn, SetRetention(viewer.who.club_id, days, kinds, fewest, viewer.who.subject_id))
    except Conflict as exc:
        return _list(request, viewer, conn, "members", errors={"retention_days": str(exc)}, status_code=422)
    return RedirectResponse("/c/members", status_code=303)


@router.post("/self-signup")
async def self_signup_policy(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    """Kinds of work members may sign themselves up for; unknown kinds in the form are ignored."""
    form = await request.form()
    kinds = frozenset(str(k) for k in form.getlist("kind")) & {k.value for k in Kind}
    run_in(conn, SetSelfSignup(viewer.who.club_id, kinds, viewer.who.subject_id))
    return RedirectResponse("/c/members", status_code=303)


@router.get("/partners", response_class=HTMLResponse)
def partners_page(request: Request, viewer: CoordinatorView, conn: ReadConn) -> Response:
    return _list(request, viewer, conn, "partners")


def _link(request: Request, prefix: str, token: str, name: str) -> dict[str, str]:
    return {"name": name, "url": f"{str(request.base_url).rstrip('/')}/{prefix}/{token}/"}


@router.post("/members", response_class=HTMLResponse)
async def invite_member(request: Request, viewer: CoordinatorPost, engine: EngineDep) -> Response:
    """The home area is looked up before the write transaction begins (see partner.submit)."""
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in (*INVITE_FIELDS, "send_by")}
    place_errors: dict[str, str] = {}
    searched, found = await places.take_place(form, HOME, values, places.geocoder_of(request), place_errors)
    if searched:
        with read_only(engine).connect() as conn:
            return _list(request, viewer, conn, "members", values, place_errors, None, 200, found)

    def save() -> Response:
        with engine.begin() as conn:
            return _invite(request, viewer, conn, values, place_errors, found)

    return await run_in_threadpool(save)


def _invite(
    request: Request,
    viewer: Viewer,
    conn: Any,
    values: dict[str, str],
    place_errors: dict[str, str],
    found: places.Found | None,
) -> Response:
    try:
        body = MemberFields(
            name=values["name"],
            email=values["email"] or None,
            phone=values["phone"] or None,
            home_place=values["home_place"] or None,
            home_lat=forms.parse_float(values["home_lat"]),
            home_lon=forms.parse_float(values["home_lon"]),
            max_hours_week=forms.parse_int(values["max_hours_week"]),
        )
    except ValidationError as exc:
        errors = places.merge_errors(forms.field_errors(exc, INVITE_FIELDS), place_errors, HOME, values)
        return _list(request, viewer, conn, "members", values, errors, None, 422, found)
    if place_errors:
        return _list(request, viewer, conn, "members", values, place_errors, None, 422, found)
    who = viewer.who
    made = run_in(conn, InviteMember(who.club_id, member_values(body), who.subject_id, values["send_by"]))
    link = _link(request, "m", made.token, body.name)
    invite = made.invite
    unsent = invite.text and not invite.sent
    link["sent"] = f"{invite.text} Copy the link below instead." if unsent else invite.text
    if invite.sent:
        link["spare"] = "1"
    return _list(request, viewer, conn, "members", None, None, link, 201)


@router.post("/partners", response_class=HTMLResponse)
async def invite_partner(request: Request, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("name", "contact_email")}
    try:
        body = PartnerCreate(name=values["name"], contact_email=values["contact_email"] or None)
    except ValidationError as exc:
        return _list(request, viewer, conn, "partners", values, forms.field_errors(exc, values), None, 422)
    _, token = run_in(
        conn, InvitePartner(viewer.who.club_id, body.name, body.contact_email, viewer.who.subject_id)
    )
    return _list(request, viewer, conn, "partners", None, None, _link(request, "p", token, body.name), 201)


def _subject(conn: Any, kind: str, club_id: str, subject_id: str) -> dict[str, Any]:
    if kind not in ROLES:
        raise PageDenied(404, "No such page.")
    found = views.club_subject(conn, ROLES[kind][0], club_id, subject_id)
    if found is None:
        raise PageDenied(404, "Not found.")
    return found


@router.post("/{kind}/{subject_id}/rotate", response_class=HTMLResponse)
def rotate(
    request: Request, kind: str, subject_id: str, viewer: CoordinatorPost, conn: WriteConn
) -> Response:
    """A new private link; the old one stops working at once."""
    found = _subject(conn, kind, viewer.who.club_id, subject_id)
    if not found["active"]:
        raise PageDenied(409, "Reactivation is not supported: invite again instead.")
    role, prefix = ROLES[kind]
    token = run_in(conn, RotatePrivateLink(viewer.who.club_id, role, subject_id, viewer.who.subject_id))
    return _list(request, viewer, conn, kind, None, None, _link(request, prefix, token, found["name"]))


@router.post("/members/{member_id}/invite", response_class=HTMLResponse)
def resend_invite(request: Request, member_id: str, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    """The invitation again, with a fresh sign-in link; the private link is left as it is."""
    found = views.member_profile(conn, viewer.who.club_id, member_id)
    if found is None:
        raise PageDenied(404, "Not found.")
    if not found["active"]:
        raise PageDenied(409, "Reactivation is not supported: invite again instead.")
    try:
        sent = run_in(conn, SendInvite(viewer.who.club_id, member_id, viewer.who.subject_id)).text
    except Conflict as exc:  # no address to send it to, said in words
        sent = str(exc)
    return _list(request, viewer, conn, "members", None, None, {"name": found["name"], "sent": sent})


CONSEQUENCES = {
    "members": "{name} is no longer planned; anything they were due to do is planned again, and their "
    "private link stops working at once. Their details stay: to delete them, erase them instead.",
    "partners": "{name}'s private link stops working at once and their webhook is never called again; "
    "their requests that have not ended are cancelled, and the members on them are told.",
}


@router.post("/{kind}/{subject_id}/deactivate", response_class=HTMLResponse)
async def deactivate(
    request: Request, kind: str, subject_id: str, viewer: CoordinatorPost, conn: WriteConn
) -> Response:
    found = _subject(conn, kind, viewer.who.club_id, subject_id)
    if (await request.form()).get("confirm") != "1":
        name = found["name"]
        context = confirmation(
            viewer,
            f"Deactivate {name}?",
            [
                CONSEQUENCES[kind].format(name=name),
                "Reactivation is not supported: you would invite them again.",
            ],
            f"/c/{kind}/{subject_id}/deactivate",
            f"Deactivate {name}",
            f"/c/{kind}",
            danger=True,
        )
        return page(request, "confirm.html", context)
    try:
        club_id, by = viewer.who.club_id, viewer.who.subject_id
        run_in(
            conn,
            DeactivateMember(club_id, subject_id, by)
            if kind == "members"
            else DeactivatePartner(club_id, subject_id, by),
        )
    except NotFound:
        pass  # already inactive
    return RedirectResponse(f"/c/{kind}", status_code=303)


@router.post("/partners/{partner_id}/webhook/remove")
def remove_webhook(partner_id: str, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    """For a hook that misbehaves or points somewhere it should not; the partner can add a new one."""
    _subject(conn, "partners", viewer.who.club_id, partner_id)
    with contextlib.suppress(NotFound):  # an inactive partner's hook is never called anyway
        run_in(conn, RemoveWebhook(viewer.who.club_id, partner_id, viewer.who.subject_id))
    return RedirectResponse("/c/partners", status_code=303)


@router.get("/members/{member_id}/erase", response_class=HTMLResponse)
def erase_form(request: Request, member_id: str, viewer: CoordinatorView, conn: ReadConn) -> Response:
    found = _subject(conn, "members", viewer.who.club_id, member_id)
    return page(request, "coord_erase.html", {"v": viewer, "member_id": member_id, "name": found["name"]})


@router.post("/members/{member_id}/erase")
def erase(member_id: str, viewer: CoordinatorPost, conn: WriteConn) -> Response:
    """For good, in one transaction: see services/commands/people.py."""
    try:
        run_in(conn, EraseMember(member_id, viewer.who.club_id, by=viewer.who.subject_id))
    except NotFound as exc:
        raise PageDenied(404, "Not found.") from exc
    return RedirectResponse("/c/members", status_code=303)
