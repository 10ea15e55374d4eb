"""What guards the server and what must never leave it.

- `Guard`: one ASGI middleware in front of the API and the UI: optional HTTP basic authentication,
  a limit on request bodies, a per-client rate limit on the API routes.
- `redact` and `RedactSecrets`: secrets (the OpenAI key, the UI password) are replaced by *** in
  notices, errors and log records, whatever exception text carried them (an endpoint that echoes the key
  in its 401 body, a URL with the key in it).
- `PromptGuard`: a model answer that recites the system prompt is not an answer, whatever it cites."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
import math
import re
import secrets
import time

from starlette.exceptions import HTTPException

from .errors import UNEXPECTED, UserError
from .settings import Settings
from .text import IDEOGRAPH

log = logging.getLogger(__name__)
MASK = "***"
EXEMPT = ("/api/health",)  # liveness checks are not rate-limited (with or without a trailing slash)
LIMITED = ("/api/", "/v1/")  # every request to the JSON and OpenAI-compatible routes
# Gradio runs a question on a POST to its queue and call routes (/gradio_api/queue/join, /call/ask, /run/ask …):
# every POST there counts; the GETs that read results and the page's assets do not.
GRADIO = "/gradio_api/"
# The UI has no file component, yet Gradio accepts uploads and keeps them on disk: refused before a byte is read.
UPLOADS = ("/gradio_api/upload", "/gradio_api/process_recording")
NO_UPLOADS = "This assistant takes no file uploads: ask your question as text."


# --- secrets ----------------------------------------------------------------------------------------


def secrets_of(settings: Settings) -> list[str]:
    values = [s.get_secret_value() for s in (settings.openai_api_key, settings.auth_password) if s]
    return [v for v in values if len(v) >= 4]  # a shorter one would mask ordinary words


def redact(text: str, secret_values: list[str]) -> str:
    for value in secret_values:
        text = text.replace(value, MASK)
    return text


class RedactSecrets(logging.Filter):
    """On a handler: the message and the traceback of every record it writes, with secrets masked."""

    def __init__(self, secret_values: list[str]) -> None:
        super().__init__()
        self.secret_values = secret_values

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secret_values:
            return True
        message = record.getMessage()
        clean = redact(message, self.secret_values)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secret_values)
        return True


def redact_logs(settings: Settings) -> None:
    """Puts the filter on every handler that exists now (root, uvicorn's, the last resort)."""
    guard = RedactSecrets(secrets_of(settings))
    loggers = [logging.getLogger(), *(lg for lg in logging.root.manager.loggerDict.values() if hasattr(lg, "handlers"))]
    handlers = {h for lg in loggers for h in lg.handlers} | ({logging.lastResort} if logging.lastResort else set())
    for handler in handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(guard)


# --- the system prompt ------------------------------------------------------------------------------

WORD = re.compile(r"\w+")
ECHO_WORDS = 5  # a run of this many words of the prompt, found in no document, is a quotation of the prompt
ECHO_IDEOGRAPHS = 8  # the same for Chinese, counted in ideographs (punctuation ignored)


class PromptGuard:
    """Knows the runs of words of the system prompts that no indexed paragraph contains; an answer holding
    one of them recites the prompt, whatever it cites. Built once per generator (a few ms)."""

    def __init__(self, prompts: list[str], corpus: list[str]) -> None:
        words, ideographs = _flat(" ".join(corpus)), "".join(IDEOGRAPH.findall(" ".join(corpus)))
        self.word_runs = {r for p in prompts for r in _word_runs(p) if r not in words}
        self.ideograph_runs = {r for p in prompts for r in _ideograph_runs(p) if r not in ideographs}

    def echoed(self, text: str) -> bool:
        words, ideographs = _flat(text), "".join(IDEOGRAPH.findall(text))
        return any(r in words for r in self.word_runs) or any(r in ideographs for r in self.ideograph_runs)


def _flat(text: str) -> str:
    return " " + " ".join(WORD.findall(text.lower())) + " "


def _word_runs(prompt: str) -> set[str]:
    words = [w for w in WORD.findall(prompt.lower()) if not IDEOGRAPH.search(w)]
    return {" " + " ".join(words[i : i + ECHO_WORDS]) + " " for i in range(max(0, len(words) - ECHO_WORDS + 1))}


def _ideograph_runs(prompt: str) -> set[str]:
    chinese = "".join(IDEOGRAPH.findall(prompt))
    return {chinese[i : i + ECHO_IDEOGRAPHS] for i in range(max(0, len(chinese) - ECHO_IDEOGRAPHS + 1))}


# --- serving ----------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_auth_settings(settings: Settings) -> bool:
    """True when authentication is on; half a configuration is an error, not a silent open door."""
    if bool(settings.auth_user) != bool(settings.auth_password):
        raise UserError("Set both ASSISTANT_AUTH_USER and ASSISTANT_AUTH_PASSWORD, or neither.")
    return bool(settings.auth_user)


class TooLarge(HTTPException):
    """Raised while a body is read; an HTTPException, so FastAPI's body parsing passes it on as 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request is larger than {max_bytes:,} bytes: send a shorter question.")


class RateLimiter:
    """A token bucket per client: `rate` requests at once, refilled at `rate` per minute."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.buckets: dict[str, tuple[float, float]] = {}

    def wait(self, client: str, now: float | None = None) -> float:
        """0 when the request may go ahead (a token is taken), else seconds until the next token."""
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.get(client, (float(self.rate), now))
        tokens = min(float(self.rate), tokens + (now - last) * self.rate / 60.0)
        if len(self.buckets) > 10_000:  # forget clients whose buckets are full again
            self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 60}
        if tokens >= 1:
            self.buckets[client] = (tokens - 1, now)
            return 0.0
        self.buckets[client] = (tokens, now)
        return (1 - tokens) * 60.0 / self.rate


