"""The sha256 of a file, read in blocks: how a downloaded document (sources/fetching.py) and the local
model (llm.py) are checked, kept here so that neither depends on the other."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
