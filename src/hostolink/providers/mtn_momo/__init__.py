"""MTN MoMo Côte d'Ivoire (MoMo Open API): deposits by Collection, withdrawals by Disbursement."""

from hostolink.providers.mtn_momo.adapter import MtnMomoProvider, build

__all__ = ["MtnMomoProvider", "build"]
