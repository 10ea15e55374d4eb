"""Question answering with verified paragraph citations over UN draft resolution A/C.3/74/L.11/Rev.1.

Start at `indexing.open_retriever` for search; `parsing` is where paragraph IDs are born."""

__version__ = "0.1.0"

from .chain import Assistant, build_chain  # noqa: E402
from .models import Answer, Citation  # noqa: E402

__all__ = ["Answer", "Assistant", "Citation", "build_chain"]
