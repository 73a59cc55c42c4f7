"""A small valid graph of rows (`world`) that the constraint tests break one rule at a time.

Rows are inserted with plain SQL in the test's session and never committed (the session
rolls back), so the deferred ledger-balance trigger only fires where a test asks for it.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

World = dict[str, Any]

# Each statement may use the ids inserted before it (`:name`) and returns one id.
_WORLD: tuple[tuple[str, str], ...] = (
    ("u1", "INSERT INTO utilisateur (email) VALUES ('awa@example.ci') RETURNING id_user"),
    ("u2", "INSERT INTO utilisateur (telephone) VALUES ('+2250707070707') RETURNING id_user"),
    (
        "c1",
        "INSERT INTO compte (numero_compte, type_compte, id_user, solde)"
        " VALUES ('TEST-C1', 'utilisateur', :u1, 0) RETURNING id_compte",
    ),
    (
        "c2",
        "INSERT INTO compte (numero_compte, type_compte, id_user, solde)"
        " VALUES ('TEST-C2', 'utilisateur', :u2, 100) RETURNING id_compte",
    ),
    ("loc", "INSERT INTO localisation (region) VALUES ('Test') RETURNING id_localisation"),
    (
        "etab",
        "INSERT INTO etablissement_sante (nom, nom_normalise, texte_recherche, categorie, geo,"
        " id_localisation) VALUES ('CHU de Cocody', 'chu de cocody', 'chu de cocody abidjan',"
        " 'chu', point(-3.9866, 5.3453), :loc) RETURNING id_etablissement",
    ),
    (
        "media",
        "INSERT INTO media (stockage, cle_stockage, type_mime, largeur, hauteur, taille_octets,"
        " usage, prive) VALUES ('local', 'test/1', 'image/png', 1, 1, 1, 'identite', true)"
        " RETURNING id_media",
    ),
    (
        "op",
        "INSERT INTO operation_fournisseur (fournisseur, passerelle, sens, id_user, id_compte,"
        " montant, compte_externe, id_externe, empreinte_jeton) VALUES ('sandbox', 'sandbox',"
        " 'depot', :u1, :c1, 1000, '+2250707070707', 'ext-1', 'tok-1') RETURNING id_operation",
    ),
    (
        "qr",
        "INSERT INTO qr_code_paiement (id_compte, code, type_qr, montant, date_expiration)"
        " VALUES (:c1, 'code-world', 'dynamique', 500, now() + interval '15 minutes')"
        " RETURNING id_qr_code",
    ),
    (
        "tx",
        "INSERT INTO transaction (reference, type_transaction, montant, id_compte_source,"
        " id_compte_destination) VALUES ('HL-WORLD01', 'transfert', 100, :c2, :c1)"
        " RETURNING id_transaction",
    ),
    (
        "e1",
        "INSERT INTO ecriture (id_transaction, id_compte, montant, solde_apres)"
        " VALUES (:tx, :c2, -100, 0) RETURNING id_ecriture",
    ),
    (
        "e2",
        "INSERT INTO ecriture (id_transaction, id_compte, montant, solde_apres)"
        " VALUES (:tx, :c1, 100, 100) RETURNING id_ecriture",
    ),
    (
        "pub",
        "INSERT INTO publication (id_user, contenu) VALUES (:u1, 'Bonjour')"
        " RETURNING id_publication",
    ),
    (
        "com",
        "INSERT INTO commentaire (id_publication, id_user, contenu) VALUES (:pub, :u2, 'Merci')"
        " RETURNING id_commentaire",
    ),
    ("like", "INSERT INTO liker (id_user, id_publication) VALUES (:u1, :pub) RETURNING 1"),
    (
        "share",
        "INSERT INTO partages (id_publication, id_user, jeton)"
        " VALUES (:pub, :u2, 'abcdefghijklmnop') RETURNING id_partage",
    ),
    ("them", "INSERT INTO thematiques (titre) VALUES ('Salon test') RETURNING id_thematique"),
    (
        "msg",
        "INSERT INTO message (id_thematique, id_user, contenu) VALUES (:them, :u1, 'Question')"
        " RETURNING id_message",
    ),
    (
        "report",
        "INSERT INTO signalement (id_user, id_publication, motif) VALUES (:u1, :pub, 'spam')"
        " RETURNING id_signalement",
    ),
    (
        "kyc",
        "INSERT INTO verification_identite (id_user, type_document, numero_document,"
        " id_media_recto, id_media_selfie) VALUES (:u1, 'cni', 'CI0001', :media, :media)"
        " RETURNING id_verification",
    ),
    (
        "contact",
        "INSERT INTO contacts_enregistres (id_user, id_user_contact) VALUES (:u1, :u2)"
        " RETURNING id_contact",
    ),
    (
        "key",
        "INSERT INTO cle_idempotence (id_user, cle, empreinte_requete, date_expiration)"
        " VALUES (:u1, 'k0', repeat('a', 64), now() + interval '1 day') RETURNING id_cle",
    ),
    (
        "hook",
        "INSERT INTO webhook_entrant (fournisseur, id_externe, corps_brut, signature_valide)"
        " VALUES ('sandbox', 'ev-1', '{}', true) RETURNING id_webhook",
    ),
    (
        "card",
        "INSERT INTO carte_bancaire (id_compte, id_user, nom_titulaire, bin, derniers_chiffres,"
        " pan_chiffre, empreinte_pan, mois_expiration, annee_expiration) VALUES (:c1, :u1, 'AWA',"
        " '539999', '4242', '\\x00'::bytea, 'pan-1', 11, 2030) RETURNING id_carte",
    ),
    (
        "job",
        "INSERT INTO tache (nom, cle_unicite) VALUES ('test', 'unique-1') RETURNING id_tache",
    ),
)


async def build_world(session: AsyncSession) -> World:
    world: World = {}
    for name, statement in _WORLD:
        clause = text(statement)
        params = {key: world[key] for key in clause.compile().params}
        world[name] = (await session.execute(clause, params)).scalar_one()
    return world


@pytest.fixture
async def world(db_session: AsyncSession) -> World:
    return await build_world(db_session)
