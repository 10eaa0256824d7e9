"""Configuration, from environment variables prefixed MECHANIC_; the embedded mode needs none."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

try:
    _VERSION = version("mechanic")
except PackageNotFoundError:  # pragma: no cover - a checkout that was never installed
    _VERSION = "dev"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MECHANIC_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{Path('.mechanic') / 'mechanic.db'}",
        description="SQLAlchemy URL: SQLite file (embedded default) or postgresql+psycopg://...",
    )
    transport: Literal["embedded", "kafka"] = "embedded"
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_partitions: int = Field(default=12, ge=1)
    """Partitions per topic when Mechanic creates its topics: a consumer group has at most this many
    busy workers, and a club's partition moves if topics grow later, so it is sized for growth (12:
    three hosts of four workers). Workers plan by the count Kafka has (``partitions_on_kafka``)."""
    kafka_replication: int = Field(default=1, ge=1)
    worker_id: str = "mechanic-worker"
    """The Faust app id, so also the consumer group of the workers."""
    public_url: str | None = None
    forwarded_allow_ips: str = "127.0.0.1"
    """The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (comma-separated
    addresses; uvicorn's forwarded_allow_ips): the client's address (sign-in throttling) and https
    come from them. Never "*" unless the proxy is the only way in."""
    """Where people reach the pages, e.g. https://rota.example.org: the base of links in emails
    (coordinator invitations, password resets) and of members' sign-in links in every message (the
    notifier, which has no request, falls back to http://API_HOST:API_PORT). Unset, the request's own
    address is used, which a forged Host header could change: set it in production."""
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    debounce_s: float = Field(default=0.2, ge=0)
    """Quiet time after the last change before a re-solve starts, so a burst triggers one solve.
    A member's decline of work they were given does not wait for it (``handlers.URGENT_CHANGES``)."""
    max_delay_s: float = Field(default=1.0, ge=0)
    """A steady stream of changes still gets a solve at least this often (changes that arrive
    during a solve wait for it anyway: the lease holds one solve per club at a time)."""
    replan_share: float = Field(default=0.1, gt=0, le=1)
    """While changes keep coming, the most of the scheduler's process one club's re-plans may take
    (reading the club, building its instance, storing the proposal), so that re-planning a club of
    thousands of requests cannot crowd out the API that takes them in. A club whose last re-plan
    cost this process C seconds and took W in all waits ``C / replan_share - W`` after it before
    the longest wait (``max_delay_s``) starts the next; quiet (``debounce_s``) or an urgent change
    (a decline) still re-plans it at once. Only a re-plan that costs more than this share of
    ``max_delay_s`` (0.1 s by default) makes its club rest: a small club's costs hundredths of a
    second, so it never waits for this."""
    solve_time_limit_s: float = Field(default=1.0, gt=0)
    """Per re-solve (at most: a solve that proves its answer stops sooner). A re-plan repairs the
    current roster around what changed: after a decline in a club of 300 members and 250 requests
    a week it answers in 0.1-0.3 s at the proven optimum (bench/resolve_bench.py); a small club is
    solved whole and proven in a few tenths. The whole solve of a big club that only this limit
    allows is improved in the background (``improve_time_limit_s``)."""
    improve_time_limit_s: float = Field(default=10.0, gt=0)
    """A repaired proposal is solved whole in the background with this limit while no club waits,
    and replaced if the whole solve is better and nothing changed meanwhile."""
    solve_workers: int = Field(default=os.cpu_count() or 2, ge=1)
    """CP-SAT threads, shared by the solves running at once."""
    writer_lanes: int = Field(default=4, ge=1, le=32)
    """PostgreSQL: writer threads in one API process (services.store.writer). Each waits on the
    server's answers most of its time, so several keep more requests in flight; a partner's
    submissions always take the same one. SQLite always has one (it takes one writer at a time)."""
    solver_nice: int = Field(default=10, ge=0, le=19)
    """How far below the API and the event handlers the solver processes run (Unix nice). Re-plans
    are background work: on a small machine, a burst of requests is answered first and the solves
    take the cores left over (a busy API process uses about one, its GIL's worth); on idle cores
    they run at full speed. 0 treats them as equals."""
    solve_parallel: int = Field(default=4 * (os.cpu_count() or 2), ge=1)
    """Clubs in planning at once in one process. More than the cores: reading a club and storing
    its proposal wait on the database, so the solver processes (one per core) would otherwise idle."""
    horizon_days: int = Field(default=7, ge=1, le=28)
    unanswered_after_h: float = Field(default=24, gt=0)
    """An assignment nobody has answered for this long is put on the coordinators' attention list."""
    urgent_within_h: float = Field(default=48, gt=0)
    """A high or urgent place still empty this close to its start is put on the attention list."""
    board_poll_s: float = Field(default=20.0, gt=0)
    """How often an open board asks whether a new proposal or attention item arrived while no solve
    runs (every 2 s while one does): each ask reads the attention list, so not too often."""
    change_weight: int = Field(default=5000, ge=0)
    """Cost of changing one approved assignment when re-solving: above any single slot's value,
    so a decline moves only what must move."""
    relay_batch: int = Field(default=500, ge=1)
    relay_lease_s: float = Field(default=15.0, gt=0)
    """How long a relay's lead lasts without renewal: a paused or cut-off leader is replaced this
    long after its last renewal, at most."""
    poll_interval_s: float = Field(default=0.1, gt=0)
    partner_open_requests: int = Field(default=300, ge=1)
    """The most open requests one partner may have at once (a leaked link cannot flood planning)."""
    partner_requests_per_day: int = Field(default=100, ge=1)
    member_link_days: int = Field(default=90, ge=1, le=3650)
    """A member's private link stops working after this many days unused (every use starts the
    time again). Members lose little: every message carries a fresh sign-in link, and /m/signin
    sends one on request; a coordinator can also make a new link."""
    partner_link_days: int = Field(default=180, ge=1, le=3650)
    """A partner's private link (pages and API) stops working after this many days unused: long
    enough for a group that asks twice a year; after it, the coordinator makes a new link."""
    calendar_link_days: int = Field(default=30, ge=1, le=3650)
    """A calendar feed link stops working after this many days unread: a subscribed calendar reads
    it every few hours, so only an abandoned subscription (an old phone, a cloud account given up)
    loses it; the member makes a new one on their page."""
    road_router: Literal["none", "osrm", "valhalla"] = "none"
    """Road distances and times for lifts from an OSRM or Valhalla server at ``road_url``; without
    one, lifts are planned on straight lines at 30 km/h."""
    road_url: str | None = None
    road_timeout_s: float = Field(default=3.0, gt=0)
    road_max_points: int = Field(default=100, ge=2)
    """At most this many points in one road table (OSRM's default table limit)."""
    smtp_host: str | None = None
    """Email notifications are on when this is set."""
    smtp_port: int = 25
    smtp_sender: str = "mechanic@localhost"
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    """"tls": implicit TLS (usually port 465); "starttls": upgrade a plain connection (usually 587);
    either way the server's certificate is verified. "none" only for a relay on the same machine."""
    smtp_starttls: bool = False
    """Older name for ``smtp_security="starttls"``."""
    smtp_ca_file: str | None = None
    """Certificates to trust for the SMTP server instead of the system's (a private mail server)."""
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    signal_url: str | None = None
    """A signal-cli REST API; Signal notifications are on when this and signal_number are set."""
    signal_number: str | None = None
    notify_interval_s: float = Field(default=60.0, gt=0)
    send_interval_s: float = Field(default=0.5, gt=0)
    stream_retention_days: int = Field(default=30, ge=1)
    """Events are kept this long on the Kafka topics, and published outbox rows, processed-event
    ids and dead letters this long in the database; then they are deleted."""
    retention_interval_s: float = Field(default=3600.0, gt=0)
    metrics_port: int | None = None
    """Where ``mechanic worker`` and ``mechanic relay`` serve Prometheus metrics and their /livez and
    /readyz probes (the API serves them on its own port); unset, they serve none."""
    live_beat_s: float = Field(default=10.0, gt=0)
    """A worker or relay whose event loop has not turned for this long is not live (restart it)."""
    ready_record_s: float = Field(default=30.0, gt=0)
    """A worker that has held one record this long (a hung handler, a database it cannot reach) is
    not ready: the partition behind the record makes no progress."""
    ready_backlog_s: float = Field(default=30.0, gt=0)
    """The leading relay is not ready while the oldest unpublished outbox row is older than this."""
    """How often the retention job runs (see services/store/retention.py)."""
    """How often the sender loop looks for messages and webhook calls to make."""
    """How often reminders are written and failed messages retried."""
    webhook_allow_http: bool = False
    """Let partners register plain http:// webhooks (their payloads and signatures travel unencrypted)."""
    webhook_allowed_networks: list[str] = Field(default_factory=list)
    """Networks (CIDR) a webhook may reach although they are not public, e.g. ["10.8.0.0/16"] for
    partners on the club's VPN; the tests use ["127.0.0.0/8"]. See services/notify/egress.py."""
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    """Largest request body the API reads; a bigger one is refused with 413 before it is parsed.
    The largest the schemas accept, a member's availability at every list's limit, is 27 KiB."""
    geocoder: Literal["nominatim", "photon", "off"] = "nominatim"
    """Who turns a typed place or postcode into coordinates; "off" leaves the map and typed
    coordinates (see services/geocode/)."""
    geocoder_url: str | None = None
    """A self-hosted Nominatim or Photon, e.g. https://nominatim.example.org; unset, the public one."""
    geocoder_user_agent: str = f"mechanic/{_VERSION} (volunteer logistics)"
    """Identifies this installation to the geocoder, as Nominatim's usage policy asks: add a contact."""
    geocoder_timeout_s: float = Field(default=5.0, gt=0)
    geocoder_min_interval_s: float = Field(default=1.0, ge=0)
    """At most one geocoder call this often per process (Nominatim's public server allows 1 a second)."""
    geocoder_cache_days: int = Field(default=30, ge=1)
    """Answers, "no match" included, are kept in the database this long and asked for again after."""
    geocoder_results: int = Field(default=5, ge=1, le=20)
    map_tiles_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    """Map tiles for Leaflet; the pages allow images from this host and no other outside one."""
    map_attribution: str = "© OpenStreetMap contributors"
    map_home: tuple[float, float, int] = (54.0, -2.5, 5)
    """Where an empty map opens: latitude, longitude, zoom (in the environment JSON: [51.48,-3.18,11])."""
    log_level: str = "INFO"
    log_json: bool = False

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> Settings:
        if self.smtp_starttls and self.smtp_security == "none":
            self.smtp_security = "starttls"
        if self.smtp_username and self.smtp_security == "none":
            raise ValueError(
                "MECHANIC_SMTP_USERNAME needs MECHANIC_SMTP_SECURITY=starttls or tls: "
                "a mail password is never sent in clear"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
