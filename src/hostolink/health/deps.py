"""The directory's request dependency: the process's `Directory` (its caches), used by the
directory's routes and by the establishments' managers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hostolink.health.service import Directory


async def get_directory(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


DirectoryDep = Annotated[Directory, Depends(get_directory)]
