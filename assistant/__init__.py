"""Question answering with verified paragraph citations over UN draft resolution A/C.3/74/L.11/Rev.1.

Start at `indexing.open_retriever` for search; `docs/architecture.md` maps the rest. The names below are
imported on first use, so `import assistant` (or `assistant.facts`) loads no chromadb, LangChain or Gradio:
a command that only parses or reports starts in a fraction of the time."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Answer", "Assistant", "Citation", "build_chain"]

_HOMES = {"Assistant": "chain", "build_chain": "chain", "Answer": "models", "Citation": "models"}

if TYPE_CHECKING:
    from .chain import Assistant, build_chain
    from .models import Answer, Citation


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
