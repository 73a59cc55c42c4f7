"""Orange Money Côte d'Ivoire (Web Payment): collections only."""

from hostolink.providers.orange_money.adapter import OrangeMoneyProvider, build, order_id_for

__all__ = ["OrangeMoneyProvider", "build", "order_id_for"]
