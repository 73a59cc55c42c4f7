"""In-app notifications of money movements, written after the money has committed.

They run as the answer's background task: the transfer is already committed and answered,
so a failure here (a constraint, the database briefly away) is logged and never touches the
money or the answer. A crash between the commit and this write loses the in-app notice, not
the money; the history still shows the movement. For the same reason they are written on
the `notices` pool, whose commits do not wait for the WAL flush.

Under load, notices are written in groups: while one insert is in flight, the notices of
the transfers finishing meanwhile wait in memory and go in the next single insert. Alone,
a transfer's notices are written at once (before its background task ends).
"""

from __future__ import annotations

import logging

from hostolink.contacts import service as contacts
from hostolink.db import Database
from hostolink.kit.money import format_xof, sentence
from hostolink.notifications import push
from hostolink.wallet import repository
from hostolink.wallet.repository import Notice
from hostolink.wallet.schemas import TransferAnswer

logger = logging.getLogger("hostolink.wallet.notify")


def transfer_notices(
    answer: TransferAnswer,
    *,
    transaction_id: int,
    sender: int | None,
    recipient: int | None,
    sender_name: str,
) -> list[Notice]:
    data = answer.data
    link = {"reference": data.reference}
    notices: list[Notice] = []
    if sender is not None:
        text = sentence(
            f"Vous avez envoyé {format_xof(data.montant)} à {data.destinataire.nom_affiche}"
        )
        notices.append(Notice(sender, "argent_envoye", "Argent envoyé", text, link, transaction_id))
    if recipient is not None:
        kind = "paiement_recu" if data.type_transaction != "transfert" else "argent_recu"
        title = "Paiement reçu" if kind == "paiement_recu" else "Argent reçu"
        text = sentence(f"Vous avez reçu {format_xof(data.montant)} de {sender_name}")
        notices.append(Notice(recipient, kind, title, text, link, transaction_id))
    return notices


class NoticeWriter:
    """Coalesces the notices of one API process into as few inserts as the load allows."""

    def __init__(self, db: Database, *, push: bool = False) -> None:
        self._db = db
        self._push = push  # Firebase configured: queue a push job per notice
        self._notices: list[Notice] = []
        self._pairs: list[tuple[int, int]] = []
        self._writing = False

    async def write(self, notices: list[Notice], *, pair: tuple[int, int] | None = None) -> None:
        self._notices.extend(notices)
        if pair is not None:
            self._pairs.append(pair)
        if self._writing:
            return  # the writer in flight takes these in its next insert
        self._writing = True
        try:
            while self._notices or self._pairs:
                notices, self._notices = self._notices, []
                pairs, self._pairs = self._pairs, []
                await self._insert(notices, pairs)
        finally:
            self._writing = False

    async def _insert(self, notices: list[Notice], pairs: list[tuple[int, int]]) -> None:
        try:
            async with self._db.notices.connect() as connection:
                await repository.notify(connection, notices=notices)
                if self._push:
                    # One statement, atomic on this autocommit connection: a job for each
                    # notice whose person has a device.
                    await push.enqueue_for_transactions(
                        connection, [n.transaction_id for n in notices]
                    )
                await contacts.touch_last_sent(connection, pairs=pairs)
        except Exception:  # never let a notice disturb a committed payment
            references = sorted({n.transaction_id for n in notices})
            logger.exception(
                "could not record %d notices (transactions %s)", len(notices), references
            )
