"""The help desk (assistance): conversations with the support agents, claims on a payment or
an operation, the FAQ and the agents' canned answers."""
