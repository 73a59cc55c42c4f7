"""Saved beneficiaries (`contacts_enregistres`)."""
