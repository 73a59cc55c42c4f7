"""Thematic discussions with health experts: rooms, messages, read markers, live delivery
over WebSocket (fan-out through Redis when REDIS_URL is set)."""
