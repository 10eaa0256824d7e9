"""How the notifier and the partner webhooks are built. ``Container.handle_event`` hands every event
to both after the handlers, in both transports, and they only record what to send; a sender loop (in
the embedded process and in every Kafka worker) sends it, and reminders need a periodic
``notify_round`` (in the embedded process, or ``mechanic notify`` beside the Kafka workers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.notify.alerts import CoordinatorAlerts
from services.notify.channels import EmailChannel, SignalChannel
from services.notify.egress import EgressPolicy
from services.notify.ports import Channel
from services.notify.service import Notifier
from services.notify.webhooks import PartnerWebhooks, WebhookChannel
from services.settings import Settings
from services.store.notices import SqlNoticeStore
from services.store.webhooks import SqlWebhookStore

if TYPE_CHECKING:
    from sqlalchemy import Engine


def channels_from(settings: Settings) -> list[Channel]:
    out: list[Channel] = []
    if settings.smtp_host:
        out.append(
            EmailChannel(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_sender,
                settings.smtp_security,
                settings.smtp_username,
                settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                ca_file=settings.smtp_ca_file,
            )
        )
    if settings.signal_url and settings.signal_number:
        out.append(SignalChannel(settings.signal_url, settings.signal_number))
    return out


def build_notifier(engine: Engine, settings: Settings) -> Notifier:
    """Member channels from settings, plus partner webhooks (where they may call is a setting too):
    the notifier's delivery round sends (and retries) both."""
    hooks = WebhookChannel(SqlWebhookStore(engine), EgressPolicy.from_settings(settings))
    store = SqlNoticeStore(
        engine, link_base=settings.public_url or f"http://{settings.api_host}:{settings.api_port}"
    )
    return Notifier(store, [*channels_from(settings), hooks])


def build_webhooks(engine: Engine) -> PartnerWebhooks:
    return PartnerWebhooks(SqlNoticeStore(engine), SqlWebhookStore(engine))


def build_alerts(engine: Engine, settings: Settings) -> CoordinatorAlerts:
    channels = frozenset(c.name for c in channels_from(settings))
    return CoordinatorAlerts(engine, SqlNoticeStore(engine), settings.public_url, channels=channels)


def notify_round(notifier: Notifier, alerts: CoordinatorAlerts | None = None) -> None:
    """Reminders for tomorrow's work, coordinators' digests and planning-failure alerts, then
    another try at messages and webhook calls that failed."""
    notifier.remind()
    if alerts is not None:
        alerts.round()
    notifier.deliver()
