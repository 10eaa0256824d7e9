"""Every change a person asks for is a typed command, run here in one unit of work: the handler
enforces the rules and writes the state with its events, and the transaction has committed before
``execute`` returns, so a caller never answers success for something that was not stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.commands.answers import ChaseAssignment, chase_assignment
from services.commands.offers import OfferHelp, offer_help
from services.commands.placement import Refused
from services.commands.requests import (
    CancelRequest,
    EditRequest,
    SubmitRequest,
    cancel_request,
    edit_request,
    submit_request,
)
from services.commands.roster import (
    ApproveRoster,
    PlaceMember,
    SwapSlots,
    UndoRemoval,
    Unpin,
    approve_roster,
    place_member,
    swap_slots,
    undo_removal,
    unpin,
)
from services.ports import UnitOfWork

Command = (
    ApproveRoster
    | SwapSlots
    | PlaceMember
    | Unpin
    | UndoRemoval
    | ChaseAssignment
    | OfferHelp
    | SubmitRequest
    | EditRequest
    | CancelRequest
)

HANDLERS: dict[type, Callable[[Any, UnitOfWork], Any]] = {
    ApproveRoster: approve_roster,
    SwapSlots: swap_slots,
    PlaceMember: place_member,
    Unpin: unpin,
    UndoRemoval: undo_removal,
    ChaseAssignment: chase_assignment,
    OfferHelp: offer_help,
    SubmitRequest: submit_request,
    EditRequest: edit_request,
    CancelRequest: cancel_request,
}


def execute(uow: UnitOfWork, command: Command) -> Any:
    with uow:
        result = HANDLERS[type(command)](command, uow)
        uow.commit()
    return result


__all__ = [
    "HANDLERS",
    "ApproveRoster",
    "CancelRequest",
    "ChaseAssignment",
    "Command",
    "EditRequest",
    "OfferHelp",
    "PlaceMember",
    "Refused",
    "SubmitRequest",
    "SwapSlots",
    "UndoRemoval",
    "Unpin",
    "execute",
]
