"""Every change a person asks for is a typed command, run here in one unit of work: the handler
enforces the rules and writes the state with its events, and the transaction has committed before
``execute`` returns, so a caller never answers success for something that was not stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.commands.access import (
    CreateApiKey,
    RegisterWebhook,
    RemoveWebhook,
    RevokeApiKey,
    RotateCalendarLink,
    RotatePrivateLink,
    create_api_key,
    register_webhook,
    remove_webhook,
    revoke_api_key,
    rotate_calendar_link,
    rotate_private_link,
)
from services.commands.alerts import SetAlertChoices, set_alert_choices
from services.commands.answers import (
    AnswerAssignment,
    ChaseAssignment,
    MarkNoShow,
    answer_assignment,
    chase_assignment,
    mark_no_show,
)
from services.commands.clubs import (
    CreateClub,
    NewClub,
    SetRetention,
    SetSelfSignup,
    create_club,
    set_retention,
    set_self_signup,
)
from services.commands.coordinators import (
    DeactivateCoordinator,
    SetUpCoordinator,
    deactivate_coordinator,
    set_up_coordinator,
)
from services.commands.invites import (
    InviteCoordinator,
    InviteMember,
    InvitePartner,
    SendInvite,
    invite_coordinator,
    invite_member,
    invite_partner,
    send_invite,
)
from services.commands.lifts import AskForLift, ask_for_lift
from services.commands.offers import OfferHelp, offer_help
from services.commands.people import (
    DeactivateMember,
    DeactivatePartner,
    DeclareAvailability,
    EraseMember,
    SetNoticePrefs,
    UpdateMember,
    deactivate_member,
    deactivate_partner,
    declare_availability,
    erase_member,
    set_notice_prefs,
    update_member,
)
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
    ReplanNow,
    SwapSlots,
    UndoRemoval,
    Unpin,
    approve_roster,
    place_member,
    replan_now,
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
    | AnswerAssignment
    | MarkNoShow
    | OfferHelp
    | DeclareAvailability
    | UpdateMember
    | DeactivateMember
    | DeactivatePartner
    | EraseMember
    | SetNoticePrefs
    | CreateApiKey
    | RevokeApiKey
    | RotateCalendarLink
    | RotatePrivateLink
    | RegisterWebhook
    | RemoveWebhook
    | DeactivateCoordinator
    | SubmitRequest
    | EditRequest
    | CancelRequest
    | AskForLift
    | ReplanNow
    | InviteMember
    | SendInvite
    | InvitePartner
    | InviteCoordinator
    | SetRetention
    | SetSelfSignup
    | SetAlertChoices
    | CreateClub
    | SetUpCoordinator
)

HANDLERS: dict[type, Callable[[Any, UnitOfWork], Any]] = {
    ApproveRoster: approve_roster,
    SwapSlots: swap_slots,
    PlaceMember: place_member,
    Unpin: unpin,
    UndoRemoval: undo_removal,
    ChaseAssignment: chase_assignment,
    AnswerAssignment: answer_assignment,
    MarkNoShow: mark_no_show,
    OfferHelp: offer_help,
    DeclareAvailability: declare_availability,
    UpdateMember: update_member,
    DeactivateMember: deactivate_member,
    DeactivatePartner: deactivate_partner,
    EraseMember: erase_member,
    SetNoticePrefs: set_notice_prefs,
    CreateApiKey: create_api_key,
    RevokeApiKey: revoke_api_key,
    RotateCalendarLink: rotate_calendar_link,
    RotatePrivateLink: rotate_private_link,
    RegisterWebhook: register_webhook,
    RemoveWebhook: remove_webhook,
    DeactivateCoordinator: deactivate_coordinator,
    SubmitRequest: submit_request,
    EditRequest: edit_request,
    CancelRequest: cancel_request,
    AskForLift: ask_for_lift,
    ReplanNow: replan_now,
    InviteMember: invite_member,
    SendInvite: send_invite,
    InvitePartner: invite_partner,
    InviteCoordinator: invite_coordinator,
    SetRetention: set_retention,
    SetSelfSignup: set_self_signup,
    SetAlertChoices: set_alert_choices,
    CreateClub: create_club,
    SetUpCoordinator: set_up_coordinator,
}


def execute(uow: UnitOfWork, command: Command) -> Any:
    with uow:
        result = HANDLERS[type(command)](command, uow)
        uow.commit()
    return result


__all__ = [
    "HANDLERS",
    "AnswerAssignment",
    "ApproveRoster",
    "AskForLift",
    "CancelRequest",
    "ChaseAssignment",
    "Command",
    "CreateApiKey",
    "CreateClub",
    "DeactivateCoordinator",
    "DeactivateMember",
    "DeactivatePartner",
    "DeclareAvailability",
    "EditRequest",
    "EraseMember",
    "InviteCoordinator",
    "InviteMember",
    "InvitePartner",
    "MarkNoShow",
    "NewClub",
    "OfferHelp",
    "PlaceMember",
    "Refused",
    "RegisterWebhook",
    "RemoveWebhook",
    "ReplanNow",
    "RevokeApiKey",
    "RotateCalendarLink",
    "RotatePrivateLink",
    "SendInvite",
    "SetAlertChoices",
    "SetNoticePrefs",
    "SetRetention",
    "SetSelfSignup",
    "SetUpCoordinator",
    "SubmitRequest",
    "SwapSlots",
    "UndoRemoval",
    "Unpin",
    "UpdateMember",
    "execute",
]
