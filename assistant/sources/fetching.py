"""Official files from the UN Official Document System (ODS), by symbol and language.

`ods_url?s=SYMBOL&l=LANG&t=docx|pdf` answers with a redirect to the file. Each file is kept in
data_dir/sources/<symbol with _ for />/<lang>.<format> with its provenance beside it (<lang>.json:
URL, final URL, time, sha256). A cached file whose checksum still matches is never downloaded
again; a download cut off half-way stays as <lang>.<format>.part and the next attempt asks only
for the rest (HTTP Range). Timeouts, 5xx answers and cut-off bodies are retried with exponential
backoff; a 404 or a page that is no PDF/DOCX means "not in this format", and the next format is
tried."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from ..checksums import sha256_of
from ..errors import BadInput, UserError
from ..models import Lang, SourceFile
from ..refs import SYMBOL
from ..settings import Settings
from .readers import sniff

log = logging.getLogger(__name__)

LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_NAMES = {"zh": "Chinese", "en": "English"}


class FetchError(UserError):
    """A download that failed in a way the user should hear about in one sentence."""


class NotFound(FetchError):
    pass


@dataclass
class Fetched:
    source: SourceFile
    downloaded: bool  # False: served from the cache, nothing was downloaded
    resumed: bool = False


class _Unavailable(Exception):
    """This format of the document is not to be had; try the next."""


def check_symbol(symbol: str) -> str:
    symbol = symbol.strip()
    if not SYMBOL.fullmatch(symbol):
        raise BadInput(f"{symbol!r} is not a UN document symbol such as A/74/130 or A/RES/70/174: check it.")
    return symbol


def folder(settings: Settings, symbol: str) -> Path:
    return settings.sources_dir / symbol.replace("/", "_")


def cached(settings: Settings, symbol: str, lang: Lang) -> SourceFile | None:
    """The kept file of a document, if it is there and its checksum still matches."""
    manifest = folder(settings, symbol) / f"{lang}.json"
    if not manifest.exists():
        return None
    source = SourceFile.model_validate_json(manifest.read_text(encoding="utf-8"))
    path = manifest.parent / source.path
    if not path.exists() or sha256_of(path) != source.sha256:
        log.warning("cached %s (%s) is missing or fails its checksum; it will be fetched again", symbol, lang)
        return None
    return source


def forget(settings: Settings, symbol: str, lang: Lang) -> None:
    """Remove a kept file (one that turned out unreadable), so the next fetch downloads it anew."""
    manifest = folder(settings, symbol) / f"{lang}.json"
    if manifest.exists():
        source = SourceFile.model_validate_json(manifest.read_text(encoding="utf-8"))
        (manifest.parent / source.path).unlink(missing_ok=True)
        manifest.unlink()


def keep(settings: Settings, symbol: str, lang: Lang, data_path: Path, url: str, final_url: str | None) -> SourceFile:
    """Move a complete file into the cache and write its provenance."""
    fmt = sniff(data_path.read_bytes()[:8])
    assert fmt is not None
    target = folder(settings, symbol) / f"{lang}.{fmt}"
    target.parent.mkdir(parents=True, exist_ok=True)
    for other in target.parent.glob(f"{lang}.*"):
        if other.suffix in (".pdf", ".docx") and other != target:
            other.unlink()
    if data_path.parent == target.parent:
        data_path.replace(target)
    else:
        shutil.copyfile(data_path, target)
    source = SourceFile(
        symbol=symbol,
        lang=lang,
        format=fmt,
        path=target.name,
        sha256=sha256_of(target),
        bytes=target.stat().st_size,
        url=url,
        final_url=final_url,
        retrieved=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )
    (target.parent / f"{lang}.json").write_text(source.model_dump_json(indent=2), encoding="utf-8")
    return source


def fetch(settings: Settings, symbol: str, lang: Lang, client: httpx.Client | None = None) -> Fetched:
    """The official file of `symbol` in `lang`: from the cache, else from the document system."""
    if source := cached(settings, symbol, lang):
        return Fetched(source, downloaded=False)
    own = client is None
    client = client or httpx.Client(timeout=settings.fetch_timeout, follow_redirects=True)
    try:
        missing = []
        for fmt in settings.fetch_formats:
            try:
                return _download(settings, client, symbol, lang, fmt)
            except _Unavailable as why:
                log.info("%s (%s) as %s: %s", symbol, lang, fmt, why)
                missing.append(fmt.upper())
        raise NotFound(
            f"The UN Official Document System has no {LANG_NAMES[lang]} text of {symbol} "
            f"(tried {' and '.join(missing)}): check the symbol, or add a copy you have with "
            f"`assistant sources add FILE --symbol {symbol} --lang {lang}`."
        )
    finally:
        if own:
            client.close()


def _download(settings: Settings, client: httpx.Client, symbol: str, lang: Lang, fmt: str) -> Fetched:
    url = str(httpx.URL(settings.ods_url, params={"s": symbol, "l": lang, "t": fmt}))
    part = folder(settings, symbol) / f"{lang}.{fmt}.part"
    part.parent.mkdir(parents=True, exist_ok=True)
    host = urlsplit(settings.ods_url).netloc
    failure, resumed = "", False
    for attempt in range(max(settings.fetch_retries, 1)):
        if attempt:
            time.sleep(settings.fetch_backoff * 2 ** (attempt - 1))
        have = part.stat().st_size if part.exists() else 0
        try:
            final_url, resumed_now = _get(client, url, part, have)
        except _Retry as why:
            failure = str(why)
            log.warning("%s (%s, %s) attempt %d: %s", symbol, lang, fmt, attempt + 1, why, exc_info=why.__cause__)
            continue
        resumed = resumed or resumed_now
        if sniff(part.read_bytes()[:8]) != fmt:
            part.unlink()
            raise _Unavailable(f"the answer is not a {fmt.upper()} file")
        return Fetched(keep(settings, symbol, lang, part, url, final_url), downloaded=True, resumed=resumed)
    tries = max(settings.fetch_retries, 1)
    if failure == "connect":
        raise FetchError(
            f"Cannot reach the UN Official Document System at {host}: check the network connection, or add a copy "
            f"you have with `assistant sources add FILE --symbol {symbol} --lang {lang}`."
        )
    if failure == "timeout":
        raise FetchError(
            f"The UN Official Document System at {host} did not answer within {settings.fetch_timeout:g} s "
            f"({tries} attempts): try again later, or raise ASSISTANT_FETCH_TIMEOUT."
        )
    if failure == "cut":
        kept = part.stat().st_size if part.exists() else 0
        raise FetchError(
            f"The download of {symbol} ({lang}) was cut off {tries} times ({kept} bytes kept): run the same command "
            "again to resume it."
        )
    raise FetchError(f"The UN Official Document System at {host} answered {failure} {tries} times: try again later.")


class _Retry(Exception):
    """A failure worth another attempt: connect, timeout, cut-off body, 5xx."""


def _get(client: httpx.Client, url: str, part: Path, have: int) -> tuple[str, bool]:
    """Download into `part`, asking only for what is missing. Returns (final URL, resumed)."""
    headers = {"Accept-Encoding": "identity"}  # byte offsets of the file itself, for Range
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status in (404, 410):
                raise _Unavailable(f"HTTP {status}")
            if status == 416:  # the partial file is no prefix of this one: start over
                part.unlink(missing_ok=True)
                raise _Retry(f"HTTP {status}")
            if status == 429 or status >= 500:
                raise _Retry(f"HTTP {status}")
            if status >= 400:
                raise _Unavailable(f"HTTP {status}")
            resumed = status == 206 and have > 0 and _range_start(response) == have
            with part.open("ab" if resumed else "wb") as fh:
                for block in response.iter_raw():  # unbuffered: what arrived is kept if the rest does not
                    fh.write(block)
            return str(response.url), resumed
    except httpx.TimeoutException as exc:
        raise _Retry("timeout") from exc
    except httpx.ConnectError as exc:
        raise _Retry("connect") from exc
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise _Retry("cut") from exc


def _range_start(response: httpx.Response) -> int | None:
    match = re.match(r"bytes (\d+)-", response.headers.get("content-range", ""))
    return int(match.group(1)) if match else None
