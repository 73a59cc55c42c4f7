"""The archive itself: `donnees.json` (everything, structured), one CSV per section and a
LISEZMOI.txt saying what each file holds, written into a ZIP file on disk page by page.

Memory stays bounded however long the history: every section is read in pages (keyset
order, `PAGE` rows at a time; the transactions through the very function that serves
`GET /api/transactions`, so the file and the screen say the same), each page is written to
its CSV entry of the ZIP and to a JSON file beside it, which joins the ZIP at the end (a ZIP
entry is written one at a time: the JSON could not be written into it alongside the CSVs).

CSV: UTF-8 with a byte-order mark and `;` between fields. Excel set to French reads a
file without BOM as Windows-1252 (accents garbled: « DÃ©pÃ´t ») and, the comma being the
decimal separator there, expects `;` between fields; without both it shows one column of
mangled text. Amounts are whole F CFA (the currency has no subunit); dates are Abidjan's
(UTC+0, no daylight saving), written `AAAA-MM-JJ HH:MM:SS` in the CSVs and ISO 8601 in the
JSON.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.kit.masking import mask_phone
from hostolink.models import (
    AppareilPush,
    Commentaire,
    Compte,
    ContactsEnregistres,
    ConversationAssistance,
    HistoriqueOperation,
    Message,
    MessageAssistance,
    Notification,
    OperationFournisseur,
    Publication,
    Reclamations,
    Thematiques,
    Utilisateur,
    VerificationIdentite,
)
from hostolink.wallet import history
from hostolink.wallet.parties import show
from hostolink.wallet.schemas import HistoryFilters, HistoryItem

ABIDJAN = timezone(timedelta(0), "Africa/Abidjan")
PAGE = 500
FORMAT = "hostolink-export-1"

Row = dict[str, Any]


def local_iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(ABIDJAN).isoformat()


def local_text(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(ABIDJAN).strftime("%Y-%m-%d %H:%M:%S")


class _Section:
    """One CSV entry: its columns, and how a JSON row becomes a CSV line."""

    def __init__(self, name: str, columns: list[str], flat: Callable[[Row], Row] | None = None):
        self.name = name
        self.columns = columns
        self.flat = flat or (lambda row: row)


def _is_date(column: str) -> bool:
    return column == "date" or column.startswith(("date_", "derniere_"))


def _csv_value(value: Any, column: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str) and _is_date(column):
        # The JSON's ISO date (already Abidjan's), as Excel reads one: 2026-03-01 12:00:00.
        return value[:19].replace("T", " ")
    return str(value)


class ArchiveWriter:
    """The ZIP being written and the JSON beside it (synchronous: small writes per page)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.json_path = path.with_name(path.name + ".json")
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.json: IO[str] = self.json_path.open("w", encoding="utf-8")
        self.counts: dict[str, int] = {}
        self._csv: Any = None
        self._text: io.TextIOWrapper | None = None
        self._section: _Section | None = None
        self._first_item = True
        self._in_json = False
        self.json.write("{")

    def header(self, generated_at: datetime) -> None:
        self.json.write(f'"format": "{FORMAT}", "genere_le": {json.dumps(local_iso(generated_at))}')

    def single(self, key: str, value: Any) -> None:
        self.json.write(f", {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")

    def open_list(self, key: str | None, section: _Section) -> None:
        """Start a section: its CSV entry, and its list in the JSON unless `key` is None."""
        self._in_json = key is not None
        if key is not None:
            self.json.write(f", {json.dumps(key)}: [")
        self._first_item = True
        self._section = section
        self.counts[section.name] = 0
        # Deflated, written as it comes (never the whole file in memory).
        self._text = io.TextIOWrapper(
            self.zip.open(section.name, "w", force_zip64=True), encoding="utf-8-sig", newline=""
        )
        self._csv = csv.writer(self._text, delimiter=";", lineterminator="\r\n")
        self._csv.writerow(section.columns)

    def rows(self, rows: list[Row]) -> None:
        section = self._section
        if section is None:
            raise RuntimeError("no section open")
        for row in rows:
            if self._in_json:
                if not self._first_item:
                    self.json.write(", ")
                self._first_item = False
                self.json.write(json.dumps(row, ensure_ascii=False))
            flat = section.flat(row)
            self._csv.writerow([_csv_value(flat.get(column), column) for column in section.columns])
        self.counts[section.name] += len(rows)

    def close_list(self) -> None:
        if self._in_json:
            self.json.write("]")
        if self._text is not None:
            self._text.close()
        self._text = self._csv = self._section = None

    def finish(self, readme: str) -> None:
        self.json.write("}")
        self.json.close()
        self.zip.write(self.json_path, "donnees.json")
        self.zip.writestr("LISEZMOI.txt", readme.replace("\n", "\r\n").encode("utf-8-sig"))
        self.zip.close()
        self.json_path.unlink(missing_ok=True)

    def abandon(self) -> None:
        for closing in (self._text, self.json, self.zip):
            try:
                if closing is not None:
                    closing.close()
            except Exception:  # noqa: S110 - cleaning up after a failure already raised
                pass
        self.json_path.unlink(missing_ok=True)
        self.path.unlink(missing_ok=True)


