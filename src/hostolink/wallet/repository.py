"""Every query of the wallet.

The payment path is a handful of statements written once (prepared and cached by asyncpg):
1. `CLAIM_AND_LOCK`: claim the Idempotency-Key, lock the people's and merchants' accounts
   by ascending id (`ORDER BY … FOR UPDATE`: the lock node sits above the sort, so two
   opposite transfers lock in the same order and cannot deadlock), read the system accounts
   the movement needs (fees, a provider's float…) without locking them, and read the
   limits and the fee rule;
2. `POST`: the `transaction` header, its entries, the balances and limit counters, and the
   stored answer of the Idempotency-Key, in one statement. A system account's entry goes
   to one of its buckets (`sous_compte_systeme`, chosen at random by the caller), added by
   an upsert in ascending account id that returns the bucket's balance after it: the
   bucket stays locked only from this last statement to the commit, and concurrent
   postings rarely meet on one (a system account no longer serializes the money flow).
Both run inside the request's transaction; the funds and limits are checked in Python
between them, on rows this transaction holds locked.

The global lock order stays: people's and merchants' rows by ascending id (statement 1),
then one bucket per system account by ascending account id (statement 2). A transaction
waiting for a bucket holds only rows earlier in that order, so no wait can close a cycle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, null, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hostolink.kit.money import CURRENCY
from hostolink.models import Compte, EtablissementSante, Utilisateur
from hostolink.models.compte import user_wallet_of

_USER_WALLET = user_wallet_of(Utilisateur.id_user)

_PARTY_COLUMNS = (
    Compte.id_compte,
    Compte.numero_compte,
    Compte.type_compte,
    Compte.statut,
    Utilisateur.id_user,
    Utilisateur.prenom,
    Utilisateur.nom,
    Utilisateur.telephone,
    Utilisateur.email,
    Utilisateur.actif,
)


def _party_by(condition: Any) -> Select[*tuple[Any, ...]]:
    return (
        select(*_PARTY_COLUMNS, null().label("etablissement"))
        .join(Compte, _USER_WALLET)
        .where(condition)
    )


def _party_of_account(condition: Any) -> Select[*tuple[Any, ...]]:
    """Any account: a person's wallet, or an establishment's merchant account (its name)."""
    return (
        select(*_PARTY_COLUMNS, EtablissementSante.nom.label("etablissement"))
        .select_from(Compte)
        .outerjoin(Utilisateur, Utilisateur.id_user == Compte.id_user)
        .outerjoin(
            EtablissementSante, EtablissementSante.id_etablissement == Compte.id_etablissement
        )
        .where(condition)
    )


PARTY_BY_PHONE = _party_by(Utilisateur.telephone == bindparam("value"))
PARTY_BY_EMAIL = _party_by(Utilisateur.email == bindparam("value"))
PARTY_BY_USER = _party_by(Utilisateur.id_user == bindparam("value"))
PARTY_BY_ACCOUNT = _party_of_account(Compte.id_compte == bindparam("value"))
PARTY_BY_NUMBER = _party_of_account(Compte.numero_compte == bindparam("value"))

# -------------------------------------------------------------------------- payment path

_ACCOUNT_COLUMNS = """
    SELECT c.id_compte, c.numero_compte, c.type_compte, c.statut, c.solde, c.id_user, c.devise,
           c.cumul_envoi_jour, c.cumul_envoi_mois, c.cumul_retrait_jour, c.cumul_retrait_mois,
           c.date_cumul,
           p.niveau_kyc, p.solde_max, p.montant_max_operation,
           p.plafond_envoi_journalier, p.plafond_envoi_mensuel,
           p.plafond_retrait_journalier, p.plafond_retrait_mensuel
    FROM compte c
    LEFT JOIN utilisateur u ON u.id_user = c.id_user
    LEFT JOIN plafond_kyc p ON p.niveau_kyc = u.niveau_kyc"""

# People's and merchants' rows locked by ascending id; system accounts only read (their
# balance is in their buckets, written by POST).
_LOCK_BODY = """{with_} verrouilles AS ({columns}
    WHERE c.id_compte = ANY(CAST(:ids AS bigint[])) AND c.type_compte <> 'systeme'
    ORDER BY c.id_compte
    FOR UPDATE OF c
), systeme AS ({columns}
    WHERE c.type_compte = 'systeme'
      AND (c.id_compte = ANY(CAST(:ids AS bigint[]))
           OR c.code_systeme = ANY(CAST(:codes AS varchar[])))
)
SELECT x.*, f.frais_fixe, f.taux_points_base, f.frais_min, f.frais_max {claimed}
FROM (SELECT * FROM verrouilles UNION ALL SELECT * FROM systeme) x
LEFT JOIN LATERAL (
    SELECT b.frais_fixe, b.taux_points_base, b.frais_min, b.frais_max
    FROM bareme_frais b
    WHERE b.actif AND b.type_operation = CAST(:fee_type AS varchar) AND b.fournisseur IS NULL
      AND b.devise = x.devise
      AND b.montant_min <= :fee_amount
      AND (b.montant_max IS NULL OR b.montant_max >= :fee_amount)
      AND b.date_debut <= now() AND (b.date_fin IS NULL OR b.date_fin > now())
    ORDER BY b.montant_min DESC, b.id_bareme DESC
    LIMIT 1
) f ON true
"""

# `format` only inserts constant SQL of this module, never input.
LOCK = text(_LOCK_BODY.format(with_="WITH", columns=_ACCOUNT_COLUMNS, claimed=""))

# An expired key may be claimed again (its stored answer is no longer promised).
_CLAIM = """
WITH cle AS (
    INSERT INTO cle_idempotence (id_user, cle, empreinte_requete, statut, date_expiration)
    VALUES (:idem_user, :idem_key, :idem_hash, 'en_cours', :idem_expires)
    ON CONFLICT (id_user, cle) DO UPDATE
        SET empreinte_requete = EXCLUDED.empreinte_requete, statut = 'en_cours',
            code_http = NULL, reponse = NULL, id_transaction = NULL,
            date_creation = now(), date_expiration = EXCLUDED.date_expiration
        WHERE cle_idempotence.date_expiration < now()
    RETURNING id_cle
)"""
CLAIM_AND_LOCK = text(
    _CLAIM
    + _LOCK_BODY.format(
        with_=",", columns=_ACCOUNT_COLUMNS, claimed=", (SELECT id_cle FROM cle) AS id_cle"
    )
)

STORED_KEY = text(
    "SELECT empreinte_requete, statut, code_http, reponse FROM cle_idempotence"
    " WHERE id_user = :user_id AND cle = :key"
)

POST = text(
    """
