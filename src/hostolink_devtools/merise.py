"""The generated half of the MERISE documentation (docs/merise/): the MLD, the MPD and the data
dictionary, read from the catalog of a migrated database.

Reading the catalog (not the models) documents what Alembic really built. The output must be
byte-identical on PostgreSQL 15 and 18, so it never shells out to `pg_dump` (its output
changes between versions and now carries random `\\restrict` keys): the DDL is rebuilt from
`pg_get_constraintdef`, `pg_get_indexdef`, `format_type` and the column defaults, sorted.
The meanings and examples of the data dictionary come from the column comments (in the
database) and from the models' `info["exemple"]`; `_FALLBACK` covers columns without them.
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hostolink import migrate
from hostolink.config import get_settings
from hostolink.db import create_engine
from hostolink.models import Base
from hostolink_devtools import scratch

HEADER = (
    "<!-- Généré par `hostolink merise` — ne pas modifier à la main. -->\n"
    "> Généré par `hostolink merise` — ne pas modifier à la main.\n"
)
_AUTRES = "Autres tables"
_SERIAL = {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}


@dataclass
class Column:
    name: str
    type: str
    length: int | None
    not_null: bool
    default: str | None
    generated: bool
    serial: bool
    comment: str | None


@dataclass
class Constraint:
    name: str
    kind: str  # p, u, f, c, x
    definition: str
    columns: list[str]
    ref_table: str | None
    ref_columns: list[str]


@dataclass
class Table:
    name: str
    comment: str | None
    columns: list[Column] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    indexes: list[tuple[str, str]] = field(default_factory=list)
    triggers: list[tuple[str, str]] = field(default_factory=list)

    def keys(self, kind: str) -> list[Constraint]:
        return [c for c in self.constraints if c.kind == kind]

    @property
    def primary_key(self) -> list[str]:
        pk = self.keys("p")
        return pk[0].columns if pk else []

    def foreign_keys_of(self, column: str) -> list[Constraint]:
        return [c for c in self.keys("f") if column in c.columns]


@dataclass
class Catalog:
    tables: dict[str, Table]
    functions: list[tuple[str, str]]


# --- reading the catalog -------------------------------------------------------------------

_TABLES = """
SELECT c.relname, obj_description(c.oid, 'pg_class')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""
_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, NULL),
       CASE WHEN a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 0
            THEN a.atttypmod - 4 END,
       a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attgenerated <> '',
       pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) IS NOT NULL,
       col_description(c.oid, a.attnum)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""
# contype 'n' (PostgreSQL 18 records NOT NULL as constraints) is left out: NOT NULL is shown
# on the column, as PostgreSQL 15 only knows it.
_CONSTRAINTS = """
SELECT c.relname, con.conname, con.contype::text, pg_get_constraintdef(con.oid, true),
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, pos)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.pos),
       r.relname,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, pos)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.pos)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class r ON r.oid = con.confrelid
WHERE n.nspname = 'public' AND con.contype IN ('p', 'u', 'f', 'c', 'x')
ORDER BY c.relname, con.conname
"""
_INDEXES = """
SELECT t.relname, i.relname, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public' AND NOT EXISTS (
    SELECT 1 FROM pg_constraint con
    WHERE con.conindid = x.indexrelid AND con.conrelid = x.indrelid
      AND con.contype IN ('p', 'u', 'x'))
ORDER BY t.relname, i.relname
"""
_TRIGGERS = """
SELECT c.relname, tg.tgname, pg_get_triggerdef(tg.oid)
FROM pg_trigger tg
JOIN pg_class c ON c.oid = tg.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND NOT tg.tgisinternal
ORDER BY c.relname, tg.tgname
"""
_FUNCTIONS = """
SELECT p.proname, pg_get_functiondef(p.oid)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.prokind = 'f'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
ORDER BY p.proname, pg_get_function_identity_arguments(p.oid)
"""


