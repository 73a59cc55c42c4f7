"""The deposits' and withdrawals' request dependency: the process's `Operations` flow (its
providers), used by the operations' routes and by the establishments' withdrawals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.applications import Starlette

from hostolink.operations.flow import Operations


def operations_of(app: Starlette) -> Operations:
    operations: Operations = app.state.operations
    return operations


async def get_operations(request: Request) -> Operations:
    return operations_of(request.app)


OperationsDep = Annotated[Operations, Depends(get_operations)]
