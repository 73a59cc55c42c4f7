"""The sandbox's own pages (in French): the payment page a payer opens to confirm or refuse
a deposit, the list of simulated operations, and the page the payer returns to."""

from __future__ import annotations

from html import escape
from typing import Annotated, Literal

from fastapi import Form
from fastapi.responses import HTMLResponse, RedirectResponse

from hostolink.auth.deps import public_router
from hostolink.errors import NotFound
from hostolink.kit.money import format_xof
from hostolink.kit.security_headers import content_security_policy, source_hash
from hostolink.providers.base import Outcome
from hostolink.providers.sandbox.adapter import (
    ANSWER_LOST_SUFFIX,
    LOST_CALLBACK_SUFFIX,
    REFUSED_SUFFIX,
    SILENT_SUFFIX,
    SWITCHED_SUFFIX,
    SandboxOperation,
    SandboxProvider,
)
from hostolink.providers.sandbox.deps import SandboxDep

router = public_router(tags=["Bac à sable"])

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f3f6f8;
color:#1d2a33}main{max-width:34rem;margin:2rem auto;background:#fff;border-radius:12px;
padding:1.5rem 1.75rem;box-shadow:0 1px 4px rgba(0,0,0,.08)}h1{font-size:1.3rem;margin-top:0}
.banner{background:#fff4d6;border:1px solid #f0d58a;border-radius:8px;padding:.6rem .8rem;
font-size:.9rem}.amount{font-size:2rem;font-weight:700;margin:.5rem 0}table{width:100%;
border-collapse:collapse;font-size:.9rem}td,th{padding:.35rem;border-bottom:1px solid #e5eaee;
text-align:left}button{font-size:1rem;padding:.7rem 1.2rem;border-radius:8px;border:0;
cursor:pointer;margin-right:.5rem}.ok{background:#0a7d4f;color:#fff}.ko{background:#c0392b;
color:#fff}.status{font-weight:600}
"""
# The pages' only style is the block above, allowed by its digest; no script at all. The
# payment page's form posts to the page itself (form-action 'self').
CONTENT_SECURITY_POLICY = content_security_policy(style_src=f"'self' {source_hash(_STYLE)}")
_STATUS = {
    Outcome.PENDING: "en attente",
    Outcome.SUCCEEDED: "réussi",
    Outcome.FAILED: "refusé",
    Outcome.UNKNOWN: "inconnu",
}


Decision = Annotated[Literal["confirmer", "refuser"], Form()]


def _enabled(sandbox: SandboxProvider | None) -> SandboxProvider:
    if sandbox is None:
        raise NotFound("Le bac à sable est désactivé sur ce serveur.")
    return sandbox


def _page(title: str, body: str) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} — Bac à sable Hostolink</title><style>{_STYLE}</style></head>"
        f'<body><main><p class="banner">Bac à sable : aucun argent réel ne circule.</p>'
        f"<h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(html)


async def _operation(sandbox: SandboxProvider | None, operation_id: str) -> SandboxOperation:
    operation = await _enabled(sandbox).get(operation_id)
    if operation is None:
        raise NotFound("Opération inconnue du bac à sable.")
    return operation


@router.get("/sandbox", summary="Opérations simulées du bac à sable", response_class=HTMLResponse)
async def sandbox_home(sandbox: SandboxDep) -> HTMLResponse:
    operations = (await _enabled(sandbox).operations(limit=100)).values()
    rows = "".join(
        f"<tr><td><a href='/sandbox/paiement/{escape(o.id)}'>{escape(o.id)}</a></td>"
        f"<td>{'Dépôt' if o.direction == 'depot' else 'Retrait'}</td>"
        f"<td>{escape(format_xof(o.amount))}</td><td>{escape(o.msisdn)}</td>"
        f"<td class='status'>{_STATUS[o.status]}</td></tr>"
        for o in operations
    )
    body = (
        "<p>Numéros de test : se terminant par "
        f"<b>{REFUSED_SUFFIX}</b> → refusé par l'opérateur ; par <b>{SILENT_SUFFIX}</b> → "
        f"l'opérateur ne répond jamais ; par <b>{LOST_CALLBACK_SUFFIX}</b> → la notification "
        "se perd (seule la réconciliation trouve le résultat) ; par "
        f"<b>{ANSWER_LOST_SUFFIX}</b> → la réponse se perd, l'opération est faite quand même "
        "(la réconciliation la retrouve) ; par "
        f"<b>{SWITCHED_SUFFIX}</b> → l'opérateur change de plateforme (« introuvable » "
        "quelque temps, rien n'est rendu pour autant) ; tout autre numéro réussit.</p>"
        "<table><tr><th>Opération</th><th>Sens</th><th>Montant</th><th>Numéro</th>"
        f"<th>Statut</th></tr>{rows or '<tr><td colspan=5>Aucune opération.</td></tr>'}</table>"
    )
    return _page("Opérations simulées", body)


@router.get(
    "/sandbox/paiement/{operation_id}",
    summary="Page de paiement simulée (le payeur confirme ou refuse)",
    response_class=HTMLResponse,
)
async def payment_page(operation_id: str, sandbox: SandboxDep) -> HTMLResponse:
    operation = await _operation(sandbox, operation_id)
    kind = "Paiement à Hostolink" if operation.direction == "depot" else "Retrait Hostolink"
    details = (
        f"<p class='amount'>{escape(format_xof(operation.amount))}</p>"
        f"<p>{escape(operation.description)}<br>Numéro : {escape(operation.msisdn)}</p>"
    )
    if operation.status is Outcome.PENDING:
        action = "Confirmer le paiement" if operation.direction == "depot" else "Valider"
        form = (
            f"<form method='post' action='/sandbox/paiement/{escape(operation.id)}'>"
            f"<button class='ok' name='decision' value='confirmer'>{action}</button>"
            "<button class='ko' name='decision' value='refuser'>Refuser</button></form>"
        )
    else:
        reason = f" — {escape(operation.reason)}" if operation.reason else ""
        form = f"<p class='status'>Opération {_STATUS[operation.status]}{reason}.</p>"
        if operation.return_url:
            form += f"<p><a href='{escape(operation.return_url)}'>Revenir à Hostolink</a></p>"
    return _page(kind, details + form)


@router.post(
    "/sandbox/paiement/{operation_id}",
    summary="Confirmer ou refuser une opération simulée",
    response_class=RedirectResponse,
    status_code=303,
)
async def decide(operation_id: str, sandbox: SandboxDep, decision: Decision) -> RedirectResponse:
    await _operation(sandbox, operation_id)
    await _enabled(sandbox).decide(operation_id, accept=decision == "confirmer")
    return RedirectResponse(f"/sandbox/paiement/{operation_id}", status_code=303)


@router.get(
    "/sandbox/retour/{reference}",
    summary="Page de retour après un paiement simulé",
    response_class=HTMLResponse,
)
async def back_to_app(reference: str) -> HTMLResponse:
    body = (
        "<p>Le paiement est terminé côté opérateur. Revenez dans l'application Hostolink : "
        "votre portefeuille est crédité dès que l'opérateur nous a confirmé le paiement.</p>"
        f"<p>Référence : <code>{escape(reference)}</code></p>"
    )
    return _page("Retour vers Hostolink", body)
