"""A valid row per table (SQL expressions, `:name` = an id from the `world` fixture), so a
test can break exactly one rule by overriding one or two columns."""

from __future__ import annotations

from sqlalchemy import TextClause, text

_DAY = "now() + interval '1 day'"

BASE: dict[str, dict[str, str]] = {
    "annonce": {"titre": "'A'", "date_debut": "now()", "date_fin": _DAY},
    "bareme_frais": {"type_operation": "'transfert'"},
    "carte_bancaire": {
        "id_compte": ":c2",
        "id_user": ":u2",
        "nom_titulaire": "'KOFFI'",
        "bin": "'539999'",
        "derniers_chiffres": "'1234'",
        "pan_chiffre": "'\\x01'::bytea",
        "empreinte_pan": "'pan-2'",
        "mois_expiration": "1",
        "annee_expiration": "2031",
    },
    "cle_idempotence": {
        "id_user": ":u1",
        "cle": "'k1'",
        "empreinte_requete": "repeat('b', 64)",
        "date_expiration": _DAY,
    },
    "commentaire": {"id_publication": ":pub", "id_user": ":u1", "contenu": "'Oui'"},
    "contacts_enregistres": {"id_user": ":u2", "id_user_contact": ":u1"},
    "ecriture": {
        "id_transaction": ":tx",
        "id_compte": ":c1",
        "montant": "5",
        "solde_apres": "105",
    },
    "etablissement_sante": {
        "nom": "'Pharmacie'",
        "nom_normalise": "'pharmacie'",
        "categorie": "'pharmacie'",
    },
    "historique_operation": {
        "id_operation": ":op",
        "statut": "'initiee'",
        "origine": "'initiation'",
    },
    "horaire_etablissement": {
        "id_etablissement": ":etab",
        "jour_semaine": "2",
        "heure_ouverture": "'08:00'",
        "heure_fermeture": "'18:00'",
    },
    "journal_audit": {"action": "'test.action'"},
    "liker": {"id_user": ":u2", "id_publication": ":pub"},
    "liste_numero_etablissement_sante": {
        "id_etablissement": ":etab",
        "numero": "'+2252722000000'",
        "libelle": "'Accueil'",
    },
    "localisation": {"region": "'Bouaké'"},
    "media": {
        "stockage": "'local'",
        "cle_stockage": "'test/2'",
        "type_mime": "'image/webp'",
        "largeur": "10",
        "hauteur": "10",
        "taille_octets": "100",
        "usage": "'publication'",
    },
    "membre_etablissement": {
        "id_etablissement": ":etab",
        "id_user": ":u2",
        "role": "'gestionnaire'",
        "statut": "'demande'",
    },
    "membre_thematique": {"id_thematique": ":them", "id_user": ":u2"},
    "message": {"id_thematique": ":them", "id_user": ":u2", "contenu": "'Réponse'"},
    "notification": {
        "id_user": ":u1",
        "type_notification": "'systeme'",
        "titre": "'T'",
        "contenu": "'C'",
    },
    "operation_fournisseur": {
        "fournisseur": "'sandbox'",
        "passerelle": "'sandbox'",
        "sens": "'retrait'",
        "id_user": ":u2",
        "id_compte": ":c2",
        "montant": "100",
        "compte_externe": "'+2250505050505'",
    },
    "partages": {"id_publication": ":pub", "id_user": ":u1", "jeton": "'zyxwvutsrqponmlk'"},
    "plafond_kyc": {
        "niveau_kyc": "3",
        "libelle": "'Test'",
        "solde_max": "10",
        "montant_max_operation": "10",
        "plafond_envoi_journalier": "10",
        "plafond_envoi_mensuel": "10",
        "plafond_retrait_journalier": "10",
        "plafond_retrait_mensuel": "10",
    },
    "provenance_etablissement": {
        "id_etablissement": ":etab",
        "source": "'administrateur'",
        "identifiant_source": "'adm-1'",
        "licence": "'CC-BY-4.0'",
    },
    "publication": {"id_user": ":u2", "contenu": "'Salut'"},
    "publication_media": {"id_publication": ":pub", "position": "1", "id_media": ":media"},
    "publicite": {
        "annonceur": "'X'",
        "titre": "'T'",
        "date_debut": "now()",
        "date_fin": _DAY,
    },
    "qr_code_paiement": {"id_compte": ":c2", "code": "'code-2'", "type_qr": "'statique'"},
    "signalement": {"id_user": ":u2", "id_publication": ":pub", "motif": "'spam'"},
    "tache": {"nom": "'autre'"},
    "thematiques": {"titre": "'Salon 2'"},
    "transaction": {
        "reference": "'HL-TEST02'",
        "type_transaction": "'transfert'",
        "montant": "5",
        "id_compte_source": ":c1",
        "id_compte_destination": ":c2",
    },
    "verification_identite": {
        "id_user": ":u2",
        "type_document": "'passeport'",
        "numero_document": "'P1'",
        "id_media_recto": ":media",
        "id_media_selfie": ":media",
    },
    "visite_partage": {"id_partage": ":share"},
    "webhook_entrant": {
        "fournisseur": "'sandbox'",
        "id_externe": "'ev-2'",
        "corps_brut": "'{}'",
        "signature_valide": "true",
    },
}


def insert(table: str, **overrides: str) -> TextClause:
    """INSERT of the table's valid row, with some columns replaced by SQL expressions."""
    values = {**BASE[table], **overrides}
    columns = ", ".join(f'"{c}"' for c in values)
    # Fixed test fragments only, never outside input.
    sql = f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join(values.values())})'  # noqa: S608
    return text(sql)