# ------------------------------------------------------------------------------ sections


def _party_flat(prefix: str, party: Row | None) -> Row:
    party = party or {}
    return {
        f"{prefix}_nom": party.get("nom_affiche"),
        f"{prefix}_telephone": party.get("telephone_masque"),
        f"{prefix}_compte": party.get("numero_compte"),
    }


def transaction_row(item: HistoryItem) -> Row:
    row: Row = item.model_dump(mode="json")
    row["date"] = local_iso(item.date)
    return row


TRANSACTIONS = _Section(
    "transactions.csv",
    [
        "reference",
        "date",
        "type_transaction",
        "statut",
        "sens",
        "montant",
        "frais",
        "contrepartie_nom",
        "contrepartie_telephone",
        "contrepartie_compte",
        "solde_apres",
        "description",
    ],
    lambda row: {**row, **_party_flat("contrepartie", row.get("contrepartie"))},
)
OPERATIONS = _Section(
    "operations.csv",
    [
        "reference",
        "date",
        "sens",
        "fournisseur",
        "montant",
        "frais",
        "numero",
        "statut",
        "motif_echec",
        "date_finalisation",
        "historique",
    ],
    lambda row: {
        **row,
        "historique": " > ".join(
            f"{h['statut']} ({_csv_value(h['date'], 'date')})" for h in row.get("historique", [])
        ),
    },
)
PUBLICATIONS = _Section(
    "publications.csv",
    ["id_publication", "date", "titre", "contenu", "statut", "likes", "commentaires", "partages"],
)
COMMENTAIRES = _Section(
    "commentaires.csv", ["id_commentaire", "id_publication", "date", "contenu", "statut"]
)
MESSAGES = _Section(
    "messages.csv",
    ["id_message", "id_thematique", "thematique", "date", "type_message", "contenu", "statut"],
)
ASSISTANCE = _Section(
    "assistance.csv",
    ["id_conversation", "sujet", "statut_conversation", "id_message", "date", "auteur", "contenu"],
)
RECLAMATIONS = _Section(
    "reclamations.csv",
    [
        "id_reclamation",
        "id_conversation",
        "date_ouverture",
        "categorie",
        "description",
        "statut",
        "resolution",
        "montant",
        "motif_decision",
        "date_decision",
    ],
)
NOTIFICATIONS = _Section(
    "notifications.csv", ["id_notification", "date", "type", "titre", "contenu", "lue"]
)
CONTACTS = _Section(
    "contacts.csv", ["alias", "nom", "telephone", "compte", "date_ajout", "date_dernier_envoi"]
)
APPAREILS = _Section("appareils.csv", ["plateforme", "date_enregistrement", "derniere_activite"])
VERIFICATIONS = _Section(
    "verifications_identite.csv",
    [
        "type_document",
        "numero_document",
        "niveau_demande",
        "statut",
        "motif_rejet",
        "date_soumission",
        "date_examen",
    ],
)
PROFIL = _Section(
    "profil.csv",
    [
        "id_user",
        "prenom",
        "nom",
        "telephone",
        "email",
        "pays",
        "date_inscription",
        "compte_verifie",
        "niveau_kyc",
        "derniere_connexion",
        "numero_compte",
        "solde",
        "devise",
        "statut_compte",
    ],
)


async def profile(session: AsyncSession, user_id: int) -> tuple[Row, int | None]:
    """The person and their wallet (its id, to read its history)."""
    user = await session.get_one(Utilisateur, user_id)
    wallet = await session.scalar(
        select(Compte).where(Compte.id_user == user_id, Compte.type_compte == "utilisateur")
    )
    row = {
        "id_user": user.id_user,
        "prenom": user.prenom,
        "nom": user.nom,
        "telephone": user.telephone,
        "email": user.email,
        "pays": user.pays,
        "date_inscription": local_iso(user.date_inscription),
        "compte_verifie": user.compte_verifier,
        "niveau_kyc": user.niveau_kyc,
        "derniere_connexion": local_iso(user.derniere_connexion),
        "numero_compte": wallet.numero_compte if wallet else None,
        "solde": wallet.solde if wallet else None,
        "devise": wallet.devise if wallet else None,
        "statut_compte": wallet.statut if wallet else None,
    }
    return row, wallet.id_compte if wallet else None


