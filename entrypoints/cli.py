"""The ``mechanic`` command: run the engine, its processes, and the solver on a file."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from services.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEMO_TOKENS = Path(".mechanic") / "demo-tokens.json"


def _up(args: argparse.Namespace, settings: Settings) -> int:
    import uvloop

    from entrypoints.bootstrap import bootstrap
    from entrypoints.runtime import run_embedded

    settings = settings.model_copy(
        update={"transport": "embedded", "api_host": args.host, "api_port": args.port}
    )
    container = bootstrap(settings)
    if args.demo:
        _ensure_demo(container.engine, f"http://{args.host}:{args.port}")
    try:
        # uvloop: the embedded API, dispatcher and scheduler share one event loop, and libuv's costs
        # less per request and per cross-thread wake-up (writer, thread pool) than asyncio's own.
        uvloop.run(run_embedded(container))
    finally:
        container.close()
    return 0


def _ensure_demo(engine: Engine, base_url: str) -> None:
    from services.demo import load_demo

    if DEMO_TOKENS.exists():
        print(f"demo club already loaded; its private links are in {DEMO_TOKENS}", file=sys.stderr)
        return
    with engine.begin() as conn:
        demo = load_demo(conn)
    DEMO_TOKENS.parent.mkdir(parents=True, exist_ok=True)
    DEMO_TOKENS.write_text(
        json.dumps(
            {
                "club_id": demo.club_id,
                "coordinator": demo.coordinator_token,
                "partners": demo.partner_tokens,
                "members": demo.member_tokens,
            },
            indent=1,
        )
    )
    DEMO_TOKENS.chmod(0o600)
    partner, partner_token = next(iter(demo.partner_tokens.items()))
    member, member_token = next(iter(demo.member_tokens.items()))
    print(
        f"demo club loaded: {len(demo.member_tokens)} members, {len(demo.partner_tokens)} partners, "
        f"{demo.requests} requests (all private links in {DEMO_TOKENS})\n"
        f"  coordinator: {base_url}/c/claim/{demo.coordinator_token}  (API token {demo.coordinator_token})\n"
        f"  partner {partner}: {base_url}/p/{partner_token}/\n"
        f"  member {member}: {base_url}/m/{member_token}/",
        file=sys.stderr,
    )


def _api(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import create_app

    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.worker import run_worker

    return run_worker(settings)


def _relay(args: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.relay import run_relay

    return run_relay(settings)


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from services.store.db import upgrade

    upgrade(settings.database_url, args.revision)
    print(f"database at {settings.database_url.split('@')[-1]} is at {args.revision}", file=sys.stderr)
    return 0


def _club_create(args: argparse.Namespace, settings: Settings) -> int:
    from services.commands import CreateClub, execute
    from services.domain import Conflict
    from services.store.db import make_engine, upgrade
    from services.store.uow import SqlUnitOfWork

    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        made = execute(SqlUnitOfWork(engine), CreateClub(args.name, args.timezone))
    except Conflict as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(json.dumps({"club_id": made.club_id, "coordinator_token": made.claim_token}))
    return 0


def _notify(args: argparse.Namespace, settings: Settings) -> int:
    """Reminders and retries of failed messages, beside a Kafka worker or an embedded process."""
    from entrypoints.runtime import repeat, stop_on_signals
    from services.notify.wiring import build_alerts, build_notifier, notify_round
    from services.store.db import make_engine

    engine = make_engine(settings.database_url)
    notifier = build_notifier(engine, settings)
    alerts = build_alerts(engine, settings)

    async def run() -> None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        await repeat(
            "notifier",
            partial(asyncio.to_thread, notify_round, notifier, alerts),
            settings.notify_interval_s,
            stop,
        )

    if args.once:
        notify_round(notifier, alerts)
    else:
        asyncio.run(run())
    engine.dispose()
    return 0


def _coordinator_add(args: argparse.Namespace, settings: Settings) -> int:
    """A coordinator account with a password read from standard input (never from the command line)."""
    from services.commands import SetUpCoordinator, execute
    from services.domain import Invalid, NotFound, new_id
    from services.store.db import make_engine, upgrade
    from services.store.uow import SqlUnitOfWork

    password = sys.stdin.readline().rstrip("\n")
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    command = SetUpCoordinator(args.club, new_id("coord"), args.email, args.name, password)
    try:
        execute(SqlUnitOfWork(engine), command)
    except Invalid as exc:
        print(f"the account will not do: {exc}", file=sys.stderr)
        return 2
    except NotFound as exc:
        print(f"no account made: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"coordinator {args.email} can log in at /c/login", file=sys.stderr)
    return 0


def _member_erase(args: argparse.Namespace, settings: Settings) -> int:
    """Delete a member's personal data for good (a right-to-erasure request)."""
    from services.commands import EraseMember, execute
    from services.domain import NotFound
    from services.store.db import make_engine
    from services.store.uow import SqlUnitOfWork

    engine = make_engine(settings.database_url)
    try:
        execute(SqlUnitOfWork(engine), EraseMember(args.member))
    except NotFound:
        print(f"no member {args.member}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"member {args.member} erased: their work is kept only as anonymous counts", file=sys.stderr)
    return 0


def _retention(args: argparse.Namespace, settings: Settings) -> int:
    """One round of the retention job (it also runs every hour in every long-running process)."""
    from services.store import retention
    from services.store.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        pruned = retention.run(
            engine, settings.stream_retention_days, geocode_days=settings.geocoder_cache_days
        )
    finally:
        engine.dispose()
    print(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in dataclasses.asdict(pruned).items()))
    return 0


