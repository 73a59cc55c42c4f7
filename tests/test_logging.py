"""Logs never carry a token: WebSocket clients may put theirs in the query string, which
uvicorn logs with every handshake."""

from __future__ import annotations

import logging

import pytest

from hostolink.logging import RedactSecrets


@pytest.mark.parametrize(
    ("message", "args", "expected"),
    [
        (
            '%s - "WebSocket %s" [accepted]',
            ("127.0.0.1:5000", "/ws/thematiques/3?token=eyJhbGciOi.abc.def"),
            '127.0.0.1:5000 - "WebSocket /ws/thematiques/3?token=[masqué]" [accepted]',
        ),
        (
            "GET /x?a=1&access_token=secret&b=2 200",
            (),
            "GET /x?a=1&access_token=[masqué]&b=2 200",
        ),
        ("rien à masquer : tokens=3", (), "rien à masquer : tokens=3"),
    ],
)
def test_query_string_tokens_are_masked(message: str, args: tuple[str, ...], expected: str) -> None:
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, message, args, None)
    assert RedactSecrets().filter(record) is True
    assert record.getMessage() == expected
    assert "eyJ" not in record.getMessage()
    assert "secret" not in record.getMessage()
