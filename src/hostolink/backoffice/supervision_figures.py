"""The figures of the back-office's supervision page (supervision.py): what the Grafana
dashboard (docs/supervision/hostolink-grafana.json) shows, for an installation without
Prometheus or Grafana.

- Health at a glance: cards whose words say the state (« Normal », « Alerte »…), the colour
  only repeating them; thresholds are those of the proposed alert rules.
- What `/metrics` reads from the database at scrape time — job queue, deposits and
  withdrawals, reconciliation, the last ledger check — read through its collector, so the
  page and the scraper share one cached read per period and process (metrics/collector.py).
- The last 24 hours by hour, from `operation_fournisseur`: operations created and finalised
  by status, median and 95th percentile settlement time per provider (its gateway, as the
  `hostolink_operation_settlement_seconds` histogram labels it). One statement, one pass
  over the table (it has no index on its dates: a sequential scan), read-only, under the
  collector's `statement_timeout`, cached SERIES_CACHE_SECONDS per process: 0.26 to 0.33 s
  for 1,000,000 operations, 33,000 of them in the last 24 hours (PostgreSQL 15, a shared
  2-core machine; the collector's own read takes 0.43 s there).
- Counters since the processes started, from the registry `/metrics` serves: every
  worker's multiprocess files added up, or this process's own registry.

What needs Prometheus' history — rates per second, latency quantiles by route — is not
here: docs/supervision/README.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from hostolink.admin.job_desk import human_age
from hostolink.config import Settings
from hostolink.db import Database
from hostolink.kit.money import format_xof
from hostolink.kit.ratelimit import RateLimiter
from hostolink.metrics.collector import STATEMENT_TIMEOUT_MS, DatabaseCollector, Snapshot
from hostolink.models.operation_fournisseur import STATUTS_FINAUX, STATUTS_OPERATION
from hostolink.models.tache import STATUTS as JOB_STATES
from hostolink.providers.registry import RAILS

logger = logging.getLogger("hostolink.backoffice")

SERIES_HOURS = 24
SERIES_CACHE_SECONDS = 30.0
# The proposed alert rules' thresholds (docs/supervision/README.md), and the job desk's.
LEDGER_STALE_SECONDS = 3600
RECONCILIATION_LATE_SECONDS = 1800
DUE_JOB_LATE_SECONDS = 300

STATUS_LABELS = {
    "initiee": "Initiées",
    "en_attente": "En attente",
    "a_verifier": "À vérifier",
    "reussie": "Réussies",
    "echouee": "Échouées",
    "expiree": "Expirées",
}
JOB_STATE_LABELS = {
    "en_attente": "En attente",
    "en_cours": "En cours",
    "abandonnee": "Abandonnées",
    "terminee": "Terminées",
    "annulee": "Annulées",
}
DIRECTION_LABELS = {"depot": "dépôts", "retrait": "retraits"}
_DIRECTION_WORDS = {"depot": ("dépôt", "dépôts"), "retrait": ("retrait", "retraits")}
ERROR_KIND_LABELS = {
    "timeout": "délai dépassé",
    "transport": "connexion impossible",
    "5xx": "erreur du fournisseur (5xx)",
    "4xx": "requête refusée (4xx)",
    "protocol": "réponse illisible",
    "invalid_callback": "notification refusée",
}
_PROVIDER_NAMES = {code: rail.name for code, rail in RAILS.items()} | {
    "hub2": "Hub2 (agrégateur)",
    "sandbox": "Bac à sable",
}
_STATE_WORDS = {
    "ok": "Normal",
    "attention": "À surveiller",
    "alerte": "Alerte",
    "inconnu": "Inconnu",
}


def provider_name(code: str) -> str:
    return _PROVIDER_NAMES.get(code, code)


# ------------------------------------------------------------------------------ cards


@dataclass(frozen=True)
class Card:
    """One health card. `state` is ok, attention, alerte or inconnu, and `word` says it: the
    colour only repeats the words."""

    key: str
    title: str
    text: str
    state: str
    detail: str = ""
    link: str | None = None
    link_text: str = ""

    @property
    def word(self) -> str:
        return _STATE_WORDS[self.state]

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"word": self.word}


def _clock(unix: float, now: float) -> str:
    """« 14:05 » today, « 03/03 à 14:05 » before (Abidjan is on UTC all year)."""
    moment = datetime.fromtimestamp(unix, UTC)
    if moment.date() == datetime.fromtimestamp(now, UTC).date():
        return moment.strftime("%H:%M")
    return moment.strftime("%d/%m à %H:%M")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",").removesuffix(",0")


def _duration(seconds: float) -> str:
    return f"{round(seconds * 1000)} ms" if seconds < 1 else f"{_decimal(seconds)} s"


_NO_FIGURES = "Les chiffres de la base sont indisponibles."


def ledger_card(snapshot: Snapshot | None, now: float) -> Card:
    card = partial(Card, "grand-livre", "Grand livre")
    if snapshot is None:
        return card("Grand livre : état inconnu", "inconnu", _NO_FIGURES)
    ledger = snapshot.ledger
    if ledger.discrepancies is None or ledger.checked_at is None:
        if ledger.last_complete is False:
            return card(
                "Grand livre : contrôle inachevé !",
                "attention",
                "Le contrôle a été arrêté par sa borne de temps, sans résultat.",
            )
        return card(
            "Grand livre : pas encore contrôlé",
            "inconnu",
            "Le premier contrôle suit le démarrage des workers.",
        )
    when = _clock(ledger.checked_at, now)
    if ledger.discrepancies > 0:
        found = _plural(ledger.discrepancies, "écart", "écarts")
        return card(
            f"Grand livre : {found} !",
            "alerte",
            f"Contrôle à {when}. Lancer « hostolink ledger verify » : il liste "
            "chaque ligne en cause.",
        )
    state, detail = "ok", f"Contrôle complet en {_duration(ledger.duration_seconds or 0.0)}."
    if now - ledger.checked_at > LEDGER_STALE_SECONDS:
        state, detail = "attention", "Aucun contrôle complet depuis plus d'une heure."
    elif ledger.last_complete is False:
        state, detail = "attention", "Le contrôle suivant a été arrêté par sa borne de temps."
    return card(f"Grand livre : aucun écart (contrôle à {when})", state, detail)


def redis_card(state: str, *, workers: int) -> Card:
    """`state`: what this process's PING got (`ok`, `indisponible`, `non_configure`)."""
    card = partial(Card, "redis", "Redis")
    if state == "ok":
        return card(
            "Redis joignable depuis ce processus",
            "ok",
            "Limites de débit et salons en direct partagés entre processus.",
        )
    if state == "indisponible":
        return card(
            "Redis injoignable depuis ce processus !",
            "alerte",
            "Mode dégradé : limites de débit comptées par processus, salons "
            "rattrapés par l'historique.",
        )
    if workers > 1:
        return card(
            "Redis non configuré !",
            "attention",
            f"{workers} processus sans REDIS_URL : limites de débit et salons "
            "propres à chaque processus.",
        )
    return card("Redis non configuré", "ok", "Un seul processus : rien à partager.")


