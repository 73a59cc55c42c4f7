"""Every CHECK, UNIQUE and FOREIGN KEY of the schema rejects a violating insert.

One case per named constraint: the valid row of `rows.BASE` with one rule broken. A
completeness test reads the migrated catalog, so a constraint added without its case fails.
"""

from __future__ import annotations

import pytest
from sqlalchemy import TextClause, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.models.conftest import World
from tests.models.rows import BASE, insert

_PAST = "now() - interval '1 day'"

# constraint name → statements; the last one must violate that constraint.
CASES: dict[str, list[TextClause]] = {
    "ck_annonce_emplacement_valide": [insert("annonce", emplacement="'menu'")],
    "ck_annonce_periode_valide": [insert("annonce", date_fin=_PAST)],
    "ck_bareme_frais_devise_iso4217": [insert("bareme_frais", devise="'xof'")],
    "ck_bareme_frais_frais_fixe_positif": [insert("bareme_frais", frais_fixe="-1")],
    "ck_bareme_frais_frais_min_positif": [insert("bareme_frais", frais_min="-1")],
    "ck_bareme_frais_montant_min_positif": [insert("bareme_frais", montant_min="0")],
    "ck_bareme_frais_periode_valide": [insert("bareme_frais", date_fin=_PAST)],
    "ck_bareme_frais_plafond_valide": [insert("bareme_frais", frais_min="10", frais_max="5")],
    "ck_bareme_frais_taux_valide": [insert("bareme_frais", taux_points_base="10001")],
    "ck_bareme_frais_tranche_valide": [insert("bareme_frais", montant_min="10", montant_max="5")],
    "ck_bareme_frais_type_valide": [insert("bareme_frais", type_operation="'pari'")],
    "ck_carte_bancaire_annee_valide": [insert("carte_bancaire", annee_expiration="1999")],
    "ck_carte_bancaire_bin_format": [insert("carte_bancaire", bin="'53AB99'")],
    "ck_carte_bancaire_derniers_chiffres_format": [
        insert("carte_bancaire", derniers_chiffres="'12'")
    ],
    "ck_carte_bancaire_mois_valide": [insert("carte_bancaire", mois_expiration="13")],
    "ck_carte_bancaire_statut_valide": [insert("carte_bancaire", statut="'volee'")],
    "ck_carte_bancaire_type_valide": [insert("carte_bancaire", type_carte="'jetable'")],
    "uq_carte_bancaire_empreinte_pan": [insert("carte_bancaire", empreinte_pan="'pan-1'")],
    "uq_carte_bancaire_virtuelle_par_compte": [
        insert("carte_bancaire", id_compte=":c1", id_user=":u1")
    ],
    "ck_cle_idempotence_empreinte_sha256": [insert("cle_idempotence", empreinte_requete="'abc'")],
    "ck_cle_idempotence_reponse_stockee": [insert("cle_idempotence", statut="'terminee'")],
    "ck_cle_idempotence_statut_valide": [insert("cle_idempotence", statut="'perdue'")],
    "uq_cle_idempotence_id_user_cle": [insert("cle_idempotence", cle="'k0'")],
    "ck_commentaire_contenu_non_vide": [insert("commentaire", contenu="'   '")],
    "ck_commentaire_statut_valide": [insert("commentaire", statut="'brouillon'")],
    "ck_contacts_enregistres_pas_soi_meme": [insert("contacts_enregistres", id_user_contact=":u2")],
    "uq_contacts_enregistres_id_user_id_user_contact": [
        insert("contacts_enregistres", id_user=":u1", id_user_contact=":u2")
    ],
    "ck_ecriture_montant_non_nul": [insert("ecriture", montant="0")],
    "ck_etablissement_sante_categorie_valide": [insert("etablissement_sante", categorie="'spa'")],
    "ck_etablissement_sante_fusion_pas_sur_soi": [
        insert("etablissement_sante", id_etablissement="900000", id_fusionne_dans="900000")
    ],
    "ck_etablissement_sante_geo_wgs84": [insert("etablissement_sante", geo="point(5.3, -200)")],
    "ck_etablissement_sante_nom_normalise_minuscule": [
        insert("etablissement_sante", nom_normalise="'Pharmacie'")
    ],
    "ck_etablissement_sante_secteur_valide": [insert("etablissement_sante", secteur="'mixte'")],
    "ck_historique_operation_origine_valide": [insert("historique_operation", origine="'ui'")],
    "ck_historique_operation_statut_valide": [insert("historique_operation", statut="'ok'")],
    "ck_horaire_etablissement_intervalle_croissant": [
        insert("horaire_etablissement", heure_ouverture="'18:00'", heure_fermeture="'08:00'")
    ],
    "ck_horaire_etablissement_jour_iso": [insert("horaire_etablissement", jour_semaine="8")],
    "pk_horaire_etablissement": [insert("horaire_etablissement")] * 2,
    "ck_journal_audit_action_format": [insert("journal_audit", action="'Rembourser'")],
    "ck_journal_audit_motif_argent": [insert("journal_audit", action="'argent.ajustement'")],
    "pk_liker": [insert("liker", id_user=":u1")],
    "ck_liste_numero_etablissement_sante_confiance_valide": [
        insert("liste_numero_etablissement_sante", confiance="'rumeur'")
    ],
    "ck_liste_numero_etablissement_sante_national_service": [
        insert("liste_numero_etablissement_sante", id_etablissement="NULL")
    ],
    "ck_liste_numero_etablissement_sante_numero_composable": [
        insert("liste_numero_etablissement_sante", numero="'07 07 07 07 07'")
    ],
    "uq_liste_numero_etablissement_sante_cle_reference": [
        insert(
            "liste_numero_etablissement_sante",
            id_etablissement="NULL",
            service="'SAMU'",
            cle_reference="'cle-test'",
        )
    ]
    * 2,
    "ck_liste_numero_etablissement_sante_type_numero_valide": [
        insert("liste_numero_etablissement_sante", type_numero="'pager'")
    ],
    "ck_localisation_pays_iso3166": [insert("localisation", pays="'ci'")],
    "uq_localisation_pays_region_ville_commune": [insert("localisation", region="'Test'")],
    "ck_media_dimensions": [insert("media", largeur="0")],
    "ck_media_identite_privee": [insert("media", usage="'identite'")],
    "ck_media_assistance_privee": [insert("media", usage="'assistance'")],
    "ck_media_stockage_valide": [insert("media", stockage="'s3'")],
    "ck_media_type_mime_valide": [insert("media", type_mime="'image/gif'")],
    "ck_media_usage_valide": [insert("media", usage="'divers'")],
    "uq_media_stockage_cle_stockage": [insert("media", cle_stockage="'test/1'")],
    "ck_membre_etablissement_refus_motive": [insert("membre_etablissement", statut="'refuse'")],
    "ck_membre_etablissement_role_valide": [insert("membre_etablissement", role="'patron'")],
    "ck_membre_etablissement_statut_valide": [insert("membre_etablissement", statut="'ok'")],
    "pk_membre_etablissement": [insert("membre_etablissement")] * 2,
    "ck_membre_thematique_role_valide": [insert("membre_thematique", role="'roi'")],
    "pk_membre_thematique": [insert("membre_thematique")] * 2,
    "ck_message_contenu_selon_type": [insert("message", type_message="'image'")],
    "ck_message_pas_reponse_a_soi": [
        insert("message", id_message="900000", id_message_parent="900000")
    ],
    "ck_message_statut_valide": [insert("message", statut="'lu'")],
    "ck_message_type_valide": [insert("message", type_message="'video'")],
    "ck_notification_lecture_datee": [insert("notification", est_lu="true")],
    "ck_notification_statut_push_valide": [insert("notification", statut_push="'perdu'")],
    "ck_notification_type_valide": [insert("notification", type_notification="'pub'")],
    "ck_notification_un_objet_au_plus": [
        insert("notification", id_transaction=":tx", id_publication=":pub")
    ],
    "ck_operation_fournisseur_devise_iso4217": [insert("operation_fournisseur", devise="'X'")],
    "ck_operation_fournisseur_finalisation_datee": [
        insert("operation_fournisseur", statut="'reussie'")
    ],
    "ck_operation_fournisseur_fournisseur_format": [
        insert("operation_fournisseur", fournisseur="'Wave!'")
    ],
    "ck_operation_fournisseur_frais_positifs": [insert("operation_fournisseur", frais="-1")],
    "ck_operation_fournisseur_passerelle_format": [
        insert("operation_fournisseur", passerelle="'Hub2!'")
    ],
    "uq_operation_fournisseur_empreinte_jeton": [
        insert("operation_fournisseur", empreinte_jeton="'tok-1'")
    ],
    "ck_operation_fournisseur_montant_positif": [insert("operation_fournisseur", montant="0")],
    "ck_operation_fournisseur_sens_valide": [insert("operation_fournisseur", sens="'aller'")],
    "ck_operation_fournisseur_statut_valide": [insert("operation_fournisseur", statut="'ok'")],
    "uq_operation_fournisseur_fournisseur_id_externe": [
        insert("operation_fournisseur", id_externe="'ext-1'")
    ],
    "uq_operation_fournisseur_reference": [
        insert(
            "operation_fournisseur",
            reference="(SELECT reference FROM operation_fournisseur WHERE id_operation = :op)",
        )
    ],
    "ck_partages_jeton_format": [insert("partages", jeton="'court'")],
    "ck_partages_visites_positives": [insert("partages", nombre_visites="-1")],
    "uq_partages_jeton": [insert("partages", jeton="'abcdefghijklmnop'")],
    "ck_plafond_kyc_mensuel_superieur_journalier": [
        insert("plafond_kyc", plafond_envoi_mensuel="5")
    ],
    "ck_plafond_kyc_niveau_valide": [insert("plafond_kyc", niveau_kyc="4")],
    "ck_plafond_kyc_plafonds_positifs": [insert("plafond_kyc", solde_max="0")],
    "ck_provenance_etablissement_source_valide": [
        insert("provenance_etablissement", source="'wikipedia'")
    ],
    "uq_provenance_etablissement_source_identifiant_source": [insert("provenance_etablissement")]
    * 2,
    "ck_publication_compteurs_positifs": [insert("publication", compteur_like="-1")],
    "ck_publication_contenu_non_vide": [insert("publication", contenu="''")],
    "ck_publication_statut_valide": [insert("publication", statut="'brouillon'")],
    "ck_publication_media_position_valide": [insert("publication_media", position="11")],
    "pk_publication_media": [insert("publication_media")] * 2,
    "ck_publicite_compteurs_positifs": [insert("publicite", nombre_clics="-1")],
    "ck_publicite_emplacement_valide": [insert("publicite", emplacement="'partout'")],
    "ck_publicite_periode_valide": [insert("publicite", date_fin=_PAST)],
    "ck_qr_code_paiement_devise_iso4217": [insert("qr_code_paiement", devise="'eur'")],
    "ck_qr_code_paiement_forme_selon_type": [insert("qr_code_paiement", montant="100")],
    "ck_qr_code_paiement_montant_positif": [
        insert(
            "qr_code_paiement",
            type_qr="'dynamique'",
            montant="-500",
            date_expiration="now() + interval '1 minute'",
        )
    ],
    "ck_qr_code_paiement_statut_valide": [insert("qr_code_paiement", statut="'perdu'")],
    "ck_qr_code_paiement_type_valide": [insert("qr_code_paiement", type_qr="'nfc'")],
    "ck_qr_code_paiement_usage_unique_dynamique": [
        insert("qr_code_paiement", statut="'utilise'", date_utilisation="now()")
    ],
    "uq_qr_code_paiement_code": [insert("qr_code_paiement", code="'code-world'")],
    "uq_qr_code_paiement_statique_actif": [
        insert("qr_code_paiement"),
        insert("qr_code_paiement", code="'code-3'"),
    ],
    "ck_signalement_motif_valide": [insert("signalement", motif="'ennui'")],
    "ck_signalement_statut_valide": [insert("signalement", statut="'vu'")],
    "ck_signalement_une_cible": [insert("signalement", id_commentaire=":com")],
    "uq_signalement_id_user_id_publication_id_commentaire_id_message": [
        insert("signalement", id_user=":u1")
    ],
    "ck_tache_statut_valide": [insert("tache", statut="'perdue'")],
    "ck_tache_tentatives_valides": [insert("tache", tentatives_max="0")],
    "uq_tache_cle_unicite": [insert("tache", cle_unicite="'unique-1'")],
    "uq_thematiques_titre": [insert("thematiques", titre="'Salon test'")],
    "ck_transaction_comptes_distincts": [insert("transaction", id_compte_destination=":c1")],
    "ck_transaction_devise_iso4217": [insert("transaction", devise="'usd'")],
    "ck_transaction_frais_positifs": [insert("transaction", frais="-1")],
    "ck_transaction_montant_positif": [insert("transaction", montant="-5")],
    "ck_transaction_motif_requis": [insert("transaction", type_transaction="'ajustement'")],
    "ck_transaction_operation_requise": [insert("transaction", type_transaction="'depot'")],
    "ck_transaction_qr_requis": [insert("transaction", type_transaction="'paiement_qr'")],
    "ck_transaction_reference_format": [insert("transaction", reference="'hl 1'")],
    "ck_transaction_remboursement_lie": [
        insert("transaction", type_transaction="'remboursement'", motif="'erreur'")
    ],
    "ck_transaction_statut_valide": [insert("transaction", statut="'en_attente'")],
    "ck_transaction_type_valide": [insert("transaction", type_transaction="'cadeau'")],
    "uq_transaction_id_transaction_annulee": [
        insert(
            "transaction",
            reference=f"'HL-REV{n}'",
            type_transaction="'remboursement'",
            motif="'erreur'",
            id_transaction_annulee=":tx",
        )
        for n in (1, 2)
    ],
    "uq_transaction_reference": [insert("transaction", reference="'HL-WORLD01'")],
    "ck_verification_identite_examen_date": [insert("verification_identite", statut="'approuvee'")],
    "ck_verification_identite_niveau_valide": [insert("verification_identite", niveau_demande="0")],
    "ck_verification_identite_rejet_motive": [
        insert("verification_identite", statut="'rejetee'", date_examen="now()")
    ],
    "ck_verification_identite_statut_valide": [
        insert("verification_identite", statut="'vu'", date_examen="now()")
    ],
    "ck_verification_identite_type_valide": [
        insert("verification_identite", type_document="'carte_vitale'")
    ],
    "uq_verification_identite_une_en_attente": [insert("verification_identite", id_user=":u1")],
    "ck_webhook_entrant_fournisseur_format": [insert("webhook_entrant", fournisseur="'MTN MoMo'")],
    "ck_webhook_entrant_statut_valide": [insert("webhook_entrant", statut="'lu'")],
    "uq_webhook_entrant_fournisseur_id_externe": [insert("webhook_entrant", id_externe="'ev-1'")],
}