WITH t AS (
    INSERT INTO "transaction" (
        reference, type_transaction, montant, frais, devise, id_compte_source,
        id_compte_destination, id_user_initiateur, id_qr_code, id_operation,
        id_transaction_annulee, description, motif, date_creation)
    VALUES (:reference, :type_transaction, :montant, :frais, :devise, :source,
        :destination, :initiateur, :qr, :operation, :annulee, :description, :motif, :date)
    RETURNING id_transaction
), x AS (
    SELECT * FROM unnest(CAST(:comptes AS bigint[]), CAST(:montants AS bigint[]),
                         CAST(:soldes AS bigint[]), CAST(:sous_comptes AS smallint[]),
                         CAST(:envoi_jour AS bigint[]), CAST(:envoi_mois AS bigint[]),
                         CAST(:retrait_jour AS bigint[]), CAST(:retrait_mois AS bigint[]))
         AS x(id_compte, montant, solde_apres, sous_compte,
              envoi_jour, envoi_mois, retrait_jour, retrait_mois)
), b AS (
    INSERT INTO sous_compte_systeme AS s (id_compte, sous_compte, solde, date_modification)
    SELECT x.id_compte, x.sous_compte, x.montant, :date FROM x
    WHERE x.sous_compte IS NOT NULL
    ORDER BY x.id_compte
    ON CONFLICT (id_compte, sous_compte) DO UPDATE
        SET solde = s.solde + EXCLUDED.solde, date_modification = EXCLUDED.date_modification
    RETURNING s.id_compte, s.solde
), e AS (
    INSERT INTO ecriture (
        id_transaction, id_compte, montant, solde_apres, sous_compte, date_creation)
    SELECT t.id_transaction, x.id_compte, x.montant, coalesce(b.solde, x.solde_apres),
           x.sous_compte, :date
    FROM t, x LEFT JOIN b ON b.id_compte = x.id_compte
), u AS (
    UPDATE compte c
    SET solde = c.solde + x.montant,
        cumul_envoi_jour = x.envoi_jour, cumul_envoi_mois = x.envoi_mois,
        cumul_retrait_jour = x.retrait_jour, cumul_retrait_mois = x.retrait_mois,
        date_cumul = :jour, date_modification = :date
    FROM x
    WHERE c.id_compte = x.id_compte AND x.sous_compte IS NULL
), k AS (
    UPDATE cle_idempotence
    SET statut = 'terminee', code_http = :code_http, reponse = CAST(:reponse AS jsonb),
        id_transaction = (SELECT id_transaction FROM t)
    WHERE id_cle = CAST(:id_cle AS bigint)
), r AS (
    UPDATE "transaction" SET statut = 'remboursee'
    WHERE id_transaction = CAST(:annulee AS bigint)
)
SELECT id_transaction FROM t
"""
)


@dataclass(frozen=True)
class Posting:
    """Everything one ledger transaction writes (the header, entries, balances)."""

    reference: str
    type_transaction: str
    montant: int
    frais: int
    source: int | None
    destination: int | None
    initiator: int | None
    description: str | None
    motif: str | None
    qr: int | None
    operation: int | None
    reverses: int | None
    created_at: datetime
    day: date
    accounts: list[int]
    amounts: list[int]
    balances_after: list[int | None]  # None for a system account (its bucket's, by POST)
    buckets: list[int | None]  # a system account's bucket, None for the others
    counters: list[tuple[int, int, int, int]]
    idempotency_id: int | None = None
    answer_status: int | None = None
    answer_json: str | None = None

    def with_answer(self, *, idempotency_id: int | None, status: int, body: str) -> Posting:
        """The answer stored with the Idempotency-Key, in the posting's statement."""
        return replace(self, idempotency_id=idempotency_id, answer_status=status, answer_json=body)


