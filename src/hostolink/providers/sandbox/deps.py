"""The sandbox's request dependency: the simulated provider, or None when the sandbox is
switched off (the pages then answer 404 themselves, after the request's own checks)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hostolink.providers.sandbox import SandboxProvider


async def get_sandbox(request: Request) -> SandboxProvider | None:
    sandbox: SandboxProvider | None = getattr(request.app.state, "sandbox", None)
    return sandbox


SandboxDep = Annotated[SandboxProvider | None, Depends(get_sandbox)]
