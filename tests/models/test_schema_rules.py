"""Rules that need more than one insert: the ledger (append-only, balanced), money history
that blocks deletions, cascades of personal data, the `point` type and KNN, text search,
no floating-point money anywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import EtablissementSante
from tests.models.conftest import World


async def _fails(session: AsyncSession, sql: str, params: dict[str, object], marker: str) -> None:
    async def run() -> None:
        async with session.begin_nested():
            await session.execute(text(sql), params)
            # The balance triggers are deferred to COMMIT: check now.
            await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))

    with pytest.raises(IntegrityError) as caught:
        await run()
    assert marker in str(caught.value), str(caught.value)


class TestLedger:
    async def test_balanced_transaction_passes_the_deferred_check(
        self, db_session: AsyncSession, world: World
    ) -> None:
        await db_session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))

    async def test_entries_cannot_be_updated(self, db_session: AsyncSession, world: World) -> None:
        await _fails(
            db_session,
            "UPDATE ecriture SET montant = -1000 WHERE id_ecriture = :e",
            {"e": world["e1"]},
            "ajout seul",
        )

    async def test_entries_cannot_be_deleted(self, db_session: AsyncSession, world: World) -> None:
        await _fails(
            db_session, "DELETE FROM ecriture WHERE id_ecriture = :e", {"e": world["e1"]}, "ajout"
        )

    async def test_unbalanced_transaction_is_rejected(
        self, db_session: AsyncSession, world: World
    ) -> None:
        await _fails(
            db_session,
            "WITH t AS (INSERT INTO transaction (reference, type_transaction, montant,"
            " id_compte_source, id_compte_destination) VALUES ('HL-UNBAL1', 'transfert', 50,"
            " :c1, :c2) RETURNING id_transaction)"
            " INSERT INTO ecriture (id_transaction, id_compte, montant, solde_apres)"
            " SELECT id_transaction, :c2, 50, 150 FROM t",
            {"c1": world["c1"], "c2": world["c2"]},
            "déséquilibrée",
        )

    async def test_transaction_without_entries_is_rejected(
        self, db_session: AsyncSession, world: World
    ) -> None:
        await _fails(
            db_session,
            "INSERT INTO transaction (reference, type_transaction, montant, id_compte_source,"
            " id_compte_destination) VALUES ('HL-EMPTY1', 'transfert', 50, :c1, :c2)",
            {"c1": world["c1"], "c2": world["c2"]},
            "déséquilibrée",
        )

    async def test_account_with_entries_cannot_be_deleted(
        self, db_session: AsyncSession, world: World
    ) -> None:
        await _fails(
            db_session,
            "DELETE FROM compte WHERE id_compte = :c",
            {"c": world["c1"]},
            "foreign key constraint",
        )

    async def test_person_with_money_history_cannot_be_deleted(
        self, db_session: AsyncSession, world: World
    ) -> None:
        # The owner's cascade utilisateur → compte stops at the ledger (RESTRICT).
        with pytest.raises(IntegrityError):
            async with db_session.begin_nested():
                await db_session.execute(
                    text("DELETE FROM utilisateur WHERE id_user = :u"), {"u": world["u2"]}
                )

    async def test_money_history_is_never_cascade_deleted(self, db_session: AsyncSession) -> None:
        rows = await db_session.execute(
            text(
                "SELECT conname, confdeltype::text FROM pg_constraint WHERE contype = 'f'"
                " AND (conrelid::regclass::text IN ('ecriture', 'transaction',"
                " 'historique_operation', 'operation_fournisseur')"
                " OR confrelid::regclass::text IN ('transaction', 'ecriture'))"
            )
        )
        actions: dict[str, str] = {str(k): str(v) for k, v in rows.all()}
        assert actions
        assert set(actions.values()) == {"r"}, actions


class TestPersonalDataCascade:
    async def test_deleting_a_person_removes_their_social_rows(
        self, db_session: AsyncSession, world: World
    ) -> None:
        u3 = await db_session.scalar(
            text("INSERT INTO utilisateur (email) VALUES ('u3@example.ci') RETURNING id_user")
        )
        params = {"u3": u3, "pub": world["pub"], "them": world["them"]}
        await db_session.execute(
            text("INSERT INTO liker (id_user, id_publication) VALUES (:u3, :pub)"), params
        )
        message = await db_session.scalar(
            text(
                "INSERT INTO message (id_thematique, id_user, contenu)"
                " VALUES (:them, :u3, 'Bonjour') RETURNING id_message"
            ),
            params,
        )
        await db_session.execute(text("DELETE FROM utilisateur WHERE id_user = :u3"), params)
        likes = await db_session.scalar(
            text("SELECT count(*) FROM liker WHERE id_user = :u3"), params
        )
        author = await db_session.scalar(
            text("SELECT id_user FROM message WHERE id_message = :m"), {"m": message}
        )
        assert likes == 0
        assert author is None


class TestGeoAndSearch:
    async def test_point_round_trips_as_lon_lat(self, db_session: AsyncSession) -> None:
        etab = EtablissementSante(
            nom="Clinique", nom_normalise="clinique", categorie="clinique", geo=(-5.03, 7.69)
        )
        db_session.add(etab)
        await db_session.flush()
        await db_session.refresh(etab)
        assert etab.geo == (-5.03, 7.69)

    async def test_knn_orders_by_distance(self, db_session: AsyncSession, world: World) -> None:
        places = {"Bouaké": (-5.03, 7.69), "San-Pédro": (-6.64, 4.75), "Plateau": (-4.02, 5.32)}
        for name, geo in places.items():
            db_session.add(
                EtablissementSante(nom=name, nom_normalise=name.lower(), categorie="autre", geo=geo)
            )
        await db_session.flush()
        here = func.point(-4.0, 5.3)  # Abidjan
        rows = await db_session.scalars(
            select(EtablissementSante.nom)
            .where(EtablissementSante.nom.in_(places))
            .order_by(EtablissementSante.geo.distance(here))
        )
        assert list(rows) == ["Plateau", "Bouaké", "San-Pédro"]

    async def test_geo_has_a_gist_index(self, db_session: AsyncSession) -> None:
        definition = await db_session.scalar(
            text("SELECT pg_get_indexdef('ix_etablissement_sante_geo'::regclass)")
        )
        assert "USING gist (geo)" in str(definition)

    async def test_full_text_search_on_the_normalised_text(
        self, db_session: AsyncSession, world: World
    ) -> None:
        found = await db_session.scalar(
            text(
                "SELECT id_etablissement FROM etablissement_sante"
                " WHERE vecteur_recherche @@ to_tsquery('simple', 'chu & cocody')"
            )
        )
        assert found == world["etab"]


class TestMerchantAccounts:
    async def test_one_merchant_account_per_establishment_and_currency(
        self, db_session: AsyncSession, world: World
    ) -> None:
        sql = (
            "INSERT INTO compte (numero_compte, type_compte, id_etablissement, devise)"
            " VALUES (:numero, 'marchand', :etab, 'XOF')"
        )
        await db_session.execute(text(sql), {"numero": "HLM0000001", "etab": world["etab"]})
        await _fails(
            db_session,
            sql,
            {"numero": "HLM0000002", "etab": world["etab"]},
            "uq_compte_marchand_devise",
        )


class TestMoneyTypes:
    async def test_no_floating_point_or_numeric_column(self, db_session: AsyncSession) -> None:
        rows = await db_session.execute(
            text(
                "SELECT table_name || '.' || column_name FROM information_schema.columns"
                " WHERE table_schema = 'public'"
                " AND data_type IN ('real', 'double precision', 'numeric', 'money')"
            )
        )
        assert list(rows.scalars()) == []