async def read_catalog(connection: AsyncConnection) -> Catalog:
    tables = {
        name: Table(name, comment) for name, comment in await connection.execute(text(_TABLES))
    }
    for row in await connection.execute(text(_COLUMNS)):
        table, name, type_, length, not_null, default, generated, serial, comment = row
        tables[table].columns.append(
            Column(name, type_, length, not_null, default, generated, serial, comment)
        )
    for table, name, kind, definition, cols, ref, ref_cols in await connection.execute(
        text(_CONSTRAINTS)
    ):
        tables[table].constraints.append(
            Constraint(name, kind, definition, list(cols), ref, list(ref_cols))
        )
    for table, name, definition in await connection.execute(text(_INDEXES)):
        tables[table].indexes.append((name, definition))
    for table, name, definition in await connection.execute(text(_TRIGGERS)):
        tables[table].triggers.append((name, definition))
    functions = [(n, d.strip()) for n, d in await connection.execute(text(_FUNCTIONS))]
    return Catalog(tables, functions)


# --- shared helpers ------------------------------------------------------------------------


def _cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, newlines flattened."""
    return str(value).replace("|", "\\|").replace("\n", " ") if value not in (None, "") else "—"


def _by_domain(catalog: Catalog, *, technical: bool) -> list[tuple[str, list[Table]]]:
    placed: set[str] = set()
    groups: list[tuple[str, list[Table]]] = []
    for domain, names in DOMAINES:
        tables = [catalog.tables[n] for n in names if n in catalog.tables]
        if not technical:
            tables = [t for t in tables if t.name != "alembic_version"]
        placed.update(names)
        if tables:
            groups.append((domain, tables))
    rest = [t for n, t in sorted(catalog.tables.items()) if n not in placed]
    if rest:
        groups.append((_AUTRES, rest))
    return groups


def _table_comment(table: Table) -> str:
    return table.comment or TABLE_FALLBACK.get(table.name, "")


def _foreign_key_label(fk: Constraint) -> str:
    match = re.search(r"ON DELETE (CASCADE|SET NULL|SET DEFAULT|RESTRICT)", fk.definition)
    action = match.group(1) if match else "NO ACTION"
    return f"{fk.ref_table}({', '.join(fk.ref_columns)}) ON DELETE {action}"


def _is_unique(table: Table, columns: list[str]) -> bool:
    return any(sorted(k.columns) == sorted(columns) for k in table.keys("p") + table.keys("u"))


# --- MPD -----------------------------------------------------------------------------------


def _column_ddl(column: Column) -> str:
    type_ = column.type if column.length is None else f"{column.type}({column.length})"
    if column.serial:
        return f"    {column.name} {_SERIAL.get(column.type, column.type)} NOT NULL"
    parts = [f"    {column.name} {type_}"]
    if column.generated:
        parts.append(f"GENERATED ALWAYS AS ({column.default}) STORED")
    elif column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    if column.not_null:
        parts.append("NOT NULL")
    return " ".join(parts)


def _table_ddl(table: Table) -> list[str]:
    lines = [_column_ddl(c) for c in table.columns]
    order = {"p": 0, "u": 1, "x": 2, "c": 3}
    inline = sorted(
        (c for c in table.constraints if c.kind != "f"), key=lambda c: (order[c.kind], c.name)
    )
    lines += [f"    CONSTRAINT {c.name} {c.definition}" for c in inline]
    out = [f"CREATE TABLE {table.name} (", ",\n".join(lines), ");"]
    out += [f"{definition};" for _, definition in table.indexes]
    return out


def render_mpd(catalog: Catalog) -> str:
    out = [
        HEADER,
        "# MPD — modèle physique des données (PostgreSQL)\n",
        "Le schéma réel d'une base migrée par Alembic jusqu'à la dernière révision "
        "(`hostolink migrate`), reconstruit depuis le catalogue de PostgreSQL : tables par ordre "
        "alphabétique, puis clés étrangères, fonctions et déclencheurs. Les commentaires des "
        "colonnes (`COMMENT ON`) figurent dans le [dictionnaire des données]"
        "(dictionnaire-des-donnees.md).\n",
        "```sql",
    ]
    for table in catalog.tables.values():
        out.append(f"-- {table.name}")
        out += _table_ddl(table)
        out.append("")
    out.append("-- Clés étrangères")
    for table in catalog.tables.values():
        for fk in table.keys("f"):
            out.append(f"ALTER TABLE {table.name} ADD CONSTRAINT {fk.name} {fk.definition};")
    if catalog.functions:
        out.append("\n-- Fonctions")
        out += [f"{definition};\n" for _, definition in catalog.functions]
    triggers = [d for t in catalog.tables.values() for _, d in t.triggers]
    if triggers:
        out.append("-- Déclencheurs")
        out += [f"{definition};" for definition in triggers]
    out.append("```")
    return "\n".join(out) + "\n"


# --- MLD -----------------------------------------------------------------------------------


def _relation(table: Table) -> str:
    pk = set(table.primary_key)
    fks = {col for fk in table.keys("f") for col in fk.columns}
    cells = []
    for column in table.columns:
        name = f"#{column.name}" if column.name in fks else column.name
        cells.append(f"<ins>**{name}**</ins>" if column.name in pk else name)
    return f"- **{table.name}** ({', '.join(cells)})"


def _mermaid_type(column: Column) -> str:
    type_ = column.type.replace("[]", "_array")
    aliases = {
        "character varying": "varchar",
        "timestamp with time zone": "timestamptz",
        "timestamp without time zone": "timestamp",
        "time without time zone": "time",
        "character varying_array": "varchar_array",
        "double precision": "float8",
        "character": "char",
    }
    return aliases.get(type_, type_).replace(" ", "_")


def _mermaid(tables: list[Table]) -> list[str]:
    out = ["```mermaid", "erDiagram"]
    for table in tables:
        out.append(f"    {table.name} {{")
        fks = {col for fk in table.keys("f") for col in fk.columns}
        for column in table.columns:
            keys = [
                k
                for k, on in (("PK", column.name in table.primary_key), ("FK", column.name in fks))
                if on
            ]
            suffix = f" {', '.join(keys)}" if keys else ""
            out.append(f"        {_mermaid_type(column)} {column.name}{suffix}")
        out.append("    }")
    for table in tables:
        for fk in table.keys("f"):
            nullable = any(not c.not_null for c in table.columns if c.name in fk.columns)
            parent = "o|" if nullable else "||"
            child = "|o" if _is_unique(table, fk.columns) else "}o"
            label = ", ".join(fk.columns)
            out.append(f'    {fk.ref_table} {parent}--{child} {table.name} : "{label}"')
    out.append("```")
    return out


def render_mld(catalog: Catalog) -> str:
    out = [
        HEADER,
        "# MLD — modèle logique des données\n",
        "Relations issues du [MCD](mcd.md), lues dans la base migrée. Notation : clé primaire "
        "<ins>**soulignée en gras**</ins>, clé étrangère préfixée par `#`. Les diagrammes "
        "montrent, pour chaque domaine, ses relations et les tables qu'elles référencent "
        "(une cardinalité `o|` signale une clé étrangère facultative).\n",
    ]
    for domain, tables in _by_domain(catalog, technical=False):
        out.append(f"## {domain}\n")
        out += [_relation(t) for t in tables]
        out.append("")
        out += _mermaid(tables)
        out.append("")
        rows = [(t, fk) for t in tables for fk in t.keys("f")]
        if rows:
            out.append("| relation | clé étrangère | référence | contrainte |")
            out.append("|---|---|---|---|")
            for table, fk in rows:
                out.append(
                    f"| {table.name} | #{', #'.join(fk.columns)} | "
                    f"{_cell(_foreign_key_label(fk))} | {fk.name} |"
                )
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# --- data dictionary -----------------------------------------------------------------------


def _model_example(table: str, column: str) -> str | None:
    model_table = Base.metadata.tables.get(table)
    if model_table is None or column not in model_table.c:
        return None
    example = model_table.c[column].info.get("exemple")
    return str(example) if example is not None else None


def _constraints_of(table: Table, column: Column) -> str:
    parts: list[str] = []
    if column.name in table.primary_key:
        parts.append("PK" if len(table.primary_key) == 1 else "PK (composée)")
    parts += [f"FK → {_foreign_key_label(fk)}" for fk in table.foreign_keys_of(column.name)]
    for key in table.keys("u"):
        if column.name in key.columns:
            parts.append(
                "UNIQUE" if len(key.columns) == 1 else f"UNIQUE ({', '.join(key.columns)})"
            )
    if column.not_null:
        parts.append("NOT NULL")
    if column.serial:
        parts.append("auto-incrément")
    elif column.generated:
        parts.append(f"GÉNÉRÉE ({column.default})")
    elif column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    parts += [f"CHECK {c.name}" for c in table.keys("c") if column.name in c.columns]
    return "<br>".join(parts)


def _dictionary_table(table: Table) -> list[str]:
    out = [f"### {table.name}\n"]
    if comment := _table_comment(table):
        out.append(f"{comment}\n")
    out.append("| code | signification | type | longueur | contraintes | exemple |")
    out.append("|---|---|---|---|---|---|")
    fallback = FALLBACK.get(table.name, {})
    for column in table.columns:
        meaning, example = fallback.get(column.name, (None, None))
        meaning = column.comment or meaning
        example = _model_example(table.name, column.name) or example
        out.append(
            f"| {column.name} | {_cell(meaning)} | {column.type} | {_cell(column.length)} | "
            f"{_cell(_constraints_of(table, column))} | {_cell(example)} |"
        )
    out.append("")
    return out


def render_dictionary(catalog: Catalog) -> str:
    groups = _by_domain(catalog, technical=True)
    count = sum(len(t.columns) for t in catalog.tables.values())
    out = [
        HEADER,
        "# Dictionnaire des données\n",
        f"{len(catalog.tables)} tables, {count} attributs, lus dans la base migrée. Montants : "
        "`bigint` en francs CFA (XOF, sans décimales). Dates : `timestamp with time zone` "
        "(UTC) sauf les colonnes d'origine du propriétaire. La signification vient des "
        "commentaires des colonnes ; les règles citées sont dans [regles-de-gestion.md]"
        "(regles-de-gestion.md).\n",
    ]
    for domain, tables in groups:
        out.append(f"## {domain}\n")
        for table in tables:
            out += _dictionary_table(table)
    return "\n".join(out).rstrip("\n") + "\n"


# --- entry points --------------------------------------------------------------------------


async def render_documents(engine: AsyncEngine) -> dict[str, str]:
    """The generated documents of docs/merise/, file name → content."""
    async with engine.connect() as connection:
        catalog = await read_catalog(connection)
    return {
        "dictionnaire-des-donnees.md": render_dictionary(catalog),
        "mld.md": render_mld(catalog),
        "mpd.md": render_mpd(catalog),
    }


def write_documents(docs: dict[str, str], out_dir: Path) -> list[Path]:
    """Write the documents (UTF-8, LF) and return their paths, sorted."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in sorted(docs.items()):
        path = out_dir / name
        path.write_text(content, encoding="utf-8", newline="\n")
        paths.append(path)
    return paths


