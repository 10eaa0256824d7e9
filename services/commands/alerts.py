"""A coordinator's own alert choices (where and when: services/notify/alerts.py sends them). The
rules live here, not in the page, so a fake can test them and every caller is held to them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from events import AlertChoicesChanged
from services.domain import Invalid
from services.ports import AlertChoices, UnitOfWork

SIGNAL_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")
"""E.164: a plus, the country code and the number, digits only."""
MOST_UNANSWERED_HOURS = 168


@dataclass(frozen=True)
class SetAlertChoices:
    club_id: str
    coordinator_id: str
    """The coordinator whose alerts these are (each sets only their own)."""
    choices: AlertChoices


def problems(choices: AlertChoices) -> dict[str, str]:
    """What is wrong, field by field (empty when nothing is)."""
    errors: dict[str, str] = {}
    for name in ("digest_hour", "quiet_start", "quiet_end"):
        hour = getattr(choices, name)
        if hour is not None and not 0 <= hour <= 23:
            errors[name] = "Choose an hour from the list."
    if choices.signal_number and not SIGNAL_NUMBER.fullmatch(choices.signal_number):
        errors["signal_number"] = "Enter the number with its country code, like +44 7700 900123."
    if not 1 <= choices.unanswered_hours <= MOST_UNANSWERED_HOURS:
        errors["unanswered_hours"] = f"Enter a number of hours from 1 to {MOST_UNANSWERED_HOURS}."
    if (choices.quiet_start is None) != (choices.quiet_end is None) and "quiet_end" not in errors:
        errors["quiet_end"] = "Choose both the start and the end of quiet hours, or neither."
    if not choices.email and not choices.signal_number and "signal_number" not in errors:
        errors["email"] = "Choose email, or enter a Signal number: alerts need somewhere to go."
    return errors


def set_alert_choices(cmd: SetAlertChoices, uow: UnitOfWork) -> None:
    """Refused with every wrong field (``Invalid``) before anything is written."""
    errors = problems(cmd.choices)
    if errors:
        raise Invalid(errors)
    uow.coordinators.set_alert_choices(cmd.coordinator_id, cmd.choices)
    uow.audit(cmd.club_id, cmd.coordinator_id, "alerts.change", "coordinator", cmd.coordinator_id)
    uow.emit(AlertChoicesChanged(club_id=cmd.club_id, coordinator_id=cmd.coordinator_id))
