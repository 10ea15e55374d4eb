"""The documents the resolution cites, as a library: fetching or adding their official texts
(fetching.py, library.py), reading PDF and DOCX (readers.py), parsing them into paragraphs with IDs
(documents.py), what is kept of each on disk (kept.py), the chunks that index them (chunks.py) and the
catalogue's views for the CLI and the UI (catalogue.py).

The names below are the Python API (`from assistant.sources import citation_links, document_view,
list_sources`); each is imported from its module on first use, so importing the package loads neither
httpx nor the index."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "FetchError": "fetching",
    "LANG_NAMES": "fetching",
    "LANGS": "fetching",
    "add_document": "library",
    "citation_links": "catalogue",
    "document_chunks": "chunks",
    "document_view": "catalogue",
    "fetch_documents": "library",
    "list_sources": "catalogue",
    "load_document": "kept",
    "parsed_documents": "kept",
}
__all__ = [
    "LANGS",
    "LANG_NAMES",
    "FetchError",
    "add_document",
    "citation_links",
    "document_chunks",
    "document_view",
    "fetch_documents",
    "list_sources",
    "load_document",
    "parsed_documents",
]

if TYPE_CHECKING:
    from .catalogue import citation_links, document_view, list_sources
    from .chunks import document_chunks
    from .fetching import LANG_NAMES, LANGS, FetchError
    from .kept import load_document, parsed_documents
    from .library import add_document, fetch_documents


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'assistant.sources' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
