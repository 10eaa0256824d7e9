"""Coordinators changing the club's coordinator accounts. The rules live here, so a fake can test
them: nobody deactivates themselves, and a club always keeps one active coordinator."""

from __future__ import annotations

from dataclasses import dataclass

from events import CoordinatorDeactivated
from services.domain import Conflict
from services.ports import UnitOfWork


@dataclass(frozen=True)
class DeactivateCoordinator:
    club_id: str
    coordinator_id: str
    by: str
    """The coordinator who asked (never the one deactivated)."""


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
