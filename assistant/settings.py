"""The one settings object. Every knob lives here, with a description, so `assistant --help`,
the README and the environment all speak of the same thing.

Every value is checked, with bounds, when the settings are read: a value out of range fails at
start-up in one sentence naming the variable, not later as a wrong answer to every question
(`ASSISTANT_K=0`) or a server that refuses every request (`ASSISTANT_MAX_REQUEST_BYTES=-1`)."""

from __future__ import annotations

import os
import re
import typing
from pathlib import Path
from typing import Any, Literal

from annotated_types import Ge, Le
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from .errors import BadInput
from .models import GeneratorName

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    knowledge_dir: Path = Field(
        ROOT / "knowledge",
        description="Folder with the parsed paragraphs, the English rendering and the catalogue.",
    )
    data_dir: Path = Field(
        ROOT / "data",
        description="Folder for built state: the embedded Chroma store and caches. Git-ignored.",
    )
    collection: str = Field(
        "paragraphs",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,60}[A-Za-z0-9]$",
        description="Chroma collection that holds the chunks.",
    )
    aids: Literal["all", "none"] = Field(
        "all",
        description="Hand-written aids indexed with the resolution. all: knowledge/expansions.yaml and every scope "
        "note; none: neither expansions.yaml nor the notes on this text's own content, only the generic scope notes "
        "(`generic: true`), as a document nobody annotated would be indexed. The unaided index has its own "
        "collection (`<collection>-unaided`), so building it leaves the normal one untouched; `assistant eval` "
        "measures both.",
    )
    expander: Literal["local", "openai", "none"] = Field(
        "local",
        description="What writes the generated expansions (`assistant expand`: for every paragraph of the text and "
        "of each fetched or added document, readers' questions and plain keywords in Chinese and English, indexed "
        "beside it and never shown) and whose cached ones an ingest indexes. local: the local model, under a "
        "grammar; openai: the OpenAI-compatible endpoint of the openai generator (OPENAI_BASE_URL, OPENAI_MODEL), "
        "its lines parsed without a grammar; none: no generated expansions are made or indexed.",
    )
    expand_tokens: int = Field(
        400,
        ge=32,
        le=4096,
        description="Longest reply the expander may write for one paragraph, in tokens: the local model's grammar "
        "allows about 390 (eight lines of bounded length), so it always completes under the default.",
    )
    reranker: Literal["auto", "local", "openai", "none"] = Field(
        "auto",
        description="Model that judges the first `rerank_depth` hits of a search when the fusion is unsure "
        "(rerank.py): local: the local model; openai: the OpenAI-compatible endpoint of the openai generator; none: "
        "the fused order stands; auto: local when the local model answers (installed, generator auto or local), "
        "else none. Unaided held-out recall@1 0.842 -> 0.921 (en) and 0.842 -> 0.895 (zh); with the local "
        "generator median time to first token 1.80 -> 1.88 s, p95 3.66 -> 6.35 s (docs/evaluation.md).",
    )
    rerank_depth: int = Field(4, ge=1, le=20, description="Hits the reranker judges, one model call each.")
    rerank_weight: float = Field(
        1.0, ge=0, le=100, description="Weight of the reranker's P(yes) against the fused score (0..1)."
    )
    rerank_margin: float = Field(
        0.05,
        ge=0,
        le=1,
        description="The reranker judges only when the second hit's fused score is within this of the first's: "
        "reranking every question cost aided development recall@1 (English 0.92 -> 0.90), the unsure ones gained "
        "in both indexes (rerank.py).",
    )
    chroma_host: str | None = Field(
        None,
        validation_alias=AliasChoices("CHROMA_HOST", "ASSISTANT_CHROMA_HOST"),
        description="Host of a Chroma server (`chroma run`). Unset: the embedded store in data_dir.",
    )
    chroma_port: int = Field(
        8000,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("CHROMA_PORT", "ASSISTANT_CHROMA_PORT"),
        description="Port of the Chroma server, used only with chroma_host.",
    )
    embed_threads: int = Field(
        1,
        ge=1,
        le=64,
        description="CPU threads (OpenMP) for the embedder. One: a query is too short to gain from two, and on two "
        "cores shared with the local model or other jobs two spinning threads made a search 7-18 times slower "
        "(docs/benchmarks.md).",
    )
    cache_dir: Path | None = Field(
        None, description="Cache of passage embeddings by content hash. Unset: data_dir/cache."
    )
    chunk_tokens: int = Field(
        400,
        ge=50,
        le=2000,
        description="Token budget (cl100k_base) of one chunk; longer paragraphs split on sentence ends.",
    )
    ingest_wait: float = Field(
        600.0,
        ge=0,
        le=86400,
        description="Seconds an ingest waits for another one running on the same data_dir before giving up.",
    )
    k: int = Field(5, ge=1, le=50, description="Paragraphs returned by a search.")
    rrf_k: int = Field(
        10, ge=1, le=1000, description="Constant of reciprocal rank fusion; larger flattens the ranking."
    )
    lexical_weight: float = Field(
        2.0,
        ge=0,
        le=100,
        description="Weight of the BM25 ranking against the dense one (1.0) in the fusion. BM25 over the "
        "text and its expansion is the sharper signal here; the 4-bit embedder breaks ties and bridges "
        "languages.",
    )
    dense_candidates: int = Field(40, ge=1, le=10_000, description="Chunks taken from the dense ranking before fusion.")
    lexical_candidates: int = Field(
        1000,
        ge=1,
        le=1_000_000,
        description="Chunks taken from the BM25 ranking before fusion: all of them for one resolution; past a "
        "rank of 1000 a chunk's share of the fusion is too small to matter and sorting them all costs time.",
    )
    scope_ratio: float = Field(
        1.0,
        ge=0.01,
        le=100,
        description="A question whose words match a scope note (knowledge/scope.yaml) at least this many times "
        "as well as the best paragraph is answered 'the text does not say'.",
    )
    query_tokens: int = Field(
        64,
        ge=8,
        le=510,
        description="Tokens of a question the embedder reads (its start): the embedder's time grows with each "
        "one, and it answers one question at a time. No evaluation question is longer than 58.",
    )
    max_query_chars: int = Field(
        2000, ge=100, le=100_000, description="Longer questions are truncated to this many characters, with a warning."
    )

    generator: Literal["auto", GeneratorName] = Field(
        "auto",
        description="What writes answers. auto: the local model when installed, else extractive (no model).",
    )
    prompts_dir: Path | None = Field(
        None,
        description="Folder of the prompt files (answer.zh.md, answer.en.md, context.md, and expand.md if it holds "
        "one) to use instead of the ones shipped inside the package (assistant/prompts/).",
    )
    context_paragraphs: int = Field(3, ge=1, le=10, description="Retrieved paragraphs given to an LLM generator.")
    model_path: Path | None = Field(
        None,
        description="GGUF file of the local generator. Unset: data_dir/models/, installed by "
        "`assistant model install` and checked against its sha256.",
    )
    llm_grammar: Literal["free", "quote"] = Field(
        "free",
        description="What the local model may write (a llama.cpp grammar). free: one to three sentences of its own "
        "words, each ending in markers of the paragraphs given; quote: one to three clauses copied from those "
        "paragraphs, each with its marker, so that even a very small model (SmolLM2-135M) writes an answer the "
        "verifier can keep.",
    )
    llm_threads: int = Field(2, ge=1, le=64, description="CPU threads of the local model.")
    llm_context: int = Field(4096, ge=512, le=131_072, description="Context window (tokens) of the local model.")
    llm_timeout: float = Field(
        60.0, ge=0.1, le=3600, description="Seconds before an LLM call is abandoned for the fallback."
    )
    max_answer_tokens: int = Field(200, ge=16, le=4096, description="Longest answer an LLM may write, in tokens.")
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "ASSISTANT_OPENAI_BASE_URL"),
        description="Endpoint of the `openai` generator: vLLM, Ollama, llama-server, OpenAI.",
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "ASSISTANT_OPENAI_API_KEY"),
        description="Key for that endpoint; never logged or shown.",
    )
    openai_model: str = Field(
        "gpt-4o-mini",
        validation_alias=AliasChoices("OPENAI_MODEL", "ASSISTANT_OPENAI_MODEL"),
        description="Model name at that endpoint.",
    )

    auth_user: str | None = Field(
        None,
        description="With auth_password: HTTP basic authentication on every page and route of `assistant ui`. "
        "Unset: no authentication (fine on 127.0.0.1; a loud warning on any other address).",
    )
    auth_password: SecretStr | None = Field(None, description="Password for auth_user; never logged or shown.")
    max_request_bytes: int = Field(
        1_048_576,
        ge=1024,
        le=1_073_741_824,
        description="Largest request body the server accepts; larger ones get 413 and one sentence.",
    )
    rate_limit: int = Field(
        300,
        ge=0,
        le=100_000,
        description="Requests per minute one client (its user, else its address) may make to /api/* and /v1/* "
        "(not /api/health) and POSTs to /gradio_api/* (where the web UI and gradio_client ask), a burst of that "
        "many, refilled evenly; more get 429. 0: no limit.",
    )
    shutdown_grace: int = Field(
        5,
        ge=1,
        le=600,
        description="Seconds `assistant ui` gives open requests after SIGTERM or Ctrl-C before it closes them and "
        "exits. Unbounded, a model still writing (or a browser's open event stream) kept the server alive until "
        "it was killed.",
    )
    trusted_proxies: str = Field(
        "",
        description="Addresses or networks (comma-separated, e.g. 10.0.0.5,10.0.1.0/24) of reverse proxies whose "
        "X-Forwarded-For header names the client for the rate limit. Unset: the header is ignored, since any "
        "client could set it.",
    )

    ods_url: str = Field(
        "https://documents.un.org/api/symbol/access",
        description="Endpoint of the UN Official Document System that answers ?s=SYMBOL&l=LANG&t=pdf|docx with a "
        "redirect to the file. Tests point it at a local server.",
    )
    fetch_formats: list[Literal["docx", "pdf"]] = Field(
        ["docx", "pdf"],
        description="File formats asked of the document system, in order: DOCX keeps paragraphs and footnotes "
        "exactly; PDF is the fallback for documents without one.",
    )
    fetch_timeout: float = Field(
        30.0, ge=0.1, le=3600, description="Seconds to wait for the document system to connect or send."
    )
    fetch_retries: int = Field(
        3, ge=1, le=20, description="Attempts per file before giving up (timeouts, 5xx, cut-off bodies)."
    )
    fetch_backoff: float = Field(
        1.0, ge=0, le=600, description="Seconds before the second attempt; doubled before each further one."
    )

    def __init__(self, **values: Any) -> None:
        """Values from the environment or `values`; a bad one is a BadInput naming its variable."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise BadInput(_invalid(exc.errors()[0])) from exc
        except SettingsError as exc:  # a list that is not JSON
            name = re.search(r'field "(\w+)"', str(exc))
            field = name.group(1) if name else "fetch_formats"
            raise BadInput(f"{env_name(field)} must be {accepts(field)}.") from exc

    @field_validator("openai_base_url", "ods_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"https?://[^\s/]+", value):
            raise ValueError("an http:// or https:// address")
        return value

    @property
    def sources_dir(self) -> Path:
        """Downloaded and added official files of cited documents, their provenance and parses."""
        return self.data_dir / "sources"

    @property
    def index_collection(self) -> str:
        """The collection the index of these aids lives in: the unaided one beside the normal one."""
        return self.collection if self.aids == "all" else f"{self.collection}-unaided"

    @property
    def expansions_dir(self) -> Path:
        """The generated expansions, one JSON file per paragraph text, model and prompt (expansion.py)."""
        return self.data_dir / "expansions"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def embedding_cache(self) -> Path:
        return (self.cache_dir or self.data_dir / "cache") / "embeddings.sqlite3"

    @property
    def judgement_cache(self) -> Path:
        """The reranker's judgements by model, prompt, question and passage (rerank.py)."""
        return (self.cache_dir or self.data_dir / "cache") / "judgements.sqlite3"


