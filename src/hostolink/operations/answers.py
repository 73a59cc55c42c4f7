"""What starting a deposit or a withdrawal documents and answers: shared by the operations'
routes and the establishments' withdrawals."""

from __future__ import annotations

from starlette.responses import JSONResponse

from hostolink.operations.flow import Started
from hostolink.wallet.idempotency import REPLAY_HEADER

FLOW_DOC = (
    "En-tête **Idempotency-Key** obligatoire (une valeur par opération, renvoyée telle quelle "
    "en cas de nouvel essai : l'opération d'origine est renvoyée, dans son état actuel, avec "
    "`Idempotent-Replayed: true`). Réponse 202 : l'opération est en attente du fournisseur ; "
    "suivez-la avec GET /api/operations/{reference}."
)


def started_answer(started: Started) -> JSONResponse:
    view = started.operation
    status = {"reussie": 201, "echouee": 422, "expiree": 422}.get(view.statut, 202)
    body: dict[str, object] = {
        "success": status < 400,
        "message": started.message,
        "data": view.model_dump(mode="json"),
    }
    if status >= 400:
        body["error"] = "OperationRefusee"
    headers = {REPLAY_HEADER: "true"} if started.replayed else None
    return JSONResponse(body, status_code=status, headers=headers)