# Extra columns a foreign-key case needs so that only the foreign key is wrong.
_FK_EXTRA: dict[tuple[str, str], dict[str, str]] = {
    ("signalement", "id_commentaire"): {"id_publication": "NULL"},
    ("signalement", "id_message"): {"id_publication": "NULL"},
    ("transaction", "id_transaction_annulee"): {
        "type_transaction": "'remboursement'",
        "motif": "'erreur'",
    },
}


async def _execute(session: AsyncSession, world: World, statement: TextClause) -> None:
    params = {key: world[key] for key in statement.compile().params}
    await session.execute(statement, params)


async def _expect_violation(
    session: AsyncSession, world: World, statements: list[TextClause], constraint: str
) -> None:
    async def run() -> None:
        async with session.begin_nested():
            for statement in statements:
                await _execute(session, world, statement)

    with pytest.raises(IntegrityError) as caught:
        await run()
    assert f'"{constraint}"' in str(caught.value), str(caught.value)


class TestChecksAndUniques:
    @pytest.mark.parametrize("constraint", sorted(CASES))
    async def test_violation_is_rejected(
        self, db_session: AsyncSession, world: World, constraint: str
    ) -> None:
        await _expect_violation(db_session, world, CASES[constraint], constraint)

    async def test_every_constraint_has_a_case(self, db_session: AsyncSession) -> None:
        rows = await db_session.execute(
            text(
                "SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
                " AND contype IN ('c', 'u') AND conrelid::regclass::text = ANY(:tables)"
                " UNION SELECT indexrelid::regclass::text FROM pg_index"
                " WHERE indisunique AND NOT indisprimary"
                " AND indrelid::regclass::text = ANY(:tables)"
                " AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = indexrelid)"
            ),
            {"tables": sorted(BASE)},
        )
        missing = set(rows.scalars()) - set(CASES)
        assert not missing, f"constraints without a violation test: {sorted(missing)}"


async def _foreign_keys(session: AsyncSession) -> list[tuple[str, str, str]]:
    rows = await session.execute(
        text(
            "SELECT conrelid::regclass::text, a.attname, conname FROM pg_constraint"
            " JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = conkey[1]"
            " WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
            " AND conrelid::regclass::text = ANY(:tables) ORDER BY 1, 2"
        ),
        {"tables": sorted(BASE)},
    )
    return [(t, c, n) for t, c, n in rows]


class TestForeignKeys:
    async def test_every_foreign_key_rejects_a_missing_parent(
        self, db_session: AsyncSession, world: World
    ) -> None:
        foreign_keys = await _foreign_keys(db_session)
        assert len(foreign_keys) > 60
        for table, column, name in foreign_keys:
            overrides = {**_FK_EXTRA.get((table, column), {}), column: "-1"}
            # A seeded tier 3 would collide on the primary key before the FK is checked.
            prelude = [text("DELETE FROM plafond_kyc WHERE niveau_kyc = 3")]
            statements = prelude * (table == "plafond_kyc") + [insert(table, **overrides)]
            await _expect_violation(db_session, world, statements, name)