async def run_merise(server_url: str, out_dir: Path, *, check: bool) -> int:
    """`hostolink merise`: migrate a scratch database to head, generate the documents from it,
    then write them (or, with `check`, fail when the committed ones differ)."""
    name = f"hostolink_merise_{os.getpid()}"
    url = await scratch.create_database(server_url, name)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url, pool_size=1, pooler=get_settings().db_pooler)
        try:
            documents = await render_documents(engine)
        finally:
            await engine.dispose()
    finally:
        await scratch.drop_database(server_url, name)
    if check:
        stale = [
            file
            for file, content in sorted(documents.items())
            if not (out_dir / file).exists()
            or (out_dir / file).read_text(encoding="utf-8") != content
        ]
        for file in stale:
            print(f"périmé : {out_dir / file} (lancez `hostolink merise`)")
        return 1 if stale else 0
    for path in write_documents(documents, out_dir):
        print(f"écrit : {path}")
    return 0


# --- texts for what the catalog does not say -----------------------------------------------

DOMAINES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Identité et accès",
        (
            "utilisateur",
            "otp",
            "verification_compte",
            "verification_identite",
            "role_permission",
            "utilisateur_role",
            "jeton_rafraichissement",
            "tentative_authentification",
            "appareil_push",
            "message_sortant",
        ),
    ),
    (
        "Portefeuille et paiements",
        (
            "compte",
            "transaction",
            "ecriture",
            "sous_compte_systeme",
            "qr_code_paiement",
            "carte_bancaire",
            "contacts_enregistres",
            "cle_idempotence",
            "bareme_frais",
            "plafond_kyc",
        ),
    ),
    (
        "Dépôts et retraits",
        (
            "operation_fournisseur",
            "historique_operation",
            "webhook_entrant",
            "operation_bac_a_sable",
        ),
    ),
    (
        "Santé",
        (
            "etablissement_sante",
            "localisation",
            "liste_numero_etablissement_sante",
            "horaire_etablissement",
            "provenance_etablissement",
            "membre_etablissement",
        ),
    ),
    (
        "Réseau social",
        (
            "publication",
            "publication_media",
            "commentaire",
            "liker",
            "partages",
            "visite_partage",
            "signalement",
            "media",
        ),
    ),
    ("Discussions thématiques", ("thematiques", "membre_thematique", "message")),
    ("Notifications, annonces et publicités", ("notification", "annonce", "publicite")),
    (
        "Administration et technique",
        ("journal_audit", "tache", "controle_grand_livre", "alembic_version"),
    ),
)