def env_name(field: str) -> str:
    """The environment variable that sets a field: of its aliases, the one set, else the first."""
    alias = Settings.model_fields[field].validation_alias
    if not isinstance(alias, AliasChoices):
        return f"ASSISTANT_{field.upper()}"
    present = {name.upper() for name in os.environ}
    names = [c for c in alias.choices if isinstance(c, str)]  # the settings' aliases are names, not paths
    return next((c for c in names if c.upper() in present), names[0])


def accepts(field: str) -> str:
    """What a field accepts, in words: 'a whole number from 1 to 50', 'one of auto, local or extractive'."""
    info = Settings.model_fields[field]
    low = next((m.ge for m in info.metadata if isinstance(m, Ge)), None)
    high = next((m.le for m in info.metadata if isinstance(m, Le)), None)
    kind = next((t for t in (int, float) if t in (info.annotation, *typing.get_args(info.annotation))), None)
    if kind is not None and low is not None:
        return f"a whole number from {low} to {high}" if kind is int else f"a number from {low:g} to {high:g}"
    choices = [str(a) for a in typing.get_args(info.annotation) if isinstance(a, str)]
    if typing.get_origin(info.annotation) is list:
        choices = [str(a) for a in typing.get_args(typing.get_args(info.annotation)[0])]
        return f"a JSON list of {_or(choices)}, such as {_json_list(info.default)}"
    if choices:
        return f"one of {_or(choices)}"
    if field == "collection":
        return "3 to 62 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit"
    return "a valid value"


def _invalid(error: ErrorDetails) -> str:
    """One sentence for a pydantic error: the variable, what it accepts and, unless secret, what it got."""
    aliases = {
        choice: name
        for name, info in Settings.model_fields.items()
        if isinstance(info.validation_alias, AliasChoices)
        for choice in info.validation_alias.choices
    }
    where = str(error["loc"][0]) if error["loc"] else ""
    field = aliases.get(where, where)
    if field not in Settings.model_fields:
        return f"A setting is not valid ({error['msg']}): check the ASSISTANT_* environment variables."
    wanted = str(error["ctx"]["error"]) if error["type"] == "value_error" else accepts(field)
    secret = SecretStr in typing.get_args(Settings.model_fields[field].annotation)
    got = "" if secret else f" (got {str(error['input'])[:60]!r})"
    return f"{env_name(field)} must be {wanted}{got}."


def _or(choices: list[str]) -> str:
    return ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else choices[0]


def _json_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"
