"""MTN MoMo Côte d'Ivoire (MoMo API): deposits by Collection, withdrawals by Disbursement, on
MTN's classic platform or its newer one, each operation read on the platform that created it."""

from hostolink.providers.mtn_momo.adapter import MtnMomoProvider, build

__all__ = ["MtnMomoProvider", "build"]
