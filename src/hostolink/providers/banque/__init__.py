"""Bank transfers: no adapter, on purpose.

Since 30 September 2025, instant transfers between banks, microfinance institutions and
e-money issuers of the UEMOA (Côte d'Ivoire included) run on the BCEAO's PI-SPI (Plateforme
Interopérable du Système de Paiement Instantané): 24/7, bank ↔ mobile money both ways, by
alias or QR code [3P-press: launch after a pilot with 86 institutions from 5 June 2025].

Only licensed participants (banks, microfinance institutions, e-money issuers) connect to it,
and no public developer API was found for a third-party application [INF]. Taking deposits
from, or paying withdrawals to, a bank account therefore needs a contract with a partner bank
or payment service provider that is a PI-SPI participant, and its own API. Until then the
"banque" rail is listed unavailable, in both directions, with `UNAVAILABLE_REASON`.
"""

from __future__ import annotations

UNAVAILABLE_REASON = (
    "Les virements bancaires ne sont pas encore disponibles. En Côte d'Ivoire, ils passent "
    "depuis le 30 septembre 2025 par le PI-SPI, le système de paiement instantané de la "
    "BCEAO, réservé aux établissements agréés (banques, institutions de microfinance, "
    "émetteurs de monnaie électronique) et sans API publique pour les applications. Les "
    "dépôts et retraits par banque demandent un contrat avec une banque ou un prestataire de "
    "paiement partenaire."
)

__all__ = ["UNAVAILABLE_REASON"]