def database_card(snapshot: Snapshot | None, cache_seconds: float) -> Card:
    card = partial(Card, "base", "Chiffres de la base")
    if snapshot is None:
        return card(
            "Chiffres de la base indisponibles !",
            "alerte",
            "La base ne répond pas aux lectures de supervision (bornées à "
            f"{STATEMENT_TIMEOUT_MS // 1000} s).",
        )
    read = datetime.fromtimestamp(snapshot.read_at, UTC).strftime("%H:%M:%S")
    return card(
        "Chiffres de la base disponibles",
        "ok",
        f"Lus à {read}, relus au plus toutes les {_decimal(cache_seconds)} s.",
    )


def abandoned_card(snapshot: Snapshot | None, link: str | None) -> Card:
    card = partial(Card, "abandonnees", "Tâches abandonnées")
    if snapshot is None:
        return card("Tâches abandonnées : inconnu", "inconnu", _NO_FIGURES)
    n = sum(kind.counts.get("abandonnee", 0) for kind in snapshot.jobs)
    if n == 0:
        return card(
            "Aucune tâche abandonnée",
            "ok",
            "Chaque tâche a abouti ou attend sa prochaine tentative.",
        )
    return card(
        f"{_plural(n, 'tâche abandonnée', 'tâches abandonnées')} !",
        "alerte",
        "Elles attendent qu'on les relance ou qu'on les annule.",
        link,
        "Ouvrir le guichet des tâches",
    )


