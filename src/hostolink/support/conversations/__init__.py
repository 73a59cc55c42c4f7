"""A person's conversations with the support agents: REST routes, live delivery over
WebSocket, notifications, the person's context for agents and the service-level figures."""
