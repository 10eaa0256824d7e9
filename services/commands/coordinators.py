"""Coordinator accounts: set up (from a claim link, or by the operator's command line) and
deactivated. The rules live here, so a fake can test them: one account per email address, a
password that will do, nobody deactivates themselves, and a club always keeps one active
coordinator."""

from __future__ import annotations

from dataclasses import dataclass

from events import CoordinatorAccountCreated, CoordinatorDeactivated
from services import passwords
from services.domain import Conflict, Invalid, NotFound
from services.ports import UnitOfWork


@dataclass(frozen=True)
class DeactivateCoordinator:
    club_id: str
    coordinator_id: str
    by: str
    """The coordinator who asked (never the one deactivated)."""


@dataclass(frozen=True)
class SetUpCoordinator:
    """The account behind ``coordinator_id`` (a claim link's, or a new id from the command line);
    its claim links stop working."""

    club_id: str
    coordinator_id: str
    email: str
    name: str
    password: str


def set_up_coordinator(cmd: SetUpCoordinator, uow: UnitOfWork) -> None:
    """Refused field by field (``Invalid``: email, password) before anything is written; an
    unknown club (a mistyped id on the command line) is ``NotFound``."""
    if not uow.clubs.exists(cmd.club_id):
        raise NotFound(f"There is no club with the id {cmd.club_id!r}: `mechanic club create` prints it.")
    email = cmd.email.strip().lower()
    wrong = passwords.problem(cmd.password, email)
    if wrong:
        raise Invalid({"password": wrong})
    if uow.coordinators.email_taken(email):
        raise Invalid({"email": "Another account uses this email address."})
    uow.coordinators.create_account(cmd.club_id, cmd.coordinator_id, email, cmd.name.strip(), cmd.password)
    uow.audit(cmd.club_id, cmd.coordinator_id, "coordinator.set_up", "coordinator", cmd.coordinator_id)
    uow.emit(CoordinatorAccountCreated(club_id=cmd.club_id, coordinator_id=cmd.coordinator_id))


def deactivate_coordinator(cmd: DeactivateCoordinator, uow: UnitOfWork) -> None:
    if cmd.coordinator_id == cmd.by:
        raise Conflict("You cannot deactivate yourself: ask another coordinator.")
    active = uow.coordinators.active_ids(cmd.club_id)
    if cmd.coordinator_id not in active:
        raise Conflict("That coordinator is not active in this club.")
    if not active - {cmd.coordinator_id}:
        raise Conflict("The club needs at least one active coordinator.")
    uow.coordinators.deactivate(cmd.coordinator_id)
    uow.audit(cmd.club_id, cmd.by, "coordinator.deactivate", "coordinator", cmd.coordinator_id)
    uow.emit(CoordinatorDeactivated(club_id=cmd.club_id, coordinator_id=cmd.coordinator_id))