def reconciliation_card(snapshot: Snapshot | None, delay: int, link: str | None) -> Card:
    card = partial(Card, "reconciliation", "Réconciliation")
    if snapshot is None:
        return card("Réconciliation : inconnu", "inconnu", _NO_FIGURES)
    pending = snapshot.reconciliation
    if not pending:
        return card(
            "Réconciliation : aucune opération en retard",
            "ok",
            f"Rien n'attend son fournisseur depuis plus de {human_age(delay)}.",
        )
    oldest = max(age for _, age in pending.values())
    late = oldest > RECONCILIATION_LATE_SECONDS
    counts = ", ".join(
        _plural(pending[direction][0], *_DIRECTION_WORDS[direction])
        for direction in ("depot", "retrait")
        if direction in pending
    )
    return card(
        f"Plus ancienne en attente : {human_age(oldest)}" + (" !" if late else ""),
        "alerte" if late else "ok",
        f"{counts} en attente depuis plus de {human_age(delay)} : la réconciliation "
        "interroge leur fournisseur.",
        link,
        "Voir les opérations bloquées",
    )


def to_verify_card(snapshot: Snapshot | None, link: str | None) -> Card:
    """The operators' queue: past the horizon without a definitive answer from the
    provider; a person decides, a withdrawal's money is held meanwhile."""
    card = partial(Card, "a_verifier", "À vérifier")
    if snapshot is None:
        return card("À vérifier : inconnu", "inconnu", _NO_FIGURES)
    queue = snapshot.to_verify
    if not queue:
        return card(
            "Aucune opération à vérifier",
            "ok",
            "Chaque opération a reçu une réponse définitive dans l'horizon, ou l'attend encore.",
        )
    counts = ", ".join(
        _plural(queue[direction][0], *_DIRECTION_WORDS[direction])
        for direction in ("depot", "retrait")
        if direction in queue
    )
    held = sum(amount for _, _, amount in queue.values())
    oldest = max(age for _, age, _ in queue.values())
    return card(
        f"{counts} à vérifier !",
        "alerte",
        f"Sans réponse définitive du fournisseur depuis {human_age(oldest)} au plus ; "
        f"{format_xof(held)} bloqués pour leurs propriétaires. Un opérateur tranche.",
        link,
        "Ouvrir la file « à vérifier »",
    )


def due_job_card(snapshot: Snapshot | None) -> Card:
    card = partial(Card, "dues", "Tâches dues")
    if snapshot is None:
        return card("Tâches dues : inconnu", "inconnu", _NO_FIGURES)
    waits = [k.oldest_due_seconds for k in snapshot.jobs if k.oldest_due_seconds is not None]
    if not waits:
        return card("Aucune tâche due en attente", "ok", "Les workers suivent la file.")
    oldest = max(waits)
    late = oldest > DUE_JOB_LATE_SECONDS
    due = _plural(sum(k.due for k in snapshot.jobs), "tâche due", "tâches dues")
    return card(
        f"Plus ancienne tâche due : {human_age(oldest)}" + (" !" if late else ""),
        "attention" if late else "ok",
        f"{due} maintenant" + (" : un worker arrêté ou débordé ?" if late else "."),
    )


# --------------------------------------------------------------- database figures


def queue_chart(snapshot: Snapshot | None) -> dict[str, Any]:
    """Jobs by kind (rows) and state (stacked)."""
    jobs = snapshot.jobs if snapshot else []
    return {
        "types": [kind.nom for kind in jobs],
        "series": [
            {
                "code": state,
                "libelle": JOB_STATE_LABELS.get(state, state),
                "valeurs": [kind.counts.get(state, 0) for kind in jobs],
            }
            for state in JOB_STATES
        ],
        "dues": [kind.due for kind in jobs],
    }


def operations_chart(snapshot: Snapshot | None) -> dict[str, Any]:
    """Deposits and withdrawals by provider (gateway) and direction (rows), status
    (stacked), whole history: the `hostolink_operations` gauge."""
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for gateway, _rail, direction, status, n in snapshot.operations if snapshot else []:
        totals[(gateway, direction)][status] += n
    rows = sorted(totals, key=lambda key: (provider_name(key[0]), key[1]))
    return {
        "libelles": [f"{provider_name(g)} · {DIRECTION_LABELS.get(d, d)}" for g, d in rows],
        "series": [
            {
                "code": status,
                "libelle": STATUS_LABELS.get(status, status),
                "valeurs": [totals[row][status] for row in rows],
            }
            for status in STATUTS_OPERATION
            if any(totals[row][status] for row in rows)
        ],
    }


def reconciliation_chart(snapshot: Snapshot | None) -> dict[str, Any]:
    pending = snapshot.reconciliation if snapshot else {}
    return {
        sens: {"nombre": pending.get(sens, (0, 0.0))[0], "age": pending.get(sens, (0, 0.0))[1]}
        for sens in ("depot", "retrait")
    }


# --------------------------------------------------------------------- 24 hours


