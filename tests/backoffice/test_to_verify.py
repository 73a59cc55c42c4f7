"""The operators' queue « à vérifier » in the back-office: a withdrawal past the horizon
without a definitive answer is listed on the job desk with the money it holds, its page says
why, and the operator's decision (« Clore à la main », motif, CSRF, audited) releases it."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.backoffice.helpers import post_form, sign_in
from tests.factories import scalar
from tests.operations.helpers import make_due, withdraw
from tests.wallet.helpers import admin_token, balance, credit, person


async def test_a_withdrawal_to_verify_is_listed_then_released_by_an_operator(
    client: httpx.AsyncClient, db_engine: AsyncEngine, app: Any
) -> None:
    awa = await person(client, db_engine, 37)
    await credit(client, await admin_token(client, db_engine), awa.numero_compte, 10_000)
    started = await withdraw(client, awa, 2_000, numero="0700000098")  # never answered
    reference = started.json()["data"]["reference"]
    await make_due(db_engine, reference, age_minutes=25 * 60)
    assert await app.state.operations.reconcile() == 1
    assert await balance(db_engine, awa.numero_compte) == 8_000
    await sign_in(client)

    desk = await client.get("/admin/taches")
    table = re.search(r'<table[^>]*id="operations-a-verifier".*?</table>', desk.text, re.S)
    assert table, desk.text[-3000:]
    assert reference in table.group(0)
    assert "2 000 XOF" in table.group(0)  # held
    assert f'href="/admin/operations/{reference}#cloture"' in table.group(0)
    stuck = re.search(r'<table[^>]*id="operations-bloquees".*?</table>', desk.text, re.S)
    assert stuck is None or reference not in stuck.group(0)  # in the queue, not both

    page = await client.get(f"/admin/operations/{reference}")
    assert 'id="a-verifier"' in page.text
    assert "restent bloqués" in page.text
    assert 'id="cloture"' in page.text

    done = await post_form(
        client,
        f"/admin/operations/{reference}",
        f"/admin/operations/{reference}/resolution",
        statut="echouee",
        motif="Wave confirme : aucun transfert reçu",
    )
    assert done.status_code == 303
    assert (
        "Opération close à la main : echouee" in (await client.get(done.headers["location"])).text
    )
    assert await balance(db_engine, awa.numero_compte) == 10_000
    assert (
        await scalar(
            db_engine,
            "SELECT motif FROM journal_audit WHERE action = 'operation.resolution'"
            " AND cle_cible = :r",
            r=reference,
        )
        == "Wave confirme : aucun transfert reçu"
    )
    desk = await client.get("/admin/taches")
    assert "Aucune opération à vérifier." in desk.text
