"""Claims (réclamations): a person contests one of their transactions or operations from a
help-desk conversation; agents resolve it through the audited ledger paths."""
