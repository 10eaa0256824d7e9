"""The API's token look-ups, served in batches by one thread (services.store.token_lookups), on a
real database: a batch of mixed tokens gets, token by token, the answer ``tokens.use`` gives alone
(a live link, a revoked one, a deactivated holder's, one unused beyond its lifetime, a stranger's),
and a use is recorded through the writer at most once per TOUCH_EVERY, as before."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from services.store import tokens, writes
from services.store.tables import partners
from services.store.tables import tokens as token_rows
from services.store.token_lookups import TokenLookups
from services.store.tokens import Lifetimes, LinkExpired, Principal
from services.store.writer import Writer
from tests.commands_support import create_club, register
from tests.store.test_contract import member_values

LIFETIMES = Lifetimes(member=timedelta(days=90), partner=timedelta(days=180), calendar=timedelta(days=30))


@pytest.fixture
def lookups(engine: Engine) -> Iterator[TokenLookups]:
    writer = Writer(engine)
    lookups = TokenLookups(engine, writer)
    yield lookups
    lookups.close()
    writer.close()


def _last_used(engine: Engine, token: str, at: datetime | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(token_rows).where(token_rows.c.token_hash == tokens._digest(token)).values(last_used_at=at)
        )


def _used_at(engine: Engine, token: str) -> datetime | None:
    with engine.connect() as conn:
        return conn.execute(
            select(token_rows.c.last_used_at).where(token_rows.c.token_hash == tokens._digest(token))
        ).scalar()


def _one_by_one(engine: Engine, token: str) -> Principal | str | None:
    try:
        return tokens.use(engine, token, LIFETIMES)
    except LinkExpired as expired:
        return f"expired {expired.role}"


async def _batched(lookups: TokenLookups, given: list[str]) -> list[Principal | str | None]:
    async def one(token: str) -> Principal | str | None:
        try:
            return await lookups.use(token, LIFETIMES)
        except LinkExpired as expired:
            return f"expired {expired.role}"

    return list(await asyncio.gather(*(one(token) for token in given)))


def test_a_batch_of_mixed_tokens_gets_the_answers_each_would_get_alone(
    engine: Engine, lookups: TokenLookups
) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        club_id, coordinator = create_club(conn, "Riverside")
        partner_id, partner = writes.add_partner(conn, club_id, "Food bank", None)
        gone_id, gone_partner = writes.add_partner(conn, club_id, "Closed union", None)
        member_id, member = register(conn, club_id, member_values("Ann Example"))
        _, stale_member = register(conn, club_id, member_values("Bo Away"))
        revoked = tokens.rotate(conn, "partner", club_id, partner_id)  # the new one is live...
        partner, revoked = revoked, partner  # ...and the first one revoked
        conn.execute(update(partners).where(partners.c.id == gone_id).values(active=False))
    _last_used(engine, stale_member, now - timedelta(days=91))
    given = [partner, coordinator, revoked, member, gone_partner, stale_member, "no-such-token", partner]

    with engine.connect() as conn:  # one batch for certain
        together = tokens.find_many(conn, [(token, LIFETIMES) for token in given], datetime.now(UTC))
    batched = asyncio.run(_batched(lookups, given))  # through the thread, as the API asks

    alone = [_one_by_one(engine, token) for token in given]
    assert [f"expired {a.role}" if isinstance(a, LinkExpired) else a and a[0] for a in together] == alone
    assert batched == alone
    assert batched == [
        Principal("partner", club_id, partner_id),
        batched[1],
        None,
        Principal("member", club_id, member_id),
        None,
        "expired member",
        None,
        Principal("partner", club_id, partner_id),
    ]
    assert isinstance(batched[1], Principal) and batched[1].role == "coordinator"


def test_a_use_is_recorded_through_the_writer_at_most_hourly(engine: Engine, lookups: TokenLookups) -> None:
    with engine.begin() as conn:
        club_id, _ = create_club(conn, "Riverside")
        _, partner = writes.add_partner(conn, club_id, "Food bank", None)
    long_ago = datetime.now(UTC) - timedelta(days=3)
    _last_used(engine, partner, long_ago)

    asyncio.run(_batched(lookups, [partner]))
    recorded = _used_at(engine, partner)
    assert recorded is not None and recorded > long_ago + timedelta(days=2)

    asyncio.run(_batched(lookups, [partner, partner]))
    assert _used_at(engine, partner) == recorded  # within the hour: not written again
