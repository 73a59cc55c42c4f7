"""In-app notifications of money movements, written after the money has committed.

They run as the answer's background task: the transfer is already committed and answered,
so a failure here (a constraint, the database briefly away) is logged and never touches
the money or the answer. A crash between the commit and this write loses the in-app
notice, not the money; the history still shows the movement. For the same reason they are
written on the `notices` pool, whose commits do not wait for the WAL flush.
"""

from __future__ import annotations

import logging
from typing import Any

from hostolink.db import Database
from hostolink.kit.money import format_xof
from hostolink.wallet import repository
from hostolink.wallet.schemas import TransferAnswer

logger = logging.getLogger("hostolink.wallet.notify")

Row = tuple[int, str, str, str, dict[str, Any]]


def transfer_rows(
    answer: TransferAnswer, *, sender: int | None, recipient: int | None, sender_name: str
) -> list[Row]:
    data = answer.data
    link = {"reference": data.reference}
    rows: list[Row] = []
    if sender is not None:
        rows.append(
            (
                sender,
                "argent_envoye",
                "Argent envoyé",
                f"Vous avez envoyé {format_xof(data.montant)} à {data.destinataire.nom_affiche}.",
                link,
            )
        )
    if recipient is not None:
        kind = "paiement_recu" if data.type_transaction != "transfert" else "argent_recu"
        title = "Paiement reçu" if kind == "paiement_recu" else "Argent reçu"
        rows.append(
            (
                recipient,
                kind,
                title,
                f"Vous avez reçu {format_xof(data.montant)} de {sender_name}.",
                link,
            )
        )
    return rows


async def record(
    db: Database,
    *,
    transaction_id: int,
    rows: list[Row],
    sender: int | None = None,
    recipient: int | None = None,
) -> None:
    if not rows:
        return
    try:
        async with db.notices.connect() as connection:
            await repository.notify(
                connection,
                transaction_id=transaction_id,
                rows=rows,
                sender=sender,
                recipient=recipient,
            )
    except Exception:  # never let a notice disturb a committed payment
        logger.exception("could not record the notifications of transaction %s", transaction_id)