_SERIES = text(
    """
WITH recentes AS MATERIALIZED (
    SELECT passerelle, statut, date_creation, date_finalisation
    FROM operation_fournisseur
    WHERE date_creation >= :debut OR date_finalisation >= :debut
)
SELECT 'creees' AS serie, date_trunc('hour', date_creation, 'UTC') AS heure, statut AS cle,
       count(*) AS n, NULL::float8 AS p50, NULL::float8 AS p95
FROM recentes WHERE date_creation >= :debut GROUP BY 2, 3
UNION ALL
SELECT 'finalisees', date_trunc('hour', date_finalisation, 'UTC'), statut, count(*), NULL, NULL
FROM recentes WHERE date_finalisation >= :debut GROUP BY 2, 3
UNION ALL
SELECT 'reglement', date_trunc('hour', date_finalisation, 'UTC'), passerelle, count(*),
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM date_finalisation - date_creation)),
       percentile_cont(0.95) WITHIN GROUP (
           ORDER BY extract(epoch FROM date_finalisation - date_creation))
FROM recentes WHERE statut = 'reussie' AND date_finalisation >= :debut GROUP BY 2, 3
"""
)


def _hours(now: datetime) -> list[datetime]:
    last = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return [last - timedelta(hours=SERIES_HOURS - 1 - i) for i in range(SERIES_HOURS)]


async def read_series(db: Database, now: datetime) -> dict[str, Any]:
    """Operations of the last 24 hours by hour (UTC, Abidjan's time): created by their
    current status, finalised by their outcome, settlement time of the successful ones."""
    hours = _hours(now)
    index = {hour: i for i, hour in enumerate(hours)}
    created: dict[str, list[int]] = {s: [0] * SERIES_HOURS for s in STATUTS_OPERATION}
    settled: dict[str, list[int]] = {s: [0] * SERIES_HOURS for s in STATUTS_FINAUX}
    timing: dict[str, dict[str, list[float | None]]] = {}
    async with db.engine.begin() as connection:
        await connection.execute(text("SET TRANSACTION READ ONLY"))
        await connection.execute(
            text("SELECT set_config('statement_timeout', :ms, true)"),
            {"ms": str(STATEMENT_TIMEOUT_MS)},
        )
        rows = (await connection.execute(_SERIES, {"debut": hours[0]})).all()
    for row in rows:
        slot = index.get(row.heure)
        if slot is None:  # an hour begun between our clock and the database's
            continue
        if row.serie == "creees":
            created.setdefault(row.cle, [0] * SERIES_HOURS)[slot] = int(row.n)
        elif row.serie == "finalisees":
            settled.setdefault(row.cle, [0] * SERIES_HOURS)[slot] = int(row.n)
        else:
            lines = timing.setdefault(
                row.cle, {"p50": [None] * SERIES_HOURS, "p95": [None] * SERIES_HOURS}
            )
            lines["p50"][slot] = round(float(row.p50), 1)
            lines["p95"][slot] = round(float(row.p95), 1)

    def series(values: dict[str, list[int]]) -> list[dict[str, Any]]:
        return [
            {"code": code, "libelle": STATUS_LABELS.get(code, code), "valeurs": counts}
            for code, counts in values.items()
            if any(counts)
        ]

    return {
        "heures": [f"{hour.hour:02d} h" for hour in hours],
        "debut": hours[0].isoformat(),
        "creees": series(created),
        "finalisees": series(settled),
        "reglement": [
            {"code": code, "nom": provider_name(code), **lines}
            for code, lines in sorted(timing.items(), key=lambda item: provider_name(item[0]))
        ],
    }


# -------------------------------------------------------------------------- counters


def _sums(families: Iterable[Metric], sample: str, *labels: str) -> dict[tuple[str, ...], int]:
    """Sum of the samples named `sample` by the values of `labels` (the others, a worker's
    `pid` among them, added up)."""
    totals: dict[tuple[str, ...], float] = defaultdict(float)
    for family in families:
        for found in family.samples:
            if found.name == sample:
                totals[tuple(found.labels.get(label, "") for label in labels)] += found.value
    return {key: int(value) for key, value in totals.items()}


