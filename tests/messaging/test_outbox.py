"""The development outbox: OutboxSender writes, read_outbox / format_outbox read (real
PostgreSQL through the suite's `db_session` fixture)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.messaging.outbox import EMPTY_OUTBOX, format_outbox, read_outbox
from hostolink.messaging.senders import Channel, OutboxSender, build_senders
from hostolink.messaging.templates import otp_message
from hostolink.models.message_sortant import MessageSortant

if TYPE_CHECKING:
    from .conftest import SettingsFactory

PHONE = "+2250701020304"
OTHER_PHONE = "+2250505050505"
EMAIL = "awa.kone@example.ci"


class TestOutboxSender:
    async def test_writes_an_sms_row_in_the_callers_transaction(
        self, db_session: AsyncSession
    ) -> None:
        message = otp_message("sms", PHONE, "518204", "verification", 5)

        await OutboxSender().send(db_session, message)

        # Written (flushed) but not committed: the request's transaction owns it.
        assert db_session.in_transaction()
        assert not db_session.new
        row = (await read_outbox(db_session, PHONE))[0]
        assert (row.canal, row.destinataire, row.sujet, row.corps) == (
            "sms",
            PHONE,
            None,
            message.text,
        )
        assert row.date_creation is not None

    async def test_writes_an_email_row_with_its_subject_and_text(
        self, db_session: AsyncSession
    ) -> None:
        message = otp_message("email", EMAIL, "518204", "reinitialisation", 5)

        await OutboxSender().send(db_session, message)

        row = (await read_outbox(db_session, EMAIL))[0]
        assert row.canal == "email"
        assert row.sujet == "Votre code de réinitialisation Hostolink"
        assert row.corps == message.text  # the text part: what a developer reads
        assert "518204" in row.corps

    async def test_is_the_default_for_both_channels(
        self, db_session: AsyncSession, make_settings: SettingsFactory
    ) -> None:
        senders = build_senders(make_settings())
        await senders.send(db_session, otp_message("sms", PHONE, "111111", "verification", 5))
        await senders.send(db_session, otp_message("email", EMAIL, "222222", "verification", 5))

        rows = await read_outbox(db_session, None)
        assert [(row.canal, row.destinataire) for row in rows[:2]] == [
            ("email", EMAIL),
            ("sms", PHONE),
        ]

    async def test_logs_without_the_body(
        self, db_session: AsyncSession, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.DEBUG, logger="hostolink")
        await OutboxSender().send(
            db_session, otp_message("sms", PHONE, "518204", "verification", 5)
        )

        ours = [r for r in caplog.records if r.name.startswith("hostolink")]
        assert [r.getMessage() for r in ours] == ["message written to outbox"]
        logged = str(vars(ours[0]))
        assert "518204" not in logged
        assert PHONE not in logged
        assert ours[0].__dict__["channel"] == "sms"


async def add(
    session: AsyncSession, to: str, corps: str, *, at: datetime | None = None
) -> MessageSortant:
    row = MessageSortant(canal="sms", destinataire=to, sujet=None, corps=corps)
    if at is not None:
        row.date_creation = at
    session.add(row)
    await session.flush()
    return row


class TestReadOutbox:
    async def test_newest_first_within_one_transaction(self, db_session: AsyncSession) -> None:
        # now() is the transaction's time: every row gets the same date_creation.
        for index in range(3):
            await add(db_session, PHONE, f"message {index}")
        rows = await read_outbox(db_session, PHONE)
        assert [row.corps for row in rows] == ["message 2", "message 1", "message 0"]

    async def test_newest_by_date_even_when_written_later(self, db_session: AsyncSession) -> None:
        now = datetime.now(UTC)
        await add(db_session, PHONE, "recent", at=now)
        await add(db_session, PHONE, "old", at=now - timedelta(hours=1))
        rows = await read_outbox(db_session, PHONE)
        assert [row.corps for row in rows] == ["recent", "old"]

    async def test_filters_on_the_recipient(self, db_session: AsyncSession) -> None:
        await add(db_session, PHONE, "for awa")
        await add(db_session, OTHER_PHONE, "for yao")
        assert [row.corps for row in await read_outbox(db_session, PHONE)] == ["for awa"]
        assert [row.corps for row in await read_outbox(db_session, OTHER_PHONE)] == ["for yao"]
        assert await read_outbox(db_session, "+2250000000000") == []

    async def test_without_a_recipient_reads_everyone(self, db_session: AsyncSession) -> None:
        await add(db_session, PHONE, "for awa")
        await add(db_session, OTHER_PHONE, "for yao")
        corps = [row.corps for row in await read_outbox(db_session, None)]
        assert corps[:2] == ["for yao", "for awa"]

    async def test_limit(self, db_session: AsyncSession) -> None:
        for index in range(25):
            await add(db_session, PHONE, f"message {index}")
        assert len(await read_outbox(db_session, PHONE)) == 20
        latest = await read_outbox(db_session, PHONE, limit=3)
        assert [row.corps for row in latest] == ["message 24", "message 23", "message 22"]
        total = await db_session.scalar(
            select(func.count()).where(MessageSortant.destinataire == PHONE)
        )
        assert total == 25


class TestFormatOutbox:
    def test_an_empty_outbox_says_so(self) -> None:
        assert format_outbox([]) == EMPTY_OUTBOX

    def test_one_block_per_message(self) -> None:
        at = datetime(2025, 3, 1, 8, 30, 5, tzinfo=UTC)
        rows = [
            MessageSortant(
                canal="email",
                destinataire=EMAIL,
                sujet="Votre code de vérification Hostolink",
                corps="Bonjour,\n\n    904417\n",
                date_creation=at + timedelta(minutes=1),
            ),
            MessageSortant(
                canal="sms",
                destinataire=PHONE,
                sujet=None,
                corps="Hostolink : votre code de vérification est 123456.",
                date_creation=at,
            ),
        ]
        assert format_outbox(rows) == (
            f"[2025-03-01 08:31:05 UTC] EMAIL pour {EMAIL}\n"
            "    Sujet : Votre code de vérification Hostolink\n"
            "    Bonjour,\n"
            "\n"
            "        904417\n"
            "\n"
            f"[2025-03-01 08:30:05 UTC] SMS pour {PHONE}\n"
            "    Hostolink : votre code de vérification est 123456."
        )

    def test_dates_are_shown_in_utc(self) -> None:
        paris_winter = datetime(2025, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=1)))
        row = MessageSortant(canal="sms", destinataire=PHONE, corps="x", date_creation=paris_winter)
        assert format_outbox([row]).startswith("[2025-03-01 10:00:00 UTC]")

    @pytest.mark.parametrize("to", [PHONE, EMAIL])
    async def test_reads_what_the_sender_wrote(self, db_session: AsyncSession, to: str) -> None:
        channel: Channel = "email" if "@" in to else "sms"
        await OutboxSender().send(db_session, otp_message(channel, to, "660213", "verification", 5))
        printed = format_outbox(await read_outbox(db_session, to))
        assert to in printed
        assert "660213" in printed
