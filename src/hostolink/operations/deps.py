"""The deposits' and withdrawals' request dependency: the process's `Operations` flow (its
providers), used by the operations' routes and by the establishments' withdrawals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hostolink.operations.flow import Operations


async def get_operations(request: Request) -> Operations:
    operations: Operations = request.app.state.operations
    return operations


OperationsDep = Annotated[Operations, Depends(get_operations)]