async def transactions(session: AsyncSession, account_id: int) -> AsyncIterator[list[Row]]:
    cursor: str | None = None
    while True:
        items, cursor = await history.account_history(
            session,
            account_id=account_id,
            filters=HistoryFilters(),
            cursor=cursor,
            limit=history.MAX_PAGE,
        )
        yield [transaction_row(item) for item in items]
        if cursor is None:
            return


async def operations(session: AsyncSession, user_id: int) -> AsyncIterator[list[Row]]:
    after = 0
    while True:
        page = (
            await session.scalars(
                select(OperationFournisseur)
                .where(
                    OperationFournisseur.id_user == user_id,
                    OperationFournisseur.id_operation > after,
                )
                .order_by(OperationFournisseur.id_operation)
                .limit(PAGE)
            )
        ).all()
        if not page:
            return
        after = page[-1].id_operation
        steps: dict[int, list[Row]] = {op.id_operation: [] for op in page}
        for step in await session.scalars(
            select(HistoriqueOperation)
            .where(HistoriqueOperation.id_operation.in_(list(steps)))
            .order_by(HistoriqueOperation.date_changement, HistoriqueOperation.id_historique)
        ):
            steps[step.id_operation].append(
                {"statut": step.statut, "date": local_iso(step.date_changement)}
            )
        yield [
            {
                "reference": str(op.reference),
                "date": local_iso(op.date_creation),
                "sens": op.sens,
                "fournisseur": op.fournisseur,
                "montant": op.montant,
                "frais": op.frais,
                "devise": op.devise,
                "numero": op.compte_externe,
                "statut": op.statut,
                "motif_echec": op.motif_echec,
                "date_finalisation": local_iso(op.date_finalisation),
                "historique": steps[op.id_operation],
            }
            for op in page
        ]


async def _pages(
    session: AsyncSession, model: Any, key: Any, where: Any, shape: Callable[[Any], Row]
) -> AsyncIterator[list[Row]]:
    after = 0
    while True:
        page = (
            await session.scalars(select(model).where(where, key > after).order_by(key).limit(PAGE))
        ).all()
        if not page:
            return
        after = getattr(page[-1], key.key)
        yield [shape(row) for row in page]


def publications(session: AsyncSession, user_id: int) -> AsyncIterator[list[Row]]:
    return _pages(
        session,
        Publication,
        Publication.id_publication,
        Publication.id_user == user_id,
        lambda p: {
            "id_publication": p.id_publication,
            "date": local_iso(p.date_publication),
            "titre": p.titre_publication,
            "contenu": p.contenu,
            "statut": p.statut,
            "likes": p.compteur_like,
            "commentaires": p.nombre_commentaires,
            "partages": p.nombre_partages,
        },
    )


def comments(session: AsyncSession, user_id: int) -> AsyncIterator[list[Row]]:
    return _pages(
        session,
        Commentaire,
        Commentaire.id_commentaire,
        Commentaire.id_user == user_id,
        lambda c: {
            "id_commentaire": c.id_commentaire,
            "id_publication": c.id_publication,
            "date": local_iso(c.date_commentaire),
            "contenu": c.contenu,
            "statut": c.statut,
        },
    )


async def messages(session: AsyncSession, user_id: int) -> AsyncIterator[list[Row]]:
    after = 0
    while True:
        page = (
            await session.execute(
                select(Message, Thematiques.titre)
                .join(Thematiques, Thematiques.id_thematique == Message.id_thematique)
                .where(Message.id_user == user_id, Message.id_message > after)
                .order_by(Message.id_message)
                .limit(PAGE)
            )
        ).all()
        if not page:
            return
        after = page[-1][0].id_message
        yield [
            {
                "id_message": m.id_message,
                "id_thematique": m.id_thematique,
                "thematique": titre,
                "date": local_iso(m.date_envoi),
                "type_message": m.type_message,
                "contenu": m.contenu,
                "statut": m.statut,
            }
            for m, titre in page
        ]


