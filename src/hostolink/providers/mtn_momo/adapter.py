"""MTN Mobile Money Côte d'Ivoire through MTN's MoMo API, on either of MTN's platforms.

Facts (docs/fournisseurs.md, « MTN MoMo », names the source of each; [DOC] = MTN's own pages
on momodeveloper.mtn.com / momodevelopercommunity.mtn.com, [SDK] = the API's swagger and
official SDK types, [3P] = consistent across third-party integrations):
- two products, each with its own `Ocp-Apim-Subscription-Key`: Collection (deposits, the
  payer confirms on the phone) and Disbursement (withdrawals to a MoMo number) [DOC];
- token: `POST /{product}/token/`, HTTP Basic `user:key` + the product's subscription key →
  `{access_token, token_type, expires_in}` [DOC]; one token per product and platform;
- initiation: `POST /collection/v1_0/requesttopay` or `/disbursement/v1_0/transfer` with
  `X-Reference-Id` = a UUID v4 we choose, which becomes the operation's id → 202 [DOC].
  Re-sending the same `X-Reference-Id` answers 409 `RESOURCE_ALREADY_EXIST` and creates
  nothing [DOC: common errors], so the POST is idempotent: our reference is that id, it may be
  retried, and a 409 means "already submitted": look it up, never a refusal;
- status: `GET /collection/v1_0/requesttopay/{id}` or `/disbursement/v1_0/transfer/{id}` →
  `{amount, currency, financialTransactionId, externalId, payer|payee, status, reason}`,
  `status` ∈ PENDING | SUCCESSFUL | FAILED; "a failed request to pay will be returned with
  this status [200] too" [DOC]. A 404 `RESOURCE_NOT_FOUND` proves nothing (not arrived, or
  created on the other platform): Outcome.UNKNOWN, never a failure;
- Côte d'Ivoire production takes `X-Target-Environment: mtnivorycoast` and XOF; the sandbox
  takes `sandbox` and EUR only [3P + DOC sandbox notebook] (hence the configured currency);
- several configuration errors come back as HTTP 500 with a code (`codes.py`).

Platforms (`platform.py`): each operation's `provider_data` records the platform that created
it (`{"plateforme": "classic" | "openapi"}`); `status` reads it there, with that platform's
credentials, whatever MTN_MOMO_PLATFORM says today. Operations from before the field existed
were created on the classic platform.

Callbacks: MTN sends the final result to `X-Callback-Url` (by PUT or POST: the route must
accept both) with a body like the status answer, and SIGNS NOTHING [DOC callback page].
Anyone who knows a reference could forge one, so a callback is only a hint: `parse_callback`
returns `trusted=False` and the flow confirms with `status()` before touching the wallet.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from hostolink.config import Settings
from hostolink.providers.base import (
    Callback,
    CollectionRequest,
    Direction,
    InvalidCallback,
    OperationRef,
    Outcome,
    PayoutRequest,
    ProviderAnswer,
    ProviderError,
    ProviderProtocolError,
    ProviderRejected,
    ProviderUnavailable,
    ProviderUnreachable,
)
from hostolink.providers.http import callback_object, field, json_object, whole_francs
from hostolink.providers.mtn_momo.codes import (
    FAILED_DEFAULT,
    REFUSAL_CODES,
    REFUSED_DEFAULT,
    decisive_code,
    error_code,
    normalized,
    reason,
    reason_code,
)
from hostolink.providers.mtn_momo.platform import (
    CLASSIC,
    HTTP_OK_MAX,
    HTTP_OK_MIN,
    OPENAPI,
    PROVIDER,
    SERVER_ERROR,
    MomoPlatform,
    PlatformConfig,
)

logger = logging.getLogger("hostolink.providers.mtn_momo")

CODE = PROVIDER
PLATFORM_KEY = "plateforme"  # in `provider_data`, kept by the flow as `donnees_fournisseur`
LEGACY_PLATFORM = CLASSIC  # operations recorded before the key existed

NOTE_MAX = 160  # payerMessage / payeeNote limit [DOC common errors + SDK]
ACCEPTED, NOT_FOUND, CONFLICT = 202, 404, 409

INVALID_NUMBER = "Numéro de téléphone invalide pour MTN MoMo."
PLATFORM_NOT_CONFIGURED = "MTN MoMo n'est pas disponible pour le moment."
PLATFORM_GONE = (
    "MTN MoMo : la plateforme qui a créé cette opération n'est plus configurée ; l'opération "
    "reste en attente et l'équipe est prévenue."
)

# Statuses of the status answer and of callbacks [DOC + SDK]. CREATED / ONGOING are seen in
# some integrations [3P]: both still wait for the payer.
STATUSES: dict[str, Outcome] = {
    "PENDING": Outcome.PENDING,
    "CREATED": Outcome.PENDING,
    "ONGOING": Outcome.PENDING,
    "SUCCESSFUL": Outcome.SUCCEEDED,
    "FAILED": Outcome.FAILED,
}


def _party_id(msisdn: str) -> str:
    """E.164 ("+2250500000001") → MTN's MSISDN, country code included, no "+"."""
    digits = msisdn.strip().removeprefix("+")
    if not digits.isdigit():
        raise ProviderRejected(INVALID_NUMBER, detail=f"{PROVIDER}: MSISDN is not digits")
    return digits


