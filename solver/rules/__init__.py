"""The business rules of rostering, one class per rule; ``active_rules`` picks those that apply.

Filters come first, in the order an explanation should name them: skills, then availability,
then the member's own exclusions. Product rules join when ``Params.product_rules`` is set or when
the instance carries their data, so the benchmark instances get exactly the SPEC model.
"""

from __future__ import annotations

from solver.rules.availability import AvailabilityRule
from solver.rules.base import Rule
from solver.rules.buddy import BuddyRule
from solver.rules.coverage import CoverageRule
from solver.rules.fairness import FairnessRule
from solver.rules.lead import LeadRule
from solver.rules.lifts import LiftSeatsRule
from solver.rules.max_hours import MaxHoursRule
from solver.rules.no_double_booking import NoDoubleBookingRule
from solver.rules.preferences import PreferencesRule
from solver.rules.refused_partners import RefusedPartnersRule
from solver.rules.skills import SkillsRule
from solver.rules.stability import StabilityRule
from solver.rules.travel_cost import TravelCostRule
from solver.rules.travel_radius import TravelRadiusRule
from solver.schema import Instance, Params

__all__ = [
    "AvailabilityRule",
    "BuddyRule",
    "CoverageRule",
    "FairnessRule",
    "LeadRule",
    "LiftSeatsRule",
    "MaxHoursRule",
    "NoDoubleBookingRule",
    "PreferencesRule",
    "RefusedPartnersRule",
    "Rule",
    "SkillsRule",
    "StabilityRule",
    "TravelCostRule",
    "TravelRadiusRule",
    "active_rules",
]


def active_rules(instance: Instance, params: Params) -> list[Rule]:
    members, requests = instance.members, instance.requests
    on = params.product_rules
    rules: list[Rule] = [SkillsRule(), AvailabilityRule()]
    if on or any(m.refused_kinds or m.liked_kinds for m in members):
        rules.append(PreferencesRule(params.preference_weight))
    if on or any(m.refused_partners for m in members):
        rules.append(RefusedPartnersRule())
    if on or any(m.max_travel_km is not None for m in members):
        rules.append(TravelRadiusRule())
    if instance.approved or instance.forbidden:
        rules.append(StabilityRule(instance, params.change_weight))
    rules += [
        CoverageRule(params.priority_weight),
        TravelCostRule(params.travel_weight),
        NoDoubleBookingRule(),
        MaxHoursRule(),
        FairnessRule(params.fairness_weight),
    ]
    if on or any(r.passengers for r in requests):
        rules.append(LiftSeatsRule())
    if on or any(r.lead_skills for r in requests):
        rules.append(LeadRule())
    if on or any(r.min_team > 1 for r in requests):
        rules.append(BuddyRule())
    return rules
