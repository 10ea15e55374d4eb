"""The HTTP API other apps call, served next to the web UI (ui/server.py mounts the UI on this app).

- POST /api/ask                  a question (with optional history and generator) -> Answer JSON
- GET  /api/paragraphs/{id}      a paragraph: official text, unofficial English, footnotes, cited documents
- GET  /api/health               the default generator and model
- POST /v1/chat/completions      OpenAI-compatible, streaming or not: any chat client can use the assistant
- GET  /v1/models                the generators, as OpenAI-style models
- GET  /openapi.json             the OpenAPI document of all of the above

Only verified text leaves this API: the OpenAI-compatible stream sends the answer after verification,
never the model's draft, since a client cannot take back what it has already shown."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .errors import UNEXPECTED, BadInput, UserError, invalid_sentence
from .models import GENERATORS, Answer, GeneratorName, Question
from .replies import sources_text
from .service import Health, ParagraphView, Service

log = logging.getLogger(__name__)

UNREADABLE = 'The request body is not readable JSON in UTF-8: send an object such as {"question": "Who pays?"}.'


class ContentPart(BaseModel):
    """One part of a message in the list form; only text parts are read, and their text must be a string
    (a number there used to end in a 500 and, on a keep-alive connection, lose the client's next question)."""

    type: str
    text: str | None = None

    @model_validator(mode="after")
    def _text_part_has_text(self) -> ContentPart:
        if self.type == "text" and self.text is None:
            raise PydanticCustomError("text_missing", "A text part needs its text as a string")
        return self


class ChatMessage(BaseModel):
    role: str
    content: list[ContentPart] = Field(
        default_factory=list, description="A string, or a list of parts of which the text parts are read."
    )

    @field_validator("content", mode="before")
    @classmethod
    def _parts(cls, content: object) -> object:
        """A string (the common form) is one text part; null is no text; anything but a list is refused."""
        if content is None:
            return []
        if isinstance(content, str):
            return [{"type": "text", "text": content}]
        if not isinstance(content, list):
            raise PydanticCustomError("content_type", "Input should be a string or a list of content parts")
        return content

    def text(self) -> str:
        return "".join(part.text or "" for part in self.content if part.type == "text")


class ChatRequest(BaseModel):
    model: str | None = Field(
        None, description="local, openai or extractive picks the generator; any other name: the server's default."
    )
    messages: list[ChatMessage]
    stream: bool = False


def reply_text(answer: Answer) -> str:
    parts = [answer.answer, sources_text(answer), "\n".join(f"Note: {n}" for n in answer.notices)]
    return "\n\n".join(p for p in parts if p)


def _chat_input(request: ChatRequest) -> tuple[str, list[dict], GeneratorName | None]:
    turns = [m for m in request.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise BadInput("The last message must be the user's question.")
    history = [{"role": m.role, "content": m.text()} for m in turns[:-1]]
    generator = next((name for name in GENERATORS if name == request.model), None)
    return turns[-1].text(), history, generator


def _completion(answer: Answer, model: str, cid: str, created: int) -> dict:
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": reply_text(answer)}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "citations": [c.model_dump() for c in answer.citations],
        "see_also": answer.see_also,
        "answerable": answer.answerable,
    }


def _chunk(cid: str, created: int, model: str, delta: dict, finish: str | None = None, **extra) -> str:
    body = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _stream_completion(answer_of, model: str, cid: str, created: int) -> Iterator[str]:
    """The role at once (clients show that the reply started), then the verified reply line by line."""
    yield _chunk(cid, created, model, {"role": "assistant", "content": ""})
    try:
        answer = answer_of()
    except Exception as exc:  # the role is sent: a broken stream would leave the client with half a reply
        if not isinstance(exc, UserError):
            log.exception("answering a streamed chat completion failed")
        message = str(exc) if isinstance(exc, UserError) else UNEXPECTED
        yield _chunk(cid, created, model, {"content": f"Error: {message}"}, "stop")
        yield "data: [DONE]\n\n"
        return
    for line in reply_text(answer).splitlines(keepends=True):
        yield _chunk(cid, created, model, {"content": line})
    citations = [c.model_dump() for c in answer.citations]
    yield _chunk(
        cid, created, model, {}, "stop", citations=citations, see_also=answer.see_also, answerable=answer.answerable
    )
    yield "data: [DONE]\n\n"


def create_api(service: Service) -> FastAPI:
    """The JSON and OpenAI-compatible routes. Swagger pages are off: they load scripts from a CDN,
    and this server must work with no internet; /openapi.json is the description."""
    app = FastAPI(
        title="A/C.3/74/L.11/Rev.1 assistant",
        version=__version__,
        description="Answers about UN draft resolution A/C.3/74/L.11/Rev.1 with verified paragraph citations.",
        docs_url=None,
        redoc_url=None,
    )

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> JSONResponse:
        log.info("user error on %s: %s", request.url.path, exc)
        return JSONResponse({"detail": str(exc)}, status_code=400 if isinstance(exc, BadInput) else 503)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """FastAPI's own 400 is for a body it could not parse (bad JSON, bytes that are not UTF-8)."""
        detail = UNREADABLE if exc.status_code == 400 else exc.detail
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        """A body that is not JSON at all is 400, as for bytes that are not UTF-8; a wrong field is 422."""
        errors = exc.errors()
        if errors and errors[0].get("type") == "json_invalid":
            return JSONResponse({"detail": UNREADABLE}, status_code=400)
        return JSONResponse({"detail": invalid_sentence(errors)}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        """The sentence only: the Guard in front logs the traceback, once, and keeps the connection usable."""
        return JSONResponse({"detail": UNEXPECTED}, 500)

    @app.post("/api/ask", response_model=Answer, summary="Answer a question with verified citations")
    def ask(request: Question) -> Answer:
        history = [m.model_dump() for m in request.history]
        return service.ask(request.question, history, request.generator, request.k)

    @app.get("/api/paragraphs/{pid:path}", response_model=ParagraphView, summary="One paragraph and what it cites")
    def paragraph(pid: str) -> ParagraphView:
        try:
            return service.paragraph(pid)
        except BadInput as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.get("/api/health", response_model=Health, summary="Liveness and the default generator")
    @app.get("/api/health/", response_model=Health, include_in_schema=False)  # probes often add the slash
    def health():
        state = service.health()
        return state if state.error is None else JSONResponse(state.model_dump(), status_code=503)

    @app.get("/v1/models", summary="The generators, as OpenAI-style models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": g, "object": "model", "owned_by": "assistant"} for g in GENERATORS]}

    @app.post("/v1/chat/completions", summary="OpenAI-compatible chat completion (streaming or not)")
    def chat_completions(request: ChatRequest):
        question, history, generator = _chat_input(request)
        model = generator or service.default_generator()
        cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not request.stream:
            return _completion(service.ask(question, history, generator), model, cid, created)
        stream = _stream_completion(lambda: service.ask(question, history, generator), model, cid, created)
        return StreamingResponse(stream, media_type="text/event-stream")

    return app
