"""The directory's routes: public reads (near me, search, lists, detail, emergency numbers),
rate-limited per client address, and the administrators' edits.

Every answer that serves establishment data carries `attribution`: the licence and mention
of each source the page shows (ODbL rows: "© OpenStreetMap contributors")."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from starlette.responses import Response

from hostolink.auth import permissions
from hostolink.auth.deps import authenticated_router, limit_directory, require
from hostolink.auth.deps import public_router as make_public_router
from hostolink.auth.principal import Principal
from hostolink.db import SessionDep
from hostolink.health import categories, edits, emergency, repository
from hostolink.health.answers import to_the_minute
from hostolink.health.deps import DirectoryDep, ReaderDep
from hostolink.health.schemas import (
    AdminEstablishmentEdit,
    CategoriesAnswer,
    Category,
    CategoryOut,
    EmergencyNumberAnswer,
    EmergencyNumberEdit,
    EmergencyNumberIn,
    EmergencyNumbersAnswer,
    EstablishmentAnswer,
    EstablishmentCreate,
    ListAnswer,
    MergeBody,
    NearAnswer,
    PlaceOut,
    PlacesAnswer,
    SearchAnswer,
)
from hostolink.health.service import Directory, Filters, Moment, abidjan_moment
from hostolink.kit.pagination import InvalidCursor
from hostolink.kit.params import INT4_MAX, EmergencyNumberId, EstablishmentId

public = make_public_router(tags=["Annuaire santé"], dependencies=[Depends(limit_directory)])
admin_router = authenticated_router(tags=["Administration — annuaire"])
DirectoryManager = Annotated[Principal, Depends(require(permissions.DIRECTORY_MANAGE))]

DEFAULT_RADIUS_M = 5_000
MAX_RADIUS_M = 500_000
EMERGENCY_CACHE = "public, max-age=3600, stale-while-revalidate=86400"


Categories = Annotated[
    list[Category] | None,
    Query(description="Catégories (répéter le paramètre pour plusieurs).", examples=["pharmacie"]),
]
OpenNow = Annotated[
    bool, Query(description="Seulement les établissements ouverts maintenant (heure d'Abidjan).")
]
AlwaysOpen = Annotated[bool, Query(description="Seulement ceux ouverts 24 h/24, 7 j/7.")]
Emergencies = Annotated[bool, Query(description="Seulement ceux qui accueillent les urgences.")]
Limit = Annotated[int, Query(ge=1, le=100, description="Nombre de résultats.")]


def _filters(  # noqa: PLR0917 (the routes' query parameters, in their order)
    categorie: Sequence[str] | None,
    ouvert_maintenant: bool,
    ouvert_24h: bool,
    urgences: bool,
    region: str | None = None,
    commune: str | None = None,
    *,
    moment: Moment | None = None,
) -> Filters:
    return Filters(
        categories=tuple(categorie or ()),
        open_now=(moment or abidjan_moment()) if ouvert_maintenant else None,
        always_open=ouvert_24h,
        emergencies=urgences,
        region=region,
        commune=commune,
    )


@public.get(
    "/api/etablissements/proches",
    summary="Établissements proches de moi, du plus proche au plus loin (distance en mètres)",
    response_model=NearAnswer,
)
async def near(
    *,
    request: Request,
    session: ReaderDep,
    directory: DirectoryDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="Ma latitude.", examples=[5.3453])],
    lon: Annotated[float, Query(ge=-180, le=180, description="Ma longitude.", examples=[-3.9866])],
    rayon: Annotated[
        int, Query(ge=100, le=MAX_RADIUS_M, description="Rayon de recherche en mètres.")
    ] = DEFAULT_RADIUS_M,
    categorie: Categories = None,
    ouvert_maintenant: OpenNow = False,
    ouvert_24h: AlwaysOpen = False,
    urgences: Emergencies = False,
    limite: Limit = 20,
) -> Response:
    moment = to_the_minute(abidjan_moment())
    filters = _filters(categorie, ouvert_maintenant, ouvert_24h, urgences, moment=moment)
    key = ("proches", lat, lon, rayon, filters, limite, moment)

    async def build() -> dict[str, Any]:
        found = await directory.near(
            session,
            lat=lat,
            lon=lon,
            radius_m=rayon,
            filters=filters,
            limit=limite,
            moment=moment,
        )
        attribution = await directory.page_attribution(session, found)
        # NearAnswer's fields, in order.
        return {"success": True, "attribution": attribution, "data": found, "rayon_m": rayon}

    return await directory.answers.respond(request, session, key, build)


@public.get(
    "/api/etablissements/recherche",
    summary="Rechercher par nom, catégorie ou lieu (sans accents, fautes de frappe tolérées)",
    response_model=SearchAnswer,
)
async def search(
    *,
    request: Request,
    session: ReaderDep,
    directory: DirectoryDep,
    q: Annotated[
        str,
        Query(
            min_length=2,
            max_length=100,
            description="Ce que l'on cherche.",
            examples=["chu cocody"],
        ),
    ],
    categorie: Categories = None,
    ouvert_maintenant: OpenNow = False,
    ouvert_24h: AlwaysOpen = False,
    urgences: Emergencies = False,
    limite: Limit = 20,
) -> Response:
    moment = to_the_minute(abidjan_moment())
    filters = _filters(categorie, ouvert_maintenant, ouvert_24h, urgences, moment=moment)
    key = ("recherche", q, filters, limite, moment)

    async def build() -> dict[str, Any]:
        found, understood = await directory.search(
            session, text=q, filters=filters, limit=limite, moment=moment
        )
        attribution = await directory.page_attribution(session, found)
        # SearchAnswer's fields, in order.
        return {
            "success": True,
            "attribution": attribution,
            "data": found,
            "requete": understood.shown,
            "corrigee": understood.corrected,
        }

    return await directory.answers.respond(request, session, key, build)


_BAD_CURSOR = "Curseur de pagination invalide."


def _decode_cursor(cursor: str) -> tuple[str, int]:
    """The (normalised name, id) `_encode_cursor` wrote. A name PostgreSQL text cannot hold
    (NUL, a lone surrogate) or an id that is not an INTEGER id (10^20, 1.5, -3, true) is
    refused here, not by the database (issue 21)."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, RecursionError) as exc:
        raise InvalidCursor(_BAD_CURSOR) from exc
    if not (isinstance(position, list) and len(position) == 2):
        raise InvalidCursor(_BAD_CURSOR)
    name, identifier = position
    if not isinstance(name, str) or "\x00" in name:
        raise InvalidCursor(_BAD_CURSOR)
    try:
        name.encode()
    except UnicodeEncodeError as exc:
        raise InvalidCursor(_BAD_CURSOR) from exc
    if type(identifier) is not int or not 0 < identifier <= INT4_MAX:
        raise InvalidCursor(_BAD_CURSOR)
    return name, identifier


