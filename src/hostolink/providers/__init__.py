"""Payment rails: one module per provider, all speaking `providers.base.Provider`."""
