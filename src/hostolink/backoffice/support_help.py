"""The help content in the back-office (`/admin/aide`, aide:gerer): the FAQ (list, create,
edit, publish / unpublish, delete) and the agents' canned answers (list, create, edit,
deactivate). Every change goes through the API's services (support/faq, support/canned):
checked, its search text recomputed, audited, in one transaction."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqladmin import BaseView, expose
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from hostolink.backoffice.pages import _act, _db, _person, _render
from hostolink.errors import HostolinkError
from hostolink.support.canned import service as canned
from hostolink.support.canned.schemas import CannedBody, CannedPatch
from hostolink.support.faq import service as faq
from hostolink.support.faq.schemas import FaqBody, FaqPatch

IDENTITY = "aide"
BACK = "/admin/aide"
_LABELS = {
    "question": "Question",
    "reponse": "Réponse",
    "categorie": "Catégorie",
    "ordre": "Rang",
    "titre": "Titre",
    "contenu": "Texte",
}


def _validated(model: Any, values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        raise HostolinkError(
            f"{_LABELS.get(name, name)} : valeur invalide ({first['msg']}).", status_code=422
        ) from None


def _faq_values(form: dict[str, str]) -> dict[str, Any]:
    order = form.get("ordre", "0").strip() or "0"
    if not order.lstrip("-").isdigit():
        raise HostolinkError("Rang : un nombre entier est attendu.", status_code=422)
    return {
        "question": form.get("question", ""),
        "reponse": form.get("reponse", ""),
        "categorie": form.get("categorie", "") or "Général",
        "ordre": int(order),
        "publiee": form.get("publiee") == "on",
    }


def _canned_values(form: dict[str, str]) -> dict[str, Any]:
    return {
        "titre": form.get("titre", ""),
        "contenu": form.get("contenu", ""),
        "active": form.get("active") == "on",
    }


def _chosen(items: list[Any], attribute: str, wanted: str | None) -> Any:
    if not wanted or not wanted.isdigit():
        return None
    return next((item for item in items if getattr(item, attribute) == int(wanted)), None)


class HelpPage(BaseView):
    name = "Aide : FAQ et réponses types"
    identity = IDENTITY
    icon = "fa-solid fa-circle-question"
    category = "Assistance"

    @expose("/aide", identity=IDENTITY)
    async def page(self, request: Request) -> Response:
        async with _db(self).sessionmaker() as session:
            questions = await faq.listing(session)
            answers = await canned.listing(session, all_of_them=True)
        return await _render(
            self,
            request,
            "backoffice/support_help.html",
            faq=questions,
            canned=answers,
            categories=sorted({q.categorie for q in questions}),
            chosen_question=_chosen(questions, "id_question", request.query_params.get("question")),
            chosen_canned=_chosen(answers, "id_reponse", request.query_params.get("reponse")),
        )

    @expose("/aide/faq", methods=["POST"], identity=IDENTITY)
    async def create_question(self, request: Request) -> Response:
        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            body = _validated(FaqBody, _faq_values(form))
            await faq.create(session, author_id=_person().id, body=body)
            return "Question ajoutée."

        return await _act(self, request, BACK, work)

    @expose("/aide/faq/{id_question:int}", methods=["POST"], identity=IDENTITY)
    async def update_question(self, request: Request) -> Response:
        question_id = request.path_params["id_question"]

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            body = _validated(FaqPatch, _faq_values(form))
            await faq.update(session, author_id=_person().id, question_id=question_id, body=body)
            return "Question modifiée."

        return await _act(self, request, BACK, work)

    @expose("/aide/faq/{id_question:int}/publication", methods=["POST"], identity=IDENTITY)
    async def publish(self, request: Request) -> Response:
        question_id = request.path_params["id_question"]

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            shown = form.get("publiee") == "1"
            body = _validated(FaqPatch, {"publiee": shown})
            await faq.update(session, author_id=_person().id, question_id=question_id, body=body)
            return "Question publiée." if shown else "Question retirée de l'application."

        return await _act(self, request, BACK, work)

    @expose("/aide/faq/{id_question:int}/suppression", methods=["POST"], identity=IDENTITY)
    async def delete_question(self, request: Request) -> Response:
        question_id = request.path_params["id_question"]

        async def work(session: AsyncSession, _form: dict[str, str]) -> str:
            await faq.delete(session, question_id=question_id)
            return "Question supprimée."

        return await _act(self, request, BACK, work)

    @expose("/aide/reponses-types", methods=["POST"], identity=IDENTITY)
    async def create_answer(self, request: Request) -> Response:
        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            body = _validated(CannedBody, _canned_values(form))
            await canned.create(session, author_id=_person().id, body=body)
            return "Réponse type ajoutée."

        return await _act(self, request, BACK + "#reponses-types", work)

    @expose("/aide/reponses-types/{id_reponse:int}", methods=["POST"], identity=IDENTITY)
    async def update_answer(self, request: Request) -> Response:
        answer_id = request.path_params["id_reponse"]

        async def work(session: AsyncSession, form: dict[str, str]) -> str:
            body = _validated(CannedPatch, _canned_values(form))
            await canned.update(session, author_id=_person().id, answer_id=answer_id, body=body)
            return "Réponse type modifiée."

        return await _act(self, request, BACK + "#reponses-types", work)

    @expose(
        "/aide/reponses-types/{id_reponse:int}/desactivation", methods=["POST"], identity=IDENTITY
    )
    async def deactivate_answer(self, request: Request) -> Response:
        answer_id = request.path_params["id_reponse"]

        async def work(session: AsyncSession, _form: dict[str, str]) -> str:
            await canned.update(
                session, author_id=_person().id, answer_id=answer_id, body=CannedPatch(active=False)
            )
            return "Réponse type désactivée : elle n'est plus proposée aux agents."

        return await _act(self, request, BACK + "#reponses-types", work)