class MtnMomoProvider:
    """Deposits (Collection: request to pay) and withdrawals (Disbursement: transfer), new
    ones on the active platform, each read on the platform that created it."""

    code = CODE
    name = "MTN MoMo"

    def __init__(
        self,
        *,
        platforms: Iterable[PlatformConfig],
        active: str,
        environment: str,
        currency: str,
        client: httpx.AsyncClient,
    ) -> None:
        environment = environment.strip()
        self._platforms = {
            config.name: MomoPlatform(config, environment=environment, client=client)
            for config in platforms
        }
        self._active = active
        self._currency = currency.strip().upper()

    def __repr__(self) -> str:  # never show the secrets, even in a traceback
        return f"MtnMomoProvider(active={self._active!r}, platforms={self._platforms!r})"

    def _active_platform(self) -> MomoPlatform:
        platform = self._platforms.get(self._active)
        if platform is None:
            raise ProviderUnavailable(
                PLATFORM_NOT_CONFIGURED,
                detail=f"{PROVIDER}: MTN_MOMO_PLATFORM={self._active} has no credentials",
            )
        return platform

    def _platform_of(self, operation: OperationRef) -> MomoPlatform:
        """The platform that created the operation: only it can read it. Not configured any
        more: `ProviderUnreachable` (pending, for the operators), never the wrong platform."""
        name = operation.provider_data.get(PLATFORM_KEY) or LEGACY_PLATFORM
        platform = self._platforms.get(str(name))
        if platform is None:
            raise ProviderUnreachable(
                PLATFORM_GONE,
                detail=(
                    f"{PROVIDER}: operation {operation.reference} was created on platform "
                    f"{name!r}, which is not configured (MTN_MOMO_PLATFORM={self._active})"
                ),
            )
        return platform

    async def _initiate(
        self,
        direction: Direction,
        *,
        reference: str,
        amount: int,
        currency: str,
        msisdn: str,
        rail: str,
        payer_message: str,
        payee_note: str,
        callback_url: str,
    ) -> ProviderAnswer:
        platform = self._active_platform()
        product = platform.product(direction)
        party_id = _party_id(msisdn)
        operation = OperationRef(
            reference=reference,
            direction=direction,
            amount=amount,
            currency=currency,
            msisdn=msisdn,
            rail=rail,
            external_id=reference,
            provider_data={PLATFORM_KEY: platform.name},
        )
        earlier = await self._sent_elsewhere(platform, operation)
        if earlier is not None:
            return earlier
        payload: dict[str, Any] = {
            "amount": str(amount),  # a string of whole francs [DOC]
            "currency": self._currency,
            "externalId": reference,
            product.party: {"partyIdType": "MSISDN", "partyId": party_id},
            "payerMessage": payer_message[:NOTE_MAX],
            "payeeNote": payee_note[:NOTE_MAX],
        }
        headers = {"X-Reference-Id": reference, "Content-Type": "application/json"}
        if callback_url:
            # Must be on the providerCallbackHost registered with the API user [DOC].
            headers["X-Callback-Url"] = callback_url
        response = await platform.call(
            product,
            "POST",
            f"/{product.name}/v1_0/{product.operation}",
            headers=headers,
            json_body=payload,
        )
        recorded = {PLATFORM_KEY: platform.name}
        if response.status_code == ACCEPTED:
            return ProviderAnswer(
                outcome=Outcome.PENDING, external_id=reference, provider_data=recorded
            )
        if response.status_code == CONFLICT:
            return await self._already_submitted(platform, operation)
        if HTTP_OK_MIN <= response.status_code <= HTTP_OK_MAX:
            # Another 2xx is undocumented: treat it as no answer, the flow asks `status`.
            raise ProviderProtocolError(detail=platform.detail(response))
        if response.status_code == NOT_FOUND:
            # The path or base URL is wrong (a transaction's 404 is on the status read).
            raise platform.misconfigured(response)
        code = decisive_code(response)
        if code in REFUSAL_CODES or response.status_code < SERVER_ERROR:
            # A documented refusal (whatever the HTTP status), or a 4xx: the request was not
            # accepted, nothing was created.
            raise ProviderRejected(
                reason(code or normalized(error_code(response)), direction, REFUSED_DEFAULT),
                detail=platform.detail(response),
            )
        raise ProviderUnreachable(detail=platform.detail(response))  # never a refusal

    async def _sent_elsewhere(
        self, active: MomoPlatform, operation: OperationRef
    ) -> ProviderAnswer | None:
        """While both platforms are configured (a migration), reconciliation may repeat an
        initiation MTN never confirmed that was first sent to the other platform, before a
        switch: sending it to the active one would create a second transaction (an
        `X-Reference-Id` is unique per platform only). So the other platform is asked first;
        what it holds is the answer. When it cannot be asked, nothing is sent: pending."""
        for platform in self._platforms.values():
            if platform is active:
                continue
            try:
                answer = await self._read(platform, operation)
            except ProviderUnavailable:
                continue  # that platform lacks this product: nothing was ever sent there
            except ProviderError as exc:
                logger.error(
                    "%s %s not sent: its absence from %s cannot be checked: %s",
                    PROVIDER,
                    operation.reference,
                    platform.name,
                    exc,
                )
                raise ProviderUnreachable(
                    detail=f"{PROVIDER}: {platform.name} cannot be checked for "
                    f"{operation.reference} ({exc.detail or exc.message})"
                ) from exc
            if answer.outcome is not Outcome.UNKNOWN:
                logger.warning(
                    "%s %s found on %s: not sent again on %s",
                    PROVIDER,
                    operation.reference,
                    platform.name,
                    active.name,
                )
                return answer
        return None

    async def _already_submitted(
        self, platform: MomoPlatform, operation: OperationRef
    ) -> ProviderAnswer:
        """409 RESOURCE_ALREADY_EXIST: an earlier attempt (a retry after a lost answer) reached
        MTN. Nothing new was created; report what that one became, and never a refusal."""
        logger.info("%s (%s) %s already exists", PROVIDER, platform.name, operation.reference)
        pending = ProviderAnswer(
            outcome=Outcome.PENDING,
            external_id=operation.reference,
            provider_data={PLATFORM_KEY: platform.name},
        )
        try:
            answer = await self._read(platform, operation)
        except ProviderUnreachable:
            raise  # no answer: the flow keeps it pending and asks again
        except ProviderError as exc:
            # The lookup was refused (credentials, IP…): MTN still holds the operation.
            logger.error("%s %s exists but cannot be read: %s", PROVIDER, operation.reference, exc)
            return pending
        if answer.outcome is Outcome.UNKNOWN:
            # MTN has it (409) but does not show it yet: it is pending, not absent.
            return pending
        return answer

    async def collect(self, request: CollectionRequest) -> ProviderAnswer:
        return await self._initiate(
            "depot",
            reference=request.reference,
            amount=request.amount,
            currency=request.currency,
            msisdn=request.msisdn,
            rail=request.rail,
            payer_message=request.description,  # shown to the payer
            payee_note=request.description,  # our own MoMo statement
            callback_url=request.callback_url,
        )

    async def payout(self, request: PayoutRequest) -> ProviderAnswer:
        return await self._initiate(
            "retrait",
            reference=request.reference,
            amount=request.amount,
            currency=request.currency,
            msisdn=request.msisdn,
            rail=request.rail,
            payer_message=request.description,  # our own MoMo statement
            payee_note=request.description,  # shown to the recipient
            callback_url=request.callback_url,
        )

    async def status(self, operation: OperationRef) -> ProviderAnswer:
        return await self._read(self._platform_of(operation), operation)

    async def _read(self, platform: MomoPlatform, operation: OperationRef) -> ProviderAnswer:
        product = platform.product(operation.direction)
        reference = operation.reference  # the X-Reference-Id of the initiation
        response = await platform.call(
            product, "GET", f"/{product.name}/v1_0/{product.operation}/{reference}"
        )
        recorded: dict[str, Any] = {PLATFORM_KEY: platform.name}
        if response.status_code == NOT_FOUND:
            # RESOURCE_NOT_FOUND: not arrived, or not on this platform. Proves nothing.
            return ProviderAnswer(outcome=Outcome.UNKNOWN, provider_data=recorded)
        if not HTTP_OK_MIN <= response.status_code <= HTTP_OK_MAX:
            # Any other error on a read says nothing about the payment: keep it pending and
            # let reconciliation ask again (ProviderProtocolError is "no answer").
            raise ProviderProtocolError(detail=platform.detail(response))
        body = json_object(response, provider=PROVIDER)
        status = field(body, "status", provider=PROVIDER)
        outcome = STATUSES.get(str(status).strip().upper())
        if outcome is None:
            raise ProviderProtocolError(detail=f"{PROVIDER}: unknown status {status!r}")
        why = None
        if outcome is Outcome.FAILED:
            why = reason(reason_code(body.get("reason")), operation.direction, FAILED_DEFAULT)
        amount = body.get("amount")
        financial_id = body.get("financialTransactionId")
        if financial_id:
            # MTN's own transaction number (on the user's SMS receipt), kept for support.
            recorded["financial_transaction_id"] = str(financial_id)
        return ProviderAnswer(
            outcome=outcome,
            # The X-Reference-Id stays the operation's id for every later call.
            external_id=reference,
            reason=why,
            amount=None if amount is None else whole_francs(amount, provider=PROVIDER),
            provider_data=recorded,
            raw=body,  # no secret in it: amounts, ids, the MSISDN and the status
        )

    def parse_callback(self, body: bytes, headers: Mapping[str, str], *, now: float) -> Callback:
        """MTN signs nothing (no header, no token): the content is read but `trusted=False`
        always, and no timestamp exists to check. The event id is the reference plus the
        status, so repeats of one status collapse while a later final status is new."""
        payload = callback_object(body, what="mtn_momo callback")
        external_id = payload.get("externalId")
        status = payload.get("status")
        if isinstance(external_id, int) and not isinstance(external_id, bool):
            external_id = str(external_id)  # MTN's own examples write it as a number [DOC]
        if not isinstance(external_id, str) or not external_id.strip():
            raise InvalidCallback("mtn_momo callback lacks externalId")
        if not isinstance(status, str) or not status.strip():
            raise InvalidCallback("mtn_momo callback lacks status")
        external_id = external_id.strip()
        status = status.strip().upper()
        amount: int | None = None
        if payload.get("amount") is not None:
            try:
                amount = whole_francs(payload["amount"], provider=PROVIDER)
            except ProviderProtocolError as exc:
                raise InvalidCallback("mtn_momo callback amount is not whole francs") from exc
        return Callback(
            event_id=f"{external_id}:{status}",
            event_type=status,
            # We send our reference as externalId (and as X-Reference-Id).
            reference=external_id,
            external_id=external_id,
            outcome=STATUSES.get(status),
            trusted=False,
            amount=amount,
            raw=payload,
        )