def trusted_networks(spec: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """ASSISTANT_TRUSTED_PROXIES as networks; a wrong entry is an error at start, not a proxy silently ignored."""
    networks = []
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise UserError(
                f"ASSISTANT_TRUSTED_PROXIES holds {entry!r}, which is not an address or a network: "
                "give addresses such as 10.0.0.5 or 10.0.0.0/24, separated by commas."
            ) from None
    return networks


def _in(host: str, networks: list) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_address(peer: str, forwarded_for: str, trusted: list) -> str:
    """The address the rate limit keys on. X-Forwarded-For is believed only from a trusted proxy (anyone else
    could name a new address on every request); from one, the nearest address in it that is not a trusted proxy."""
    if not _in(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _in(hop, trusted):
            return hop
    return peer


def rate_limited(method: str, path: str) -> bool:
    """Whether a request counts against the rate limit: every route that can run a question does."""
    if path.rstrip("/") in EXEMPT:
        return False
    return path.startswith(LIMITED) or (path.startswith(GRADIO) and method == "POST")


class Guard:
    """ASGI middleware: authentication, the refusal of uploads, the rate limit, then the body-size limit;
    and whatever goes wrong behind it, a reply the client can read on a connection it can keep using."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.user = settings.auth_user if check_auth_settings(settings) else None
        password = settings.auth_password if self.user else None
        self.password = password.get_secret_value() if password else ""
        self.max_bytes = settings.max_request_bytes
        self.limiter = RateLimiter(settings.rate_limit) if settings.rate_limit > 0 else None
        self.trusted = trusted_networks(settings.trusted_proxies)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        peer = (scope.get("client") or ("unknown", 0))[0]
        if self.user and not self._signed_in(headers.get("authorization", "")):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await reply_json(
                send,
                401,
                "Sign in: this assistant asks for a user name and password.",
                {"www-authenticate": 'Basic realm="assistant", charset="UTF-8"'},
            )
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)
        path, method = scope.get("path", ""), scope.get("method", "GET")
        if path.rstrip("/") in UPLOADS:
            return await reply_json(send, 403, NO_UPLOADS, {"connection": "close"} if method == "POST" else None)
        if self.limiter and rate_limited(method, path):
            client = client_address(peer, headers.get("x-forwarded-for", ""), self.trusted)
            wait = self.limiter.wait(self.user or client)
            if wait:
                log.warning("rate limit: %s on %s", client, path)
                return await reply_json(
                    send,
                    429,
                    f"Too many requests: at most {self.limiter.rate} a minute; try again in {math.ceil(wait)} s.",
                    {"retry-after": str(math.ceil(wait))},
                )
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            return await reply_json(send, 413, TooLarge(self.max_bytes).detail)
        await self._limited(scope, receive, send)

    def _signed_in(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or self.user is None:
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        same_user = secrets.compare_digest(user.encode(), self.user.encode())
        return secrets.compare_digest(password.encode(), self.password.encode()) and same_user

    async def _limited(self, scope, receive, send) -> None:
        """A body without Content-Length (chunked) is counted as it arrives. An exception that escapes the app
        must not reach uvicorn, which would close the keep-alive connection without `Connection: close` and
        so lose the client's next request on it; it is logged once here instead."""
        received, started, finished = 0, False, False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise TooLarge(self.max_bytes)
            return message

        async def watching_send(message):
            nonlocal started, finished
            started = started or message["type"] == "http.response.start"
            finished = finished or (message["type"] == "http.response.body" and not message.get("more_body"))
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except TooLarge as exc:
            if not started:
                await reply_json(send, 413, exc.detail)
        except Exception:
            log.exception("unexpected error on %s", scope.get("path", ""))
            if not started:
                await reply_json(send, 500, UNEXPECTED)
            elif not finished:
                raise  # half a reply: only closing the connection tells the client it is cut off


async def reply_json(send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