def _solve(args: argparse.Namespace, settings: Settings) -> int:
    from solver.cli import process_started, run_cli

    return run_cli(
        [
            str(args.instance),
            "--out",
            str(args.out),
            "--time-limit",
            str(args.time_limit),
            "--workers",
            str(args.workers),
            "--seed",
            str(args.seed),
        ],
        started=process_started(),  # the limit covers the whole `mechanic solve` process
    )


def _dead_letters(args: argparse.Namespace, settings: Settings) -> int:
    """List parked events and records; with --replay, hand each to its consumer again and unpark what
    succeeds; with --discard, drop them (after the cause is understood: they are gone for good)."""
    from entrypoints.bootstrap import bootstrap
    from events import decode
    from services.delivery import too_new
    from services.store import dead_letters

    container = bootstrap(settings, migrate=False)
    failed = 0
    try:
        for letter in dead_letters.parked(container.engine):
            if args.id and letter.event_id != args.id:
                continue
            read = f" read at {letter.topic}[{letter.partition}]@{letter.offset}" if letter.topic else ""
            print(
                f"{letter.parked_at:%Y-%m-%d %H:%M} {letter.consumer} {letter.type} {letter.event_id} "
                f"club {letter.club_id}{read}: {letter.error[:200]}"
            )
            if args.discard:
                dead_letters.release(container.engine, letter)
                print("  discarded")
                continue
            if not args.replay:
                continue
            try:
                raw = letter.raw()
                if raw is None:
                    raise ValueError("a record without a value cannot be replayed; discard it")
                event = decode(raw)
                if why := too_new(event):
                    raise ValueError(f"{why}: replay it with a newer version")
                container.handle_event(letter.consumer, event)
            except Exception as exc:
                failed += 1
                print(f"  still failing: {exc!r}", file=sys.stderr)
                continue
            dead_letters.release(container.engine, letter)
            print("  replayed")
    finally:
        container.close()
    return 1 if failed else 0


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mechanic", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="embedded mode: SQLite, dispatcher, scheduler and API in one process")
    up.add_argument("--demo", action="store_true", help="load a demo club on first run")
    up.add_argument("--host", default=settings.api_host)
    up.add_argument("--port", type=int, default=settings.api_port)
    up.set_defaults(run=_up)

    api = sub.add_parser("api", help="serve the API only (Kafka mode)")
    api.add_argument("--host", default=settings.api_host)
    api.add_argument("--port", type=int, default=settings.api_port)
    api.set_defaults(run=_api)

    sub.add_parser("worker", help="Faust worker: consume Kafka, run handlers and the scheduler").set_defaults(
        run=_worker
    )
    sub.add_parser("relay", help="publish the outbox to Kafka").set_defaults(run=_relay)

    dead = sub.add_parser("dead-letters", help="events parked after failing every retry")
    what = dead.add_mutually_exclusive_group()
    what.add_argument("--replay", action="store_true", help="hand them to their consumer again")
    what.add_argument("--discard", action="store_true", help="drop them for good")
    dead.add_argument("--id", help="only the letter with this event id (or topic:partition:offset)")
    dead.set_defaults(run=_dead_letters)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    upgrade = db.add_parser("upgrade", help="apply migrations")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(run=_db_upgrade)

    club = sub.add_parser("club", help="clubs").add_subparsers(dest="club_command", required=True)
    create = club.add_parser("create", help="create a club and print its first coordinator token")
    create.add_argument("name")
    create.add_argument("--timezone", default="Europe/London")
    create.set_defaults(run=_club_create)

    notify = sub.add_parser(
        "notify", help="send reminders and retry failed messages (email, Signal, partner webhooks)"
    )
    notify.add_argument("--once", action="store_true", help="one round, then exit")
    notify.set_defaults(run=_notify)

    coordinator = sub.add_parser("coordinator", help="coordinator accounts").add_subparsers(
        dest="coordinator_command", required=True
    )
    add = coordinator.add_parser("add", help="add a coordinator account; the password is read from stdin")
    add.add_argument("club")
    add.add_argument("email")
    add.add_argument("--name", default="Coordinator")
    add.set_defaults(run=_coordinator_add)

    member = sub.add_parser("member", help="members").add_subparsers(dest="member_command", required=True)
    erase = member.add_parser("erase", help="delete a member's personal data for good")
    erase.add_argument("member", help="the member's id")
    erase.set_defaults(run=_member_erase)

    sub.add_parser("retention", help="forget what the retention policy says is due, now").set_defaults(
        run=_retention
    )

    solve = sub.add_parser("solve", help="solve a benchmark instance file (../shared/bench/SPEC.md format)")
    solve.add_argument("instance", type=Path)
    solve.add_argument(
        "--time-limit", type=float, required=True, help="seconds of wall clock, start-up included"
    )
    solve.add_argument("--out", type=Path, required=True)
    solve.add_argument("--workers", type=int, default=2)
    solve.add_argument("--seed", type=int, default=0)
    solve.set_defaults(run=_solve)
    return parser


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    args = build_parser(settings).parse_args(argv)
    if args.command != "solve":
        from entrypoints.bootstrap import configure_logging

        configure_logging(settings)
    return int(args.run(args, settings))


if __name__ == "__main__":
    sys.exit(main())