def _secret(value: SecretStr | None) -> str | None:
    return (value.get_secret_value() or None) if value is not None else None


def _platform(
    name: str,
    *,
    base_url: str,
    user: str | None,
    key: str | None,
    collection_key: str | None,
    disbursement_key: str | None,
) -> PlatformConfig | None:
    """A platform with its credential pair and the key of at least one product, or None."""
    if not user or not key or not (collection_key or disbursement_key):
        return None
    return PlatformConfig(name, base_url, user, key, collection_key, disbursement_key)


def platforms_from(settings: Settings) -> list[PlatformConfig]:
    collection_key = _secret(settings.mtn_momo_collection_key)
    disbursement_key = _secret(settings.mtn_momo_disbursement_key)
    found = [
        _platform(
            CLASSIC,
            base_url=settings.mtn_momo_base_url,
            user=settings.mtn_momo_api_user,
            key=_secret(settings.mtn_momo_api_key),
            collection_key=collection_key,
            disbursement_key=disbursement_key,
        ),
        _platform(
            OPENAPI,
            base_url=settings.mtn_momo_openapi_base_url,
            user=settings.mtn_momo_openapi_user_id,
            key=_secret(settings.mtn_momo_openapi_credential_token),
            # The subscription keys carry over to the newer platform [3P], unless MTN gave
            # others.
            collection_key=_secret(settings.mtn_momo_openapi_collection_key) or collection_key,
            disbursement_key=(
                _secret(settings.mtn_momo_openapi_disbursement_key) or disbursement_key
            ),
        ),
    ]
    return [platform for platform in found if platform is not None]


def build(settings: Settings, client: httpx.AsyncClient) -> MtnMomoProvider | None:
    """None when no platform has credentials (the rail is then listed unavailable). With the
    active platform unconfigured but the other one configured, the adapter still reads the
    other platform's operations while new ones are refused (`ProviderUnavailable`). A
    direction whose product key is missing answers `ProviderUnavailable` too."""
    platforms = platforms_from(settings)
    if not platforms:
        return None
    active = settings.mtn_momo_platform
    if active not in {platform.name for platform in platforms}:
        logger.error(
            "MTN_MOMO_PLATFORM=%s has no credentials: new MTN MoMo operations are refused; "
            "operations created on %s are still read there",
            active,
            ", ".join(platform.name for platform in platforms),
        )
    return MtnMomoProvider(
        platforms=platforms,
        active=active,
        environment=settings.mtn_momo_environment,
        currency=settings.mtn_momo_currency,
        client=client,
    )