async def post(session: AsyncSession, posting: Posting) -> int:
    # Core execution on the session's connection: the ORM layer adds nothing to text().
    params = {
        "reference": posting.reference,
        "type_transaction": posting.type_transaction,
        "montant": posting.montant,
        "frais": posting.frais,
        "devise": CURRENCY,
        "source": posting.source,
        "destination": posting.destination,
        "initiateur": posting.initiator,
        "qr": posting.qr,
        "operation": posting.operation,
        "annulee": posting.reverses,
        "description": posting.description,
        "motif": posting.motif,
        "date": posting.created_at,
        "jour": posting.day,
        "comptes": posting.accounts,
        "montants": posting.amounts,
        "soldes": posting.balances_after,
        "sous_comptes": posting.buckets,
        "envoi_jour": [c[0] for c in posting.counters],
        "envoi_mois": [c[1] for c in posting.counters],
        "retrait_jour": [c[2] for c in posting.counters],
        "retrait_mois": [c[3] for c in posting.counters],
        "id_cle": posting.idempotency_id,
        "code_http": posting.answer_status,
        "reponse": posting.answer_json,
    }
    connection = await session.connection()
    return int((await connection.execute(POST, params)).scalar_one())


SYSTEM_BALANCE = text(
    "SELECT coalesce(sum(s.solde), 0) FROM compte c"
    " JOIN sous_compte_systeme s ON s.id_compte = c.id_compte WHERE c.code_systeme = :code"
)


async def system_balance(connection: AsyncConnection, code: str) -> int:
    """A system account's balance: the sum of its buckets (`compte.solde` stays 0)."""
    return int((await connection.execute(SYSTEM_BALANCE, {"code": code})).scalar_one())


async def system_account_id(session: AsyncSession, code: str) -> int:
    statement = select(Compte.id_compte).where(Compte.code_systeme == code)
    found = await session.scalar(statement)
    if found is None:
        raise RuntimeError(f"system account {code!r} is missing: run `hostolink seed`")
    return int(found)


# ------------------------------------------------------------------------- notifications

NOTIFY = text(
    """
INSERT INTO notification (id_user, type_notification, titre, contenu, donnees, id_transaction)
SELECT x.id_user, x.type_notification, x.titre, x.contenu, CAST(x.donnees AS jsonb),
       x.id_transaction
FROM unnest(CAST(:users AS integer[]), CAST(:types AS varchar[]),
            CAST(:titres AS varchar[]), CAST(:contenus AS text[]),
            CAST(:donnees AS text[]), CAST(:transactions AS bigint[]))
     AS x(id_user, type_notification, titre, contenu, donnees, id_transaction)
"""
)


@dataclass(frozen=True)
class Notice:
    """One in-app notification row about a transaction."""

    user_id: int
    kind: str
    title: str
    text: str
    data: dict[str, Any]
    transaction_id: int


async def notify(connection: AsyncConnection, *, notices: list[Notice]) -> None:
    if not notices:
        return
    await connection.execute(
        NOTIFY,
        {
            "users": [n.user_id for n in notices],
            "types": [n.kind for n in notices],
            "titres": [n.title for n in notices],
            "contenus": [n.text for n in notices],
            "donnees": [json.dumps(n.data) for n in notices],
            "transactions": [n.transaction_id for n in notices],
        },
    )