def read_counters(processes: Collector) -> dict[str, Any]:
    """What every process counted since it started, as `/metrics` adds it up."""
    families = list(processes.collect())
    http = _sums(families, "hostolink_http_requests_total", "status")
    classes = dict.fromkeys(("2xx", "3xx", "4xx", "5xx"), 0)
    for (status,), n in http.items():
        key = f"{status[:1]}xx"
        if key in classes:
            classes[key] += n
    errors = _sums(families, "hostolink_provider_errors_total", "provider", "kind")
    otp = _sums(families, "hostolink_otp_messages_total", "channel", "outcome")
    checks = _sums(families, "hostolink_otp_checks_total", "result")
    logins = _sums(families, "hostolink_logins_total", "secret", "result")
    redis = _sums(families, "hostolink_redis_errors_total", "component")
    return {
        "http": classes,
        "fournisseurs": [
            {
                "fournisseur": provider_name(provider),
                "nature": ERROR_KIND_LABELS.get(kind, kind),
                "nombre": n,
            }
            for (provider, kind), n in sorted(errors.items())
            if n
        ],
        "otp": [
            {
                "canal": label,
                "envoyes": otp.get((channel, "sent"), 0),
                "echecs": otp.get((channel, "failed"), 0),
            }
            for channel, label in (("sms", "SMS"), ("email", "E-mail"))
        ],
        "otp_saisis": {
            "valides": checks.get(("valid",), 0),
            "faux": checks.get(("wrong",), 0),
            "expires": checks.get(("expired",), 0),
        },
        "connexions": [
            {
                "secret": label,
                "reussies": logins.get((secret, "success"), 0),
                "echouees": logins.get((secret, "failure"), 0),
            }
            for secret, label in (("password", "Mot de passe"), ("pin", "PIN"))
        ],
        "verrouillages": _sums(families, "hostolink_lockouts_total").get((), 0),
        "redis": [
            {"composant": label, "erreurs": redis.get((component,), 0)}
            for component, label in (("ratelimit", "Limites de débit"), ("hub", "Salons en direct"))
        ],
        "repli_limites": _sums(families, "hostolink_ratelimit_fallback_total").get((), 0),
    }


# ------------------------------------------------------------------------- the page


class Supervision:
    """One per application (`app.state.supervision`): the collector `/metrics` uses (or one
    of its own when the route is switched off), the processes' registry, the series' cache."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        collector: DatabaseCollector,
        processes: Collector,
        limiter: RateLimiter,
    ) -> None:
        self._settings = settings
        self._db = db
        self._collector = collector
        self._processes = processes
        self._limiter = limiter
        self._series: dict[str, Any] | None = None
        self._series_at: float | None = None
        self._series_lock = asyncio.Lock()

    async def _cached_series(self) -> dict[str, Any] | None:
        async with self._series_lock:  # admins opening the page at once: one read
            read_at = self._series_at
            if read_at is not None and time.monotonic() - read_at < SERIES_CACHE_SECONDS:
                return self._series
            try:
                self._series = await read_series(self._db, datetime.now(UTC))
            except Exception as exc:  # the page still shows the rest
                logger.warning(
                    "supervision: 24-hour series unavailable (%s: %s)", type(exc).__name__, exc
                )
                self._series = None
            self._series_at = time.monotonic()
            return self._series

    async def _redis(self) -> str:
        reachable = await self._limiter.reachable()  # bounded by the Redis timeouts
        if reachable is None:
            return "non_configure"
        return "ok" if reachable else "indisponible"

    async def figures(self, *, jobs_link: bool, stuck_link: bool) -> dict[str, Any]:
        """Everything the page shows, as JSON. The links go to the job desk, its stuck
        operations section: only for a viewer who may open them."""
        snapshot, series, redis = await asyncio.gather(
            self._collector.current(), self._cached_series(), self._redis()
        )
        now = time.time()
        settings = self._settings
        delay = settings.reconciliation_delay_seconds
        cards = [
            ledger_card(snapshot, now),
            redis_card(redis, workers=settings.workers),
            database_card(snapshot, settings.metrics_cache_seconds),
            abandoned_card(snapshot, "/admin/taches" if jobs_link else None),
            reconciliation_card(
                snapshot, delay, "/admin/taches#reconciliation" if stuck_link else None
            ),
            to_verify_card(snapshot, "/admin/taches#a-verifier" if stuck_link else None),
            due_job_card(snapshot),
        ]
        return {
            "lu_a": datetime.fromtimestamp(now, UTC).strftime("%H:%M:%S"),
            "sante": [card.as_json() for card in cards],
            "base_disponible": snapshot is not None,
            "file": queue_chart(snapshot),
            "operations": operations_chart(snapshot),
            "reconciliation": reconciliation_chart(snapshot),
            "series": series,
            "compteurs": read_counters(self._processes),
            "comptage_http": settings.metrics_enabled,
        }