async def support_messages(session: AsyncSession, user_id: int) -> AsyncIterator[list[Row]]:
    """The person's help-desk conversations as they see them: their messages and the
    support's answers, never the agents' internal notes nor a hidden message's text."""
    after = 0
    while True:
        page = (
            await session.execute(
                select(MessageAssistance, ConversationAssistance)
                .join(
                    ConversationAssistance,
                    ConversationAssistance.id_conversation == MessageAssistance.id_conversation,
                )
                .where(
                    ConversationAssistance.id_user == user_id,
                    MessageAssistance.interne.is_(False),
                    MessageAssistance.id_message > after,
                )
                .order_by(MessageAssistance.id_message)
                .limit(PAGE)
            )
        ).all()
        if not page:
            return
        after = page[-1][0].id_message
        yield [
            {
                "id_conversation": c.id_conversation,
                "sujet": c.sujet,
                "statut_conversation": c.statut,
                "id_message": m.id_message,
                "date": local_iso(m.date_envoi),
                "auteur": {"utilisateur": "vous", "agent": "support"}.get(m.auteur, m.auteur),
                "contenu": m.contenu if m.statut == "publie" else None,
            }
            for m, c in page
        ]


def claims(session: AsyncSession, user_id: int) -> AsyncIterator[list[Row]]:
    return _pages(
        session,
        Reclamations,
        Reclamations.id_reclamation,
        Reclamations.id_user == user_id,
        lambda r: {
            "id_reclamation": r.id_reclamation,
            "id_conversation": r.id_conversation,
            "date_ouverture": local_iso(r.date_ouverture),
            "categorie": r.categorie,
            "description": r.description,
            "statut": r.statut,
            "resolution": r.resolution,
            "montant": r.montant,
            "motif_decision": r.motif_decision,
            "date_decision": local_iso(r.date_decision),
        },
    )


def notifications(session: AsyncSession, user_id: int) -> AsyncIterator[list[Row]]:
    return _pages(
        session,
        Notification,
        Notification.id_notification,
        Notification.id_user == user_id,
        lambda n: {
            "id_notification": n.id_notification,
            "date": local_iso(n.date_creation),
            "type": n.type_notification,
            "titre": n.titre,
            "contenu": n.contenu,
            "lue": n.est_lu,
        },
    )


async def contacts(session: AsyncSession, user_id: int) -> AsyncIterator[list[Row]]:
    """Saved contacts shown as the contacts screen shows them: masked (contacts/schemas.py)."""
    after = 0
    while True:
        page = (
            await session.execute(
                select(ContactsEnregistres, Utilisateur, Compte.numero_compte)
                .join(Utilisateur, Utilisateur.id_user == ContactsEnregistres.id_user_contact)
                .outerjoin(
                    Compte,
                    (Compte.id_user == Utilisateur.id_user) & (Compte.type_compte == "utilisateur"),
                )
                .where(
                    ContactsEnregistres.id_user == user_id, ContactsEnregistres.id_contact > after
                )
                .order_by(ContactsEnregistres.id_contact)
                .limit(PAGE)
            )
        ).all()
        if not page:
            return
        after = page[-1][0].id_contact
        rows = []
        for contact, other, numero in page:
            shown = show(
                type_compte="utilisateur",
                numero_compte=numero,
                prenom=other.prenom,
                nom=other.nom,
                telephone=other.telephone,
                email=None,
            )
            rows.append(
                {
                    "alias": contact.alias,
                    "nom": shown.nom_affiche,
                    "telephone": mask_phone(other.telephone),
                    "compte": numero,
                    "date_ajout": local_iso(contact.date_ajout),
                    "date_dernier_envoi": local_iso(contact.date_dernier_envoi),
                }
            )
        yield rows


def devices(session: AsyncSession, user_id: int) -> AsyncIterator[list[Row]]:
    # Not the push token itself: a credential of the messaging service, useless to read.
    return _pages(
        session,
        AppareilPush,
        AppareilPush.id,
        AppareilPush.id_user == user_id,
        lambda d: {
            "plateforme": d.plateforme,
            "date_enregistrement": local_iso(d.date_creation),
            "derniere_activite": local_iso(d.date_derniere_activite),
        },
    )


def verifications(session: AsyncSession, user_id: int) -> AsyncIterator[list[Row]]:
    # The request's facts and decision; never the images (see LISEZMOI).
    return _pages(
        session,
        VerificationIdentite,
        VerificationIdentite.id_verification,
        VerificationIdentite.id_user == user_id,
        lambda v: {
            "type_document": v.type_document,
            "numero_document": v.numero_document,
            "niveau_demande": v.niveau_demande,
            "statut": v.statut,
            "motif_rejet": v.motif_rejet,
            "date_soumission": local_iso(v.date_soumission),
            "date_examen": local_iso(v.date_examen),
        },
    )


