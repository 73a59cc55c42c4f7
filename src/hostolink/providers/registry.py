"""Which adapter carries each rail the user can choose, in each direction.

The user picks a rail (their operator: Orange Money, MTN MoMo, Moov Money, Wave, Djamo, a
bank, or the sandbox); the registry names the adapter that carries it:
- Orange Money: deposits by Orange's own Web Payment API; withdrawals through the aggregator,
  since Orange publishes no payout API for Côte d'Ivoire.
- Moov Money: no public self-serve API: both directions through the aggregator.
- Djamo: withdrawals by Djamo's Business API (partners only); Djamo's collection ("charges")
  is Djamo-to-Djamo and not publicly documented, so deposits are unavailable.
- Banks: no public API (see providers/banque).

The aggregator is **Hub2** rather than CinetPay: Hub2 is based in Abidjan, its REST API is
documented (payment intents, transfers with our reference, integer XOF amounts), and its
webhooks are HMAC-signed with a second signature during secret rotation; CinetPay is
mid-migration between two APIs (its documentation stopped resolving in October 2026) and its
payout API needs a 5-minute login token and IP whitelisting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import httpx

from hostolink.config import Settings
from hostolink.providers import banque, djamo, hub2, mtn_momo, orange_money, wave
from hostolink.providers.base import Direction, Provider, ProviderUnavailable


@dataclass(frozen=True)
class Rail:
    code: str
    name: str
    prefixes: tuple[str, ...]  # national mobile prefixes of the operator; empty = any number
    depot: str  # adapter code, or the French reason it is unavailable (starts with "!")
    retrait: str

    def route(self, direction: Direction) -> str:
        return self.depot if direction == "depot" else self.retrait


_DJAMO_DEPOSIT = (
    "!Djamo ne propose pas de collecte depuis un compte Djamo vers un autre service : ses "
    "« charges » ne relient que des comptes Djamo et ne sont pas documentées publiquement."
)
_BANK = "!" + banque.UNAVAILABLE_REASON

RAILS: dict[str, Rail] = {
    rail.code: rail
    for rail in (
        Rail("orange_money", "Orange Money", ("07",), "orange_money", "hub2"),
        Rail("mtn_momo", "MTN MoMo", ("05",), "mtn_momo", "mtn_momo"),
        Rail("moov_money", "Moov Money", ("01",), "hub2", "hub2"),
        Rail("wave", "Wave", (), "wave", "wave"),
        Rail("djamo", "Djamo", (), _DJAMO_DEPOSIT, "djamo"),
        Rail("banque", "Virement bancaire", (), _BANK, _BANK),
        Rail("sandbox", "Bac à sable (simulation)", (), "sandbox", "sandbox"),
    )
}

NOT_CONFIGURED = "{name} n'est pas configuré sur ce serveur (identifiants du fournisseur absents)."


@dataclass(frozen=True)
class RouteStatus:
    adapter: str | None
    reason: str | None  # French, when unavailable


class Providers:
    """The adapters this process has credentials for, and the rail routing."""

    def __init__(
        self, adapters: Iterable[Provider], *, unavailable: Mapping[str, str] | None = None
    ) -> None:
        self.adapters: dict[str, Provider] = {a.code: a for a in adapters}
        # Why an adapter with credentials was still not built (French), by adapter code.
        self.unavailable: dict[str, str] = dict(unavailable or {})

    def adapter(self, code: str) -> Provider | None:
        return self.adapters.get(code)

    def status(self, rail: Rail, direction: Direction) -> RouteStatus:
        target = rail.route(direction)
        if target.startswith("!"):
            return RouteStatus(None, target[1:])
        if target not in self.adapters:
            if target == "sandbox":
                return RouteStatus(None, "Le bac à sable est désactivé sur ce serveur.")
            if target in self.unavailable:
                return RouteStatus(None, self.unavailable[target])
            label = rail.name if target == rail.code else f"{rail.name} (via {target})"
            return RouteStatus(None, NOT_CONFIGURED.format(name=label))
        return RouteStatus(target, None)

    def route(self, rail: Rail, direction: Direction) -> Provider:
        status = self.status(rail, direction)
        if status.adapter is None:
            raise ProviderUnavailable(status.reason)
        return self.adapters[status.adapter]


def build_providers(
    settings: Settings, client: httpx.AsyncClient, *, sandbox: Provider | None
) -> Providers:
    adapters: list[Provider] = [] if sandbox is None else [sandbox]
    for build in (wave.build, mtn_momo.build, orange_money.build, hub2.build, djamo.build):
        adapter = build(settings, client)
        if adapter is not None:
            adapters.append(adapter)
    # Djamo's address is given at onboarding, never guessed: a key without it is "not
    # configured", said as such rather than as missing credentials.
    unavailable = {"djamo": djamo.MISSING_BASE_URL} if djamo.base_url_missing(settings) else {}
    return Providers(adapters, unavailable=unavailable)