# Tables whose models carry no comments (yet): meaning and example per column.
TABLE_FALLBACK: dict[str, str] = {
    "alembic_version": "Révision Alembic appliquée (remplace la table `migrations`).",
    "appareil_push": "Appareil d'une personne pour les notifications push (jeton FCM).",
    "compte": "Compte portefeuille : un par personne et devise, un par établissement marchand, "
    "et les comptes système (frais, compensation fournisseurs, attente).",
    "jeton_rafraichissement": "Jeton de rafraîchissement (stocké haché, renouvelé à chaque usage).",
    "message_sortant": "Boîte d'envoi de développement (SMS et e-mails non envoyés).",
    "otp": "Code à usage unique envoyé par SMS ou e-mail (table du propriétaire).",
    "role_permission": "Rôle et ses permissions nommées.",
    "tentative_authentification": "Échecs d'authentification par identifiant (verrouillage).",
    "utilisateur": "Toute personne inscrite (table du propriétaire).",
    "utilisateur_role": "Rôles attribués à une personne.",
    "verification_compte": "Preuve qu'une personne contrôle une adresse e-mail ou un numéro.",
}

_NOW = "2026-03-01 12:00:00+00"
FALLBACK: dict[str, dict[str, tuple[str, str]]] = {
    "alembic_version": {"version_num": ("Identifiant de la révision appliquée.", "0001")},
    "appareil_push": {
        "id": ("Identifiant.", "14"),
        "id_user": ("Propriétaire de l'appareil.", "1001"),
        "fcm_token": ("Jeton Firebase Cloud Messaging de l'appareil.", "dXk3…:APA91b…"),
        "plateforme": ("Système de l'appareil.", "android"),
        "date_creation": ("Date d'enregistrement.", _NOW),
        "date_derniere_activite": ("Dernier usage du jeton.", _NOW),
    },
    "compte": {
        "id_compte": ("Identifiant du compte.", "12"),
        "numero_compte": ("Numéro de compte lisible, unique.", "HL0000001234"),
        "type_compte": ("Type : utilisateur, marchand ou systeme.", "utilisateur"),
        "id_user": ("Titulaire (compte utilisateur).", "1001"),
        "id_etablissement": ("Établissement (compte marchand).", "42"),
        "code_systeme": ("Code d'un compte système.", "frais"),
        "devise": ("Devise ISO 4217.", "XOF"),
        "solde": (
            "Solde en francs CFA (= somme des écritures) ; 0 pour un compte système, dont le "
            "solde est la somme de ses sous-comptes (sous_compte_systeme).",
            "25000",
        ),
        "statut": ("Statut : actif, gele, ferme.", "actif"),
        "cumul_envoi_jour": ("Envois et paiements du jour de date_cumul, F CFA.", "15000"),
        "cumul_envoi_mois": ("Envois et paiements du mois de date_cumul, F CFA.", "120000"),
        "cumul_retrait_jour": ("Retraits du jour de date_cumul, F CFA.", "0"),
        "cumul_retrait_mois": ("Retraits du mois de date_cumul, F CFA.", "20000"),
        "date_cumul": ("Jour (UTC, heure d'Abidjan) des cumuls de plafonds.", "2026-03-01"),
        "date_creation": ("Date d'ouverture.", _NOW),
        "date_modification": ("Dernière modification.", _NOW),
    },
    "jeton_rafraichissement": {
        "id": ("Identifiant.", "301"),
        "id_user": ("Personne connectée.", "1001"),
        "famille": ("Famille de jetons d'une même connexion.", "0b6f…-…"),
        "hash_jeton": ("SHA-256 du jeton (jamais le jeton).", "9f86d081…"),
        "date_creation": ("Date d'émission.", _NOW),
        "date_expiration": ("Date d'expiration.", "2026-03-31 12:00:00+00"),
        "date_utilisation": ("Date de rotation (usage unique).", _NOW),
        "date_revocation": ("Date de révocation.", ""),
        "motif_revocation": ("Motif de révocation.", "deconnexion"),
        "adresse_ip": ("Adresse IP à l'émission.", "196.47.128.10"),
    },
    "message_sortant": {
        "id": ("Identifiant.", "5"),
        "canal": ("Canal : sms ou email.", "sms"),
        "destinataire": ("Numéro ou adresse du destinataire.", "+2250707070707"),
        "sujet": ("Sujet (e-mail).", "Votre code Hostolink"),
        "corps": ("Texte du message.", "Votre code : 123456"),
        "date_creation": ("Date d'écriture.", _NOW),
    },
    "otp": {
        "id": ("Identifiant du code.", "77"),
        "user_id": ("Personne à qui le code est envoyé.", "1001"),
        "otp_code": ("Colonne du propriétaire ; contient un masque, jamais le code.", "******"),
        "expires_at": ("Expiration du code (UTC).", "2026-03-01 12:05:00"),
        "is_valid": ("Encore utilisable.", "true"),
        "code_hash": ("Empreinte HMAC du code.", "5e884898…"),
        "objet": ("Objet : verification ou reinitialisation.", "verification"),
        "moyen_envoyer": ("Canal d'envoi : sms ou email.", "sms"),
        "tentatives": ("Essais de saisie déjà faits.", "0"),
        "date_creation": ("Date d'émission.", _NOW),
        "date_utilisation": ("Date de vérification réussie.", ""),
    },
    "role_permission": {
        "id_role": ("Identifiant du rôle.", "1"),
        "code": ("Code du rôle.", "admin"),
        "libelle": ("Nom du rôle.", "Administrateur"),
        "permissions": ("Permissions nommées accordées.", "{utilisateurs.lire}"),
    },
    "tentative_authentification": {
        "identifiant": ("Identifiant normalisé (e-mail ou E.164).", "+2250707070707"),
        "echecs": ("Échecs consécutifs.", "2"),
        "nb_verrouillages": ("Verrouillages déjà subis (durée croissante).", "0"),
        "verrouille_jusqu_a": ("Fin du verrouillage en cours.", ""),
        "date_derniere_tentative": ("Dernière tentative.", _NOW),
    },
    "utilisateur": {
        "id_user": ("Identifiant de la personne.", "1001"),
        "nom": ("Nom de famille.", "Koné"),
        "prenom": ("Prénom.", "Awa"),
        "email": ("Adresse e-mail normalisée, unique.", "awa.kone@example.ci"),
        "telephone": ("Numéro E.164, unique.", "+2250707070707"),
        "pays": ("Pays.", "CI"),
        "photo_profile": ("URL de la photo de profil.", "https://res.cloudinary.com/…"),
        "mdp": ("Empreinte argon2id du mot de passe (jamais le mot de passe).", "$argon2id$…"),
        "date_inscription": ("Date d'inscription (UTC).", "2026-01-15 10:00:00"),
        "code_confirmation": ("Colonne du propriétaire, conservée.", ""),
        "compte_verifier": ("Identifiant vérifié par OTP.", "true"),
        "actif": ("Faux : compte suspendu.", "true"),
        "raison_suspension": ("Motif de suspension.", ""),
        "niveau_kyc": ("Niveau de vérification d'identité (0 à 3).", "0"),
        "code_invitation_utilise": ("Code de parrainage saisi à l'inscription.", ""),
        "derniere_connexion": ("Dernière connexion.", _NOW),
        "date_modification": ("Dernière modification.", _NOW),
    },
    "utilisateur_role": {
        "id_user": ("Personne.", "1001"),
        "id_role": ("Rôle attribué.", "1"),
        "attribue_par": ("Super-administrateur qui l'a attribué.", "1"),
        "date_attribution": ("Date d'attribution.", _NOW),
    },
    "verification_compte": {
        "id_verification": ("Identifiant.", "9"),
        "id_user": ("Personne vérifiée.", "1001"),
        "canal": ("Canal : sms ou email.", "sms"),
        "valeur": ("Numéro ou adresse vérifié.", "+2250707070707"),
        "date_verification": ("Date de la vérification.", _NOW),
    },
}
