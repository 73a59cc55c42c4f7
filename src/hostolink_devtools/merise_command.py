"""`hostolink merise`: migrate a scratch database to head, generate the MERISE documents
from it, then write them (or, with --check, fail when the committed ones differ)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from hostolink import migrate
from hostolink.config import get_settings
from hostolink.db import create_engine
from hostolink_devtools import scratch
from hostolink_devtools.merise import render_documents, write_documents


async def run_merise(server_url: str, out_dir: Path, *, check: bool) -> int:
    name = f"hostolink_merise_{os.getpid()}"
    url = await scratch.create_database(server_url, name)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        engine = create_engine(url, pool_size=1, pooler=get_settings().db_pooler)
        try:
            documents = await render_documents(engine)
        finally:
            await engine.dispose()
    finally:
        await scratch.drop_database(server_url, name)
    if check:
        stale = [
            file
            for file, content in sorted(documents.items())
            if not (out_dir / file).exists()
            or (out_dir / file).read_text(encoding="utf-8") != content
        ]
        for file in stale:
            print(f"périmé : {out_dir / file} (lancez `hostolink merise`)")
        return 1 if stale else 0
    for path in write_documents(documents, out_dir):
        print(f"écrit : {path}")
    return 0
