"""The system of record: SQLAlchemy Core tables, shared by SQLite and PostgreSQL.

Times are stored as naive UTC and handed back aware (``UtcDateTime``) so both databases
behave the same. Lists of skills are JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, naive UTC in the column."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

clubs = Table(
    "clubs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False, default="Europe/London"),
    Column("created_at", UtcDateTime, nullable=False),
    # Retention: days after an action ends before its details (and, for the high-risk kinds, who
    # went) are removed; see services/store/retention.py.
    Column("retention_days", Integer, nullable=False, default=30, server_default="30"),
    Column("high_risk_kinds", JSON, nullable=False, default=list, server_default="[]"),
    # Kinds of work members may sign themselves up for (an offer goes straight in): none by default.
    Column("self_signup_kinds", JSON, nullable=False, default=list, server_default="[]"),
)

partners = Table(
    "partners",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("club_id", ForeignKey("clubs.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("contact_email", String(320)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    # What its quota is checked against without counting its requests (writes._count_submission):
    # its open requests (not lifts; ended ones too, until cancelled), and how many it sent on the
    # UTC day numbered sent_day (date.toordinal) and on the day before.
    Column("open_requests", Integer, nullable=False, default=0, server_default="0"),
    Column("sent_day", Integer, nullable=False, default=0, server_default="0"),
    Column("sent_today", Integer, nullable=False, default=0, server_default="0"),
    Column("sent_yesterday", Integer, nullable=False, default=0, server_default="0"),
)

members = Table(
    "members",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("club_id", ForeignKey("clubs.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("share_first_name", Boolean, nullable=False, default=False),
    Column("email", String(320)),
    Column("phone", String(64)),
    Column("skills", JSON, nullable=False),
    Column("home_place", String(200)),
    Column("home_lat", Float, nullable=False),
    Column("home_lon", Float, nullable=False),
    # True: the member chose exact pickup planning; else the home is kept to ~500 m (services/homes.py)
    Column("exact_home", Boolean, nullable=False, default=False, server_default=false()),
    Column("max_hours_week", Integer, nullable=False),
    Column("car_seats", Integer),
    Column("max_travel_km", Integer),
    Column("liked_kinds", JSON, nullable=False),
    Column("refused_kinds", JSON, nullable=False),
    Column("refused_partners", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("erased_at", UtcDateTime),
)

weekly_availability = Table(
    "weekly_availability",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", ForeignKey("members.id"), nullable=False, index=True),
    Column("weekday", Integer, nullable=False),  # 0 = Monday, club local time
    Column("start_minute", Integer, nullable=False),
    Column("end_minute", Integer, nullable=False),
)

availability_windows = Table(
    "availability_windows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", ForeignKey("members.id"), nullable=False, index=True),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
)

blackouts = Table(
    "blackouts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("member_id", ForeignKey("members.id"), nullable=False, index=True),
    Column("day", Date, nullable=False),  # club local date
)

help_requests = Table(
    "help_requests",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("club_id", ForeignKey("clubs.id"), nullable=False),
    Column("partner_id", ForeignKey("partners.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("title", String(200), nullable=False),
    Column("notes", Text, nullable=False, default=""),
    Column("place_name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("headcount", Integer, nullable=False),
    Column("skills", JSON, nullable=False),
    Column("lead_skills", JSON, nullable=False),
    Column("passengers", Integer, nullable=False, default=0),
    Column("priority", Integer, nullable=False),
    Column("status", String(16), nullable=False, default="open"),  # open | cancelled
    Column("created_at", UtcDateTime, nullable=False),
    Column("scrubbed_at", UtcDateTime),  # when retention removed its details
    # A lift a member asked for, to get to the request they were sent to: it lives as long as they go.
    Column("lift_for", String(64), index=True),
    # The weekly series one submission made (None for a single date): edited or cancelled as one.
    Column("series_id", String(64), index=True),
    Index("ix_help_requests_club_starts", "club_id", "starts_at"),
    # A partner at its quota has its open requests, and those it sent in the last day, counted
    # (writes._QUOTA_OPEN, _QUOTA_SENT): each index starts where its count does, so neither reads
    # the requests that have ended or were sent before, however many the partner has.
    Index("ix_help_requests_partner_open", "partner_id", "lift_for", "status", "ends_at"),
    Index("ix_help_requests_partner_sent", "partner_id", "lift_for", "created_at"),
)

request_pickups = Table(
    "request_pickups",
    metadata,
    # Where a lift's passengers wait. The contact is shown to their driver and the coordinators
    # only, and is deleted with the place once the action is over.
    Column("request_id", ForeignKey("help_requests.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("place_name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("people", Integer, nullable=False),
    Column("contact_name", String(100)),
    Column("contact_phone", String(64)),
    Column("member_id", String(64)),  # a member who asked for this lift; None for the partner's people
)

geocode_cache = Table(
    "geocode_cache",
    metadata,
    # A geocoder's answers, kept so a place is asked for once (Nominatim's usage policy).
    Column("provider", String(32), primary_key=True),
    Column("query", String(200), primary_key=True),
    Column("results", JSON, nullable=False),
    Column("fetched_at", UtcDateTime, nullable=False),
)

rosters = Table(
    "rosters",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("club_id", ForeignKey("clubs.id"), nullable=False),
    Column("status", String(16), nullable=False),  # proposed | approved | superseded
    Column("created_at", UtcDateTime, nullable=False),
    Column("horizon_start", UtcDateTime, nullable=False),
    Column("horizon_end", UtcDateTime, nullable=False),
    Column("solve_status", String(16), nullable=False),
    Column("objective", BigInteger, nullable=False),
    Column("bound", BigInteger),
    Column("filled_slots", Integer, nullable=False),
    Column("total_slots", Integer, nullable=False),
    Column("wall_s", Float, nullable=False),
    Column("approved_at", UtcDateTime),
    Column("approved_by", String(64)),
    # Which kind of solve produced it (solver.SolveKind): the whole roster, or a repair of the last one.
    Column("solve_kind", String(16), nullable=False, server_default="full"),
    Index("ix_rosters_club_status", "club_id", "status"),
)

roster_entries = Table(
    "roster_entries",
    metadata,
    Column("roster_id", ForeignKey("rosters.id"), primary_key=True),
    Column("request_id", ForeignKey("help_requests.id"), primary_key=True),
    Column("slot_index", Integer, primary_key=True),
    Column("member_id", ForeignKey("members.id"), nullable=False),
    Column("pinned", Boolean, nullable=False, default=False),
)

unfilled_slots = Table(
    "unfilled_slots",
    metadata,
    Column("roster_id", ForeignKey("rosters.id"), primary_key=True),
    Column("request_id", ForeignKey("help_requests.id"), primary_key=True),
    Column("slot_index", Integer, primary_key=True),
    Column("code", String(32), nullable=False),
    Column("reason", Text, nullable=False),
)

lift_routes = Table(
    "lift_routes",
    metadata,
    Column("roster_id", ForeignKey("rosters.id"), primary_key=True),
    Column("request_id", ForeignKey("help_requests.id"), primary_key=True),
    Column("member_id", ForeignKey("members.id"), primary_key=True),
    Column("leave_at", UtcDateTime, nullable=False),
    Column("metres", Integer, nullable=False),
    Column("detour_minutes", Integer, nullable=False),
)

route_stops = Table(
    "route_stops",
    metadata,
    Column("roster_id", ForeignKey("rosters.id"), primary_key=True),
    Column("request_id", ForeignKey("help_requests.id"), primary_key=True),
    Column("member_id", ForeignKey("members.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("pickup_position", Integer),  # None: the destination
    Column("arrive_at", UtcDateTime, nullable=False),
    Column("load", Integer, nullable=False),
)

lift_notes = Table(
    "lift_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("roster_id", ForeignKey("rosters.id"), nullable=False, index=True),
    Column("request_id", ForeignKey("help_requests.id"), nullable=False),
    Column("pickup_position", Integer),
    Column("reason", Text, nullable=False),
)

pins = Table(
    "pins",
    metadata,
    Column("request_id", ForeignKey("help_requests.id"), primary_key=True),
    Column("member_id", ForeignKey("members.id"), primary_key=True),
    Column("club_id", ForeignKey("clubs.id"), nullable=False, index=True),
    Column("slot_index", Integer, nullable=False),
    Column("pinned_by", String(64), nullable=False),
    Column("pinned_at", UtcDateTime, nullable=False),
    # A forced pin: the rules (solver.Waiver codes) the coordinator placed the member despite, and
    # the same in words for the board ("does not have the driver skill").
    Column("waived", JSON, nullable=False, server_default="[]"),
    Column("despite", Text, nullable=False, server_default=""),
)

exclusions = Table(
    "exclusions",
    metadata,
    Column("request_id", ForeignKey("help_requests.id"), primary_key=True),
    Column("member_id", ForeignKey("members.id"), primary_key=True),
    Column("club_id", ForeignKey("clubs.id"), nullable=False, index=True),
    Column("excluded_by", String(64), nullable=False),
    Column("excluded_at", UtcDateTime, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

anonymous_assignments = Table(
    "anonymous_assignments",
    metadata,
    # Who went is forgotten (an erased member, or high-risk work past retention); that somebody went
    # is kept, for the club's reports and the partner's counts.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("club_id", ForeignKey("clubs.id"), nullable=False, index=True),
    Column("request_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
)

released_pins = Table(
    "released_pins",
    metadata,
    Column("roster_id", ForeignKey("rosters.id"), primary_key=True),
    Column("request_id", String(64), primary_key=True),
    Column("member_id", String(64), primary_key=True),
    Column("code", String(32), nullable=False),
    Column("reason", Text, nullable=False),
)

assignments = Table(
    "assignments",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("club_id", ForeignKey("clubs.id"), nullable=False),
    Column("roster_id", ForeignKey("rosters.id"), nullable=False),
    Column("request_id", ForeignKey("help_requests.id"), nullable=False, index=True),
    Column("slot_index", Integer, nullable=False),
    Column("member_id", ForeignKey("members.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),  # issued | accepted | declined | withdrawn | no_show
    Column("decline_reason", Text),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_assignments_club_status", "club_id", "status"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("club_id", String(64), nullable=False),
    Column("topic", String(100), nullable=False),
    Column("type", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime),
    Index("ix_outbox_unpublished", "published_at", "seq"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("consumer", String(64), primary_key=True),
    Column("event_id", String(128), primary_key=True),  # "topic:partition:offset" for a raw record
    Column("type", String(64), nullable=False),
    Column("club_id", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("parked_at", UtcDateTime, nullable=False),
    Column("topic", String(128)),
    Column("partition", Integer),
    Column("offset", BigInteger),
)

processed_events = Table(
    "processed_events",
    metadata,
    Column("consumer", String(64), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("processed_at", UtcDateTime, nullable=False),
)

schedule_state = Table(
    "schedule_state",
    metadata,
    Column("club_id", ForeignKey("clubs.id"), primary_key=True),
    Column("generation", Integer, nullable=False, default=0),
    Column("solved_generation", Integer, nullable=False, default=0),
    Column("first_dirty_at", UtcDateTime),
    Column("last_dirty_at", UtcDateTime),
    # The first unsolved change that should not wait for the debounce (a decline of issued work):
    # set, the club is due at once.
    Column("urgent_at", UtcDateTime),
    Column("lease_owner", String(64)),
    Column("lease_until", UtcDateTime),
    # The generation whose solve failed last: the failure shows while that generation is current.
    Column("failed_generation", Integer),
    Column("failure", Text),
    Column("failures", Integer, nullable=False, default=0, server_default="0"),  # in a row, for back-off
    Column("retry_at", UtcDateTime),
    # What the solved generation's snapshot read (PlanningSnapshot.fingerprint): any worker that
    # finds the same inputs again records the generation as solved without solving.
    Column("solved_fingerprint", String(64)),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("club_id", ForeignKey("clubs.id"), nullable=False),
    Column("role", String(16), nullable=False),  # partner | member | coordinator
    Column("subject_id", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("label", String(100)),  # a coordinator's name for an API key; none for a private link
    Column("expires_at", UtcDateTime),
    Column("last_used_at", UtcDateTime),  # to the hour: private links expire after a time unused
    UniqueConstraint("role", "subject_id", "token_hash"),
)

# --- pages and notifications (migration 0002) ----------------------------------------------------

coordinators = Table(
    "coordinators",
    metadata,
    Column("id", String(64), primary_key=True),  # the coordinator Principal's subject_id
    Column("club_id", ForeignKey("clubs.id"), nullable=False, index=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_login_at", UtcDateTime),  # migration 0012
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 of the cookie value
    Column("coordinator_id", ForeignKey("coordinators.id"), nullable=False, index=True),
    Column("club_id", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

coordinator_alerts = Table(
    "coordinator_alerts",  # migration 0014
    metadata,
    # How a coordinator wants to hear about what needs them; without a row, the defaults in
    # services/store/alerts.py (email, immediate alerts, a digest at 08:00, quiet 22:00-07:00).
    Column("coordinator_id", ForeignKey("coordinators.id"), primary_key=True),
    Column("email", Boolean, nullable=False, default=True),
    Column("signal_number", String(64)),
    Column("immediate", Boolean, nullable=False, default=True),
    Column("digest_hour", Integer),  # club-local hour 0-23; None for no digest
    Column("quiet_start", Integer),  # club-local hours; None for no quiet hours
    Column("quiet_end", Integer),
    Column("unanswered_hours", Integer, nullable=False, default=24),
)

notify_prefs = Table(
    "notify_prefs",
    metadata,
    Column("member_id", ForeignKey("members.id"), primary_key=True),
    Column("email", Boolean, nullable=False, default=True),
    Column("signal", Boolean, nullable=False, default=False),
    Column("reminders", Boolean, nullable=False, default=True),
)

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(160), nullable=False, unique=True),
    Column("club_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),  # issued | withdrawn | reminder | webhook
    Column("channel", String(16), nullable=False),  # email | signal | webhook
    Column("address", String(500), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("next_attempt_at", UtcDateTime),  # after a failure: not retried before this time
    Index("ix_notices_status", "status", "id"),
)

partner_webhooks = Table(
    "partner_webhooks",
    metadata,
    Column("partner_id", ForeignKey("partners.id"), primary_key=True),
    Column("url", String(500), nullable=False),
    Column("secret", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# --- coordinators' accounts: sign-in throttling, password resets, audit trail (migration 0012) --

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # SHA-256 of "email:<address>" or "client:<ip>": who tried is not kept in the clear
    Column("key_hash", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # fail | lock
    Column("at", UtcDateTime, nullable=False),
    Index("ix_login_attempts_key", "key_hash", "kind", "at"),
)

password_resets = Table(
    "password_resets",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the emailed link's secret
    Column("coordinator_id", ForeignKey("coordinators.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)

member_signins = Table(
    "member_signins",
    metadata,
    Column("code_hash", String(64), primary_key=True),  # SHA-256 of the sign-in link's secret
    Column("club_id", String(64), nullable=False),
    Column("member_id", ForeignKey("members.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)

member_sessions = Table(
    "member_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 of the cookie value
    Column("member_id", ForeignKey("members.id"), nullable=False, index=True),
    Column("club_id", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("club_id", String(64), nullable=False),
    Column("actor_id", String(64), nullable=False),  # a coordinator's id
    Column("action", String(40), nullable=False),
    Column("object_kind", String(16), nullable=False),  # roster | member | partner | coordinator | key ...
    Column("object_id", String(64), nullable=False),
    Column("related_id", String(64)),  # e.g. the request a member was pinned on
    Column("at", UtcDateTime, nullable=False),
    Index("ix_audit_log_club", "club_id", "at"),
)
