"""The one settings object. Every knob lives here, with a description, so `assistant --help`,
the README and the environment all speak of the same thing."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    collection: str = Field("paragraphs", description="Chroma collection that holds the chunks.")
    chroma_host: str | None = Field(
        None,
        validation_alias=AliasChoices("CHROMA_HOST", "ASSISTANT_CHROMA_HOST"),
        description="Host of a Chroma server (`chroma run`). Unset: the embedded store in data_dir.",
    )
    chroma_port: int = Field(
        8000,
        validation_alias=AliasChoices("CHROMA_PORT", "ASSISTANT_CHROMA_PORT"),
        description="Port of the Chroma server, used only with chroma_host.",
    )
    embed_threads: int = Field(
        1,
        description="CPU threads (OpenMP) for the embedder. One: a query is too short to gain from two, and on two "
        "cores shared with the local model or other jobs two spinning threads made a search 7-18 times slower "
        "(docs/benchmarks.md).",
    )
    cache_dir: Path | None = Field(
        None, description="Cache of passage embeddings by content hash. Unset: data_dir/cache."
    )
    chunk_tokens: int = Field(
        400, description="Token budget (cl100k_base) of one chunk; longer paragraphs split on sentence ends."
    )
    ingest_wait: float = Field(
        600.0,
        description="Seconds an ingest waits for another one running on the same data_dir before giving up.",
    )
    k: int = Field(5, description="Paragraphs returned by a search.")
    rrf_k: int = Field(10, description="Constant of reciprocal rank fusion; larger flattens the ranking.")
    lexical_weight: float = Field(
        2.0,
        description="Weight of the BM25 ranking against the dense one (1.0) in the fusion. BM25 over the "
        "text and its expansion is the sharper signal here; the 4-bit embedder breaks ties and bridges "
        "languages.",
    )
    dense_candidates: int = Field(40, description="Chunks taken from the dense ranking before fusion.")
    lexical_candidates: int = Field(
        1000,
        description="Chunks taken from the BM25 ranking before fusion: all of them for one resolution; past a "
        "rank of 1000 a chunk's share of the fusion is too small to matter and sorting them all costs time.",
    )
    scope_ratio: float = Field(
        1.0,
        description="A question whose words match a scope note (knowledge/scope.yaml) at least this many times "
        "as well as the best paragraph is answered 'the text does not say'.",
    )
    max_query_chars: int = Field(
        2000, description="Longer questions are truncated to this many characters, with a warning."
    )

    generator: Literal["auto", "local", "openai", "extractive"] = Field(
        "auto",
        description="What writes answers. auto: the local model when installed, else extractive (no model).",
    )
    context_paragraphs: int = Field(3, description="Retrieved paragraphs given to an LLM generator.")
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
    llm_threads: int = Field(2, description="CPU threads of the local model.")
    llm_context: int = Field(4096, description="Context window (tokens) of the local model.")
    llm_timeout: float = Field(60.0, description="Seconds before an LLM call is abandoned for the fallback.")
    max_answer_tokens: int = Field(200, description="Longest answer an LLM may write, in tokens.")
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
        1_048_576, description="Largest request body the server accepts; larger ones get 413 and one sentence."
    )
    rate_limit: int = Field(
        300,
        description="Requests per minute one client (its user, else its address) may make to /api/* and /v1/* "
        "(a burst of that many, refilled evenly); more get 429. 0: no limit. The web UI's own routes are "
        "bounded by its queue instead.",
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
    fetch_timeout: float = Field(30.0, description="Seconds to wait for the document system to connect or send.")
    fetch_retries: int = Field(3, description="Attempts per file before giving up (timeouts, 5xx, cut-off bodies).")
    fetch_backoff: float = Field(1.0, description="Seconds before the second attempt; doubled before each further one.")

    @property
    def sources_dir(self) -> Path:
        """Downloaded and added official files of cited documents, their provenance and parses."""
        return self.data_dir / "sources"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def embedding_cache(self) -> Path:
        return (self.cache_dir or self.data_dir / "cache") / "embeddings.sqlite3"