def _encode_cursor(position: tuple[str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode()


@public.get(
    "/api/etablissements",
    summary="Établissements par région, commune et catégorie (ordre alphabétique, paginé)",
    response_model=ListAnswer,
)
async def listing(
    *,
    session: SessionDep,
    directory: DirectoryDep,
    region: Annotated[str | None, Query(max_length=100, examples=["Abidjan"])] = None,
    commune: Annotated[str | None, Query(max_length=100, examples=["Cocody"])] = None,
    categorie: Categories = None,
    ouvert_maintenant: OpenNow = False,
    ouvert_24h: AlwaysOpen = False,
    urgences: Emergencies = False,
    curseur: Annotated[str | None, Query(max_length=400, description="Page suivante.")] = None,
    limite: Limit = 20,
) -> ListAnswer:
    filters = _filters(categorie, ouvert_maintenant, ouvert_24h, urgences, region, commune)
    after = _decode_cursor(curseur) if curseur else None
    found, following = await directory.listing(
        session, filters=filters, after=after, limit=limite, moment=abidjan_moment()
    )
    attribution = await directory.page_attribution(session, found)
    return ListAnswer(
        data=found,
        suivant=_encode_cursor(following) if following else None,
        attribution=attribution,
    )


@public.get(
    "/api/etablissements/categories",
    summary="Les catégories d'établissements et leur nombre",
    response_model=CategoriesAnswer,
)
async def category_counts(session: SessionDep) -> CategoriesAnswer:
    counts = {row[0]: row[1] for row in await repository.categories(session)}
    data = [
        CategoryOut(code=code, libelle=label, nombre=counts.get(code, 0))
        for code, label in categories.LABELS.items()
    ]
    return CategoriesAnswer(data=data)


@public.get(
    "/api/etablissements/lieux",
    summary="Régions, villes et communes où se trouvent des établissements",
    response_model=PlacesAnswer,
)
async def places(session: SessionDep) -> PlacesAnswer:
    rows = await repository.places(session)
    return PlacesAnswer(
        data=[PlaceOut(region=r[0], ville=r[1], commune=r[2], nombre=r[3]) for r in rows]
    )


@public.get(
    "/api/etablissements/{id_etablissement}",
    summary="Fiche d'un établissement : numéros à toucher pour appeler, itinéraire, horaires",
    response_model=EstablishmentAnswer,
)
async def detail(
    id_etablissement: EstablishmentId,
    request: Request,
    session: ReaderDep,
    directory: DirectoryDep,
) -> Response:
    moment = to_the_minute(abidjan_moment())
    key = ("fiche", id_etablissement, moment)

    async def build() -> EstablishmentAnswer:
        data = await directory.detail(session, establishment_id=id_etablissement, moment=moment)
        return EstablishmentAnswer(data=data, attribution=data.provenance)

    return await directory.answers.respond(request, session, key, build)


@public.get(
    "/api/numeros-urgence",
    summary="Numéros d'urgence nationaux (à garder hors ligne ; ETag pour revalider)",
    response_model=EmergencyNumbersAnswer,
)
async def emergency_numbers(request: Request, session: SessionDep) -> Response:
    body, etag = await emergency.public_list(session)
    headers = {"ETag": etag, "Cache-Control": EMERGENCY_CACHE}
    asked = request.headers.get("if-none-match", "")
    if etag in {tag.strip() for tag in asked.split(",")} or asked.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


# ------------------------------------------------------------------ administrators


@admin_router.post(
    "/api/admin/etablissements",
    summary="Créer un établissement (position obligatoire)",
    status_code=201,
    response_model=EstablishmentAnswer,
)
async def admin_create(
    body: EstablishmentCreate,
    principal: DirectoryManager,
    session: SessionDep,
    directory: DirectoryDep,
) -> EstablishmentAnswer:
    row = await edits.create_establishment(session, body=body, actor=principal)
    return await _admin_detail(session, directory, row.id_etablissement)


@admin_router.get(
    "/api/admin/etablissements/{id_etablissement}",
    summary="Fiche d'un établissement, même masqué",
    response_model=EstablishmentAnswer,
    dependencies=[Depends(require(permissions.DIRECTORY_MANAGE))],
)
async def admin_detail(
    id_etablissement: EstablishmentId, session: SessionDep, directory: DirectoryDep
) -> EstablishmentAnswer:
    return await _admin_detail(session, directory, id_etablissement)


@admin_router.patch(
    "/api/admin/etablissements/{id_etablissement}",
    summary="Modifier, masquer (visible=false) ou vérifier un établissement",
    response_model=EstablishmentAnswer,
)
async def admin_edit(
    id_etablissement: EstablishmentId,
    body: AdminEstablishmentEdit,
    principal: DirectoryManager,
    session: SessionDep,
    directory: DirectoryDep,
) -> EstablishmentAnswer:
    await edits.update_establishment(
        session,
        establishment_id=id_etablissement,
        edit=body,
        actor=principal,
        source="administrateur",
    )
    return await _admin_detail(session, directory, id_etablissement)


@admin_router.post(
    "/api/admin/etablissements/{id_etablissement}/fusion",
    summary="Fusionner un doublon dans un autre établissement (motif obligatoire)",
    response_model=EstablishmentAnswer,
)
async def admin_merge(
    id_etablissement: EstablishmentId,
    body: MergeBody,
    principal: DirectoryManager,
    session: SessionDep,
    directory: DirectoryDep,
) -> EstablishmentAnswer:
    kept = await edits.merge(
        session,
        source_id=id_etablissement,
        target_id=body.id_cible,
        motif=body.motif,
        actor=principal,
    )
    return await _admin_detail(session, directory, kept.id_etablissement)


async def _admin_detail(
    session: SessionDep, directory: Directory, establishment_id: int
) -> EstablishmentAnswer:
    directory.invalidate()
    data = await directory.detail(
        session, establishment_id=establishment_id, moment=abidjan_moment(), admin=True
    )
    return EstablishmentAnswer(data=data, attribution=data.provenance)


@admin_router.post(
    "/api/admin/numeros-urgence",
    summary="Ajouter un numéro d'urgence national",
    status_code=201,
    response_model=EmergencyNumberAnswer,
)
async def admin_add_number(
    body: EmergencyNumberIn, principal: DirectoryManager, session: SessionDep
) -> EmergencyNumberAnswer:
    return EmergencyNumberAnswer(data=await emergency.create(session, body=body, actor=principal))


@admin_router.patch(
    "/api/admin/numeros-urgence/{id_numero}",
    summary="Modifier un numéro d'urgence national",
    response_model=EmergencyNumberAnswer,
)
async def admin_edit_number(
    id_numero: EmergencyNumberId,
    body: EmergencyNumberEdit,
    principal: DirectoryManager,
    session: SessionDep,
) -> EmergencyNumberAnswer:
    data = await emergency.edit(session, number_id=id_numero, body=body, actor=principal)
    return EmergencyNumberAnswer(data=data)


@admin_router.delete(
    "/api/admin/numeros-urgence/{id_numero}",
    summary="Retirer un numéro d'urgence de la liste publique",
    status_code=204,
)
async def admin_withdraw_number(
    id_numero: EmergencyNumberId, principal: DirectoryManager, session: SessionDep
) -> Response:
    await emergency.withdraw(session, number_id=id_numero, actor=principal)
    return Response(status_code=204)
