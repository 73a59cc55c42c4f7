"""Self-service of the person's own account: security, sessions, identifier, deletion, export."""
