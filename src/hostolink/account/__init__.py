"""Self-service of the person's own account: security, sessions, identifiers, deletion, export."""
