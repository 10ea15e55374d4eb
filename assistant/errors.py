"""Errors a user can act on. Each carries one sentence saying what to do; the CLI prints it
without a traceback and logs the detail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# What a client is told of a fault that is not its own; the traceback goes to the server's log.
UNEXPECTED = "Something went wrong; the details are in the server's log."


class UserError(Exception):
    """A problem the user can fix; `exit_code` follows the convention 2 = bad input, 1 = bad state."""

    exit_code = 1


class BadInput(UserError):
    exit_code = 2


def invalid_sentence(errors: Sequence[Any], hint: str = "see /openapi.json") -> str:
    """One sentence naming the first bad field, not pydantic's list (which echoes the whole input)."""
    first: Mapping[str, Any] = next(iter(errors), {})
    loc = tuple(first.get("loc", ()))
    where = ".".join(str(part) for part in (loc[1:] if loc[:1] == ("body",) else loc)) or "body"
    return f"The request is not valid ({where}: {first.get('msg', 'invalid')}): {hint}."


class IndexUnavailable(UserError):
    def __init__(self, detail: str = "") -> None:
        super().__init__("The search index is missing or unreadable: run `assistant ingest --rebuild` to build it.")
        self.detail = detail


class IndexRebuilt(IndexUnavailable):
    """The generation a server loaded was deleted by later ingests; raised only when following the
    pointer to the new one failed too (service.Service.follow_index)."""

    def __init__(self, generation: str) -> None:
        UserError.__init__(
            self, "The search index was rebuilt while the server ran and could not be reopened: restart the server."
        )
        self.detail = generation


class StoreUnreachable(UserError):
    def __init__(self, where: str) -> None:
        super().__init__(f"Cannot reach the Chroma server at {where}: start it, or unset CHROMA_HOST.")


class EmbedderMismatch(IndexUnavailable):
    """The index holds vectors of another embedder: searching it would return nonsense, not an error."""

    def __init__(self, found: str, expected: str) -> None:
        UserError.__init__(
            self,
            f"The search index was built with the embedder {found}, not {expected}: "
            "run `assistant ingest --rebuild` to rebuild it.",
        )
        self.detail = found


class IngestBusy(UserError):
    def __init__(self, pid: str, waited: float) -> None:
        super().__init__(
            f"Another ingest (process {pid or 'unknown'}) is still building the index after {waited:g} s: "
            "wait for it to finish, then run `assistant ingest` again."
        )