README = """Hostolink — vos données personnelles
=====================================

Cette archive a été préparée à votre demande (loi n° 2013-450 du 19 juin 2013 relative à la
protection des données à caractère personnel, ARTCI). Générée le {generated}.

Les dates sont à l'heure d'Abidjan. Les montants sont en francs CFA (F CFA), entiers.
Les fichiers CSV sont en UTF-8, séparés par des points-virgules : ils s'ouvrent dans Excel
(version française) ou LibreOffice.

Fichiers
--------
- donnees.json : tout ce qui suit, structuré, en un seul fichier (format JSON).
- profil.csv : votre profil (nom, téléphone, e-mail, niveau de vérification) et votre
  portefeuille (numéro de compte, solde).
- transactions.csv ({transactions} lignes) : votre historique, comme dans l'application —
  référence, date, type, sens (entrant/sortant), montant, frais payés, contrepartie (son nom
  court et son numéro masqué, jamais ses coordonnées complètes), solde après l'opération.
- operations.csv ({operations} lignes) : vos dépôts et retraits par Mobile Money — opérateur,
  montant, frais, numéro utilisé, statut et ses étapes successives.
- publications.csv ({publications} lignes) : vos publications.
- commentaires.csv ({commentaires} lignes) : vos commentaires.
- messages.csv ({messages} lignes) : les messages que vous avez écrits dans les salons
  thématiques (pas ceux des autres membres).
- assistance.csv ({assistance} lignes) : vos conversations avec le support — vos messages et
  les réponses du support.
- reclamations.csv ({reclamations} lignes) : vos réclamations et la décision prise.
- notifications.csv ({notifications} lignes) : les notifications reçues dans l'application.
- contacts.csv ({contacts} lignes) : vos contacts enregistrés (numéros masqués).
- appareils.csv ({appareils} lignes) : les appareils enregistrés pour les notifications.
- verifications_identite.csv ({verifications_identite} lignes) : vos demandes de vérification
  d'identité (type et numéro de pièce, statut, motif d'un refus).

Ce que l'archive ne contient pas
--------------------------------
- Les images de vos pièces d'identité et votre photo de vérification : elles ne sont jamais
  copiées hors de leur stockage protégé. Pour en obtenir une copie, écrivez au support.
- Votre mot de passe ou code PIN (seule une empreinte irréversible est conservée).
- Les données des autres personnes (leurs numéros sont masqués).

Cette archive est effacée de nos serveurs 7 jours après sa préparation.
"""


async def build(session: AsyncSession, user_id: int, writer: ArchiveWriter, now: datetime) -> None:
    """Write everything of `user_id` into `writer`, section after section, page by page."""
    writer.header(now)
    person, account_id = await profile(session, user_id)
    writer.single("profil", person)
    writer.open_list(None, PROFIL)  # the CSV only: the JSON holds it as one object above
    writer.rows([person])
    writer.close_list()

    sections: list[tuple[str, _Section, AsyncIterator[list[Row]]]] = [
        ("operations", OPERATIONS, operations(session, user_id)),
        ("publications", PUBLICATIONS, publications(session, user_id)),
        ("commentaires", COMMENTAIRES, comments(session, user_id)),
        ("messages", MESSAGES, messages(session, user_id)),
        ("assistance", ASSISTANCE, support_messages(session, user_id)),
        ("reclamations", RECLAMATIONS, claims(session, user_id)),
        ("notifications", NOTIFICATIONS, notifications(session, user_id)),
        ("contacts", CONTACTS, contacts(session, user_id)),
        ("appareils", APPAREILS, devices(session, user_id)),
        ("verifications_identite", VERIFICATIONS, verifications(session, user_id)),
    ]
    if account_id is not None:
        sections.insert(0, ("transactions", TRANSACTIONS, transactions(session, account_id)))
    else:
        sections.insert(0, ("transactions", TRANSACTIONS, _nothing()))
    for key, section, pages in sections:
        writer.open_list(key, section)
        async for page in pages:
            writer.rows(page)
        writer.close_list()
    counts = {name.removesuffix(".csv"): n for name, n in writer.counts.items()}
    writer.finish(README.format(generated=local_text(now), **counts))


async def _nothing() -> AsyncIterator[list[Row]]:
    return
    yield  # an async generator of no page
