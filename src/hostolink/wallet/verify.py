"""`hostolink ledger verify`: the ledger's invariants, checked on the whole database.

1. every account's balance equals the sum of its entries (and its last entry's
   `solde_apres`) — a system account's balance being the sum of its buckets
   (`sous_compte_systeme`): each bucket equals the sum of the entries filed under it and
   its last entry's `solde_apres`; its own `compte.solde` is 0; every system entry names a
   bucket and no other entry does;
2. every transaction has ≥2 entries summing to zero, so all entries sum to zero;
3. no balance below zero outside system accounts;
4. a two-party payment's entries match its header (destination +montant, source
   −(montant + frais)).
The database enforces 2 and 3 on every commit; this command proves nothing slipped past
(a restore, a manual edit, a bug in a migration) and is what a crash test runs afterwards.

The same checks run every HOSTOLINK_LEDGER_CHECK_INTERVAL_MINUTES for the whole cluster
(wallet/ledger_check.py), within a time budget: the whole ledger each time, not only what
changed since the last check, because a balance is checked against all of its entries.
Measured on PostgreSQL 15 (a shared 2-core machine): 20,000 accounts, 1,000,000 transactions
and 2,000,000 entries, 4.0 to 4.6 s; 100,000 accounts, 5,000,000 transactions and
10,000,000 entries, 23 to 24 s. Linear: the three joins over `ecriture` take about 0.6 s per
million entries each. The bucket checks of system accounts (revision 0010) add three
more passes over `ecriture`; not measured again at that scale.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable, Result, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

CHECKS: dict[str, str] = {
    # A system account's balance: its buckets' sum (its own `solde` is 0, checked below).
    "solde ≠ somme des écritures": """
        SELECT c.numero_compte, c.solde + coalesce(b.total, 0) AS solde,
               coalesce(s.total, 0) AS attendu
        FROM compte c
        LEFT JOIN (SELECT id_compte, sum(montant) AS total FROM ecriture GROUP BY id_compte) s
          ON s.id_compte = c.id_compte
        LEFT JOIN (SELECT id_compte, sum(solde) AS total FROM sous_compte_systeme
                   GROUP BY id_compte) b ON b.id_compte = c.id_compte
        WHERE c.solde + coalesce(b.total, 0) <> coalesce(s.total, 0)
        ORDER BY c.id_compte""",
    "solde ≠ solde_apres de la dernière écriture": """
        SELECT c.numero_compte, c.solde, d.solde_apres
        FROM compte c
        JOIN (SELECT DISTINCT ON (id_compte) id_compte, solde_apres FROM ecriture
              WHERE sous_compte IS NULL
              ORDER BY id_compte, id_ecriture DESC) d ON d.id_compte = c.id_compte
        WHERE c.solde <> d.solde_apres
        ORDER BY c.id_compte""",
    # Each bucket against the entries filed under it, like an account: its sum and its
    # last entry's `solde_apres` (entries of one bucket are posted one at a time, under its
    # row lock, so the last by id is the last posted).
    "sous-compte ≠ somme de ses écritures": """
        SELECT c.numero_compte, coalesce(b.sous_compte, e.sous_compte) AS sous_compte,
               coalesce(b.solde, 0) AS solde, coalesce(e.total, 0) AS attendu
        FROM sous_compte_systeme b
        FULL JOIN (SELECT id_compte, sous_compte, sum(montant) AS total FROM ecriture
                   WHERE sous_compte IS NOT NULL GROUP BY id_compte, sous_compte) e
          ON e.id_compte = b.id_compte AND e.sous_compte = b.sous_compte
        JOIN compte c ON c.id_compte = coalesce(b.id_compte, e.id_compte)
        WHERE coalesce(b.solde, 0) <> coalesce(e.total, 0)
        ORDER BY c.id_compte, 2""",
    "sous-compte ≠ solde_apres de sa dernière écriture": """
        SELECT c.numero_compte, b.sous_compte, b.solde, d.solde_apres
        FROM sous_compte_systeme b
        JOIN compte c ON c.id_compte = b.id_compte
        JOIN (SELECT DISTINCT ON (id_compte, sous_compte) id_compte, sous_compte, solde_apres
              FROM ecriture WHERE sous_compte IS NOT NULL
              ORDER BY id_compte, sous_compte, id_ecriture DESC) d
          ON d.id_compte = b.id_compte AND d.sous_compte = b.sous_compte
        WHERE b.solde <> d.solde_apres
        ORDER BY b.id_compte, b.sous_compte""",
    "sous-compte mal placé": """
        SELECT c.numero_compte, 'écriture ' || e.id_ecriture AS ligne
        FROM ecriture e JOIN compte c ON c.id_compte = e.id_compte
        WHERE (c.type_compte = 'systeme') <> (e.sous_compte IS NOT NULL)
        UNION ALL
        SELECT c.numero_compte, 'sous-compte ' || b.sous_compte
        FROM sous_compte_systeme b JOIN compte c ON c.id_compte = b.id_compte
        WHERE c.type_compte <> 'systeme'
        UNION ALL
        SELECT numero_compte, 'solde propre ' || solde FROM compte
        WHERE type_compte = 'systeme' AND solde <> 0
        ORDER BY 1, 2""",
    "transaction déséquilibrée": """
        SELECT t.reference, count(e.id_ecriture) AS ecritures, coalesce(sum(e.montant), 0) AS somme
        FROM "transaction" t LEFT JOIN ecriture e ON e.id_transaction = t.id_transaction
        GROUP BY t.id_transaction
        HAVING count(e.id_ecriture) < 2 OR coalesce(sum(e.montant), 0) <> 0
        ORDER BY t.id_transaction""",
    "solde négatif": """
        SELECT numero_compte, solde FROM compte
        WHERE solde < 0 AND type_compte <> 'systeme' ORDER BY id_compte""",
    "en-tête ≠ écritures": """
        SELECT t.reference, t.montant, t.frais, d.montant AS credit, s.montant AS debit
        FROM "transaction" t
        LEFT JOIN ecriture d ON d.id_transaction = t.id_transaction
             AND d.id_compte = t.id_compte_destination
        LEFT JOIN ecriture s ON s.id_transaction = t.id_transaction
             AND s.id_compte = t.id_compte_source
        WHERE t.type_transaction IN ('transfert', 'paiement_qr', 'paiement_marchand')
          AND (d.montant IS DISTINCT FROM t.montant
               OR s.montant IS DISTINCT FROM -(t.montant + t.frais))
        ORDER BY t.id_transaction""",
}
TOTALS = text(
    """SELECT (SELECT count(*) FROM compte) AS comptes,
              (SELECT count(*) FROM "transaction") AS transactions,
              (SELECT count(*) FROM ecriture) AS ecritures,
              (SELECT coalesce(sum(montant), 0) FROM ecriture) AS somme"""
)
SHOWN = 20


@dataclass
class Report:
    comptes: int = 0
    transactions: int = 0
    ecritures: int = 0
    somme: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.somme == 0 and not self.problems

    @property
    def discrepancies(self) -> int:
        """Problem rows found (a non-zero sum of all entries implies an unbalanced
        transaction, already counted; alone, it counts one)."""
        found = sum(len(rows) for rows in self.problems.values())
        return found or (1 if self.somme else 0)

    def lines(self) -> list[str]:
        out = [
            f"{self.comptes} comptes, {self.transactions} transactions, "
            f"{self.ecritures} écritures ; somme de toutes les écritures : {self.somme}"
        ]
        for name, rows in self.problems.items():
            out.append(f"ÉCART — {name} : {len(rows)}")
            out.extend(f"  {row}" for row in rows[:SHOWN])
            if len(rows) > SHOWN:
                out.append(f"  … et {len(rows) - SHOWN} autres")
        out.append("Grand livre cohérent." if self.ok else "Grand livre INCOHÉRENT.")
        return out


class CheckTimedOut(Exception):
    """The check ran out of its time budget (the statement running was cancelled)."""


_QUERY_CANCELED = "57014"


async def verify(connection: AsyncConnection, *, budget_seconds: float | None = None) -> Report:
    """With `budget_seconds`, the whole check stops at that bound: each statement runs under
    a `statement_timeout` of the time left (`SET LOCAL`: for this transaction only), and
    `CheckTimedOut` is raised."""
    # One snapshot for every check: REPEATABLE READ, read-only.
    await connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds

    async def run(statement: Executable) -> Result[Any]:
        if deadline is not None:
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                raise CheckTimedOut
            await connection.execute(
                text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(left_ms)}
            )
        try:
            return await connection.execute(statement)
        except DBAPIError as exc:
            if deadline is not None and getattr(exc.orig, "sqlstate", None) == _QUERY_CANCELED:
                raise CheckTimedOut from exc
            raise

    totals = (await run(TOTALS)).one()
    report = Report(totals.comptes, totals.transactions, totals.ecritures, int(totals.somme))
    for name, query in CHECKS.items():
        rows = (await run(text(query))).all()
        if rows:
            report.problems[name] = [", ".join(str(value) for value in row) for row in rows]
    return report
