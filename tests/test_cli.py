import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli

from assistant.models import Answer

PIPE_CLOSED = 141  # what a shell reports for a process ended by SIGPIPE
QUESTION = "When and where will the organizational session be held?"


def test_search_json(built):
    out = run_cli(
        "search",
        "When will the organizational session be held?",
        "--k",
        "2",
        "--json",
        data_dir=built.data_dir,
    )
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert len(hits) == 2
    assert set(hits[0]) == {"doc", "paragraph", "score", "text"}
    assert hits[0]["doc"] == "A/C.3/74/L.11/Rev.1" and hits[0]["paragraph"] == "OP3"
    assert set(hits[0]["text"]) == {"zh", "en"}


def test_stdin_gives_one_json_list_per_line(built):
    out = run_cli("search", "-", "--json", "--k", "1", data_dir=built.data_dir, stdin="人权\n\nWhat is A/74/130?\n")
    lines = out.stdout.splitlines()
    assert out.returncode == 0 and len(lines) == 3
    assert json.loads(lines[0])[0]["paragraph"] == "PP17"
    assert "empty" in json.loads(lines[1])["error"]
    assert json.loads(lines[2])[0]["paragraph"] in {"CAT:A/74/130", "FN5", "OP1"}


def test_empty_query_is_one_sentence_and_exit_2(built):
    for q in ("", "   \t "):
        out = run_cli("search", q, data_dir=built.data_dir)
        assert out.returncode == 2
        assert out.stderr.strip().startswith("Error: The question is empty")
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_huge_query_is_truncated_with_warning_and_answered(built):
    q = "人权和基本自由 " * 4500  # about 100 kB of UTF-8, under the 128 kB limit of one argument
    out = run_cli("search", q, "--json", data_dir=built.data_dir)
    assert out.returncode == 0, out.stderr
    assert "Warning: The question was" in out.stderr
    assert json.loads(out.stdout)[0]["paragraph"] == "PP17"


def test_missing_index_tells_how_to_rebuild(tmp_path):
    out = run_cli("search", "human rights", data_dir=tmp_path)
    assert out.returncode == 1
    assert "assistant ingest --rebuild" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow  # re-ingests in CLI processes: 10-17 s each
def test_corrupt_index_tells_how_to_rebuild(tmp_path):
    out = run_cli("ingest", data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    db = tmp_path / "chroma" / "chroma.sqlite3"
    db.write_bytes(db.read_bytes()[:4096])  # truncated, as after a crash or a bad copy
    out = run_cli("search", "human rights", data_dir=tmp_path)
    assert out.returncode == 1
    assert "assistant ingest --rebuild" in out.stderr and "Traceback" not in out.stderr
    rebuilt = run_cli("ingest", "--rebuild", data_dir=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert run_cli("search", "human rights", data_dir=tmp_path).returncode == 0


def test_unreachable_chroma_server_is_one_sentence(tmp_path):
    from helpers import free_port

    out = run_cli(
        "search", "human rights", data_dir=tmp_path, env={"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(free_port())}
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().startswith("Error: Cannot reach the Chroma server at 127.0.0.1:")


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(built):
    """`assistant ask - | head -c 10`: the rest of the answers has nowhere to go, as with any Unix tool."""
    exe = Path(sys.executable).parent / "assistant"
    proc = subprocess.Popen(
        [str(exe), "--data-dir", str(built.data_dir), "ask", "-", "--generator", "extractive"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdin.write(b"Who pays for the delegates?\n" * 20)
    proc.stdin.close()
    assert proc.stdout.read(10) == b'{"question'
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=300) in (0, PIPE_CLOSED), stderr
    assert "Error" not in stderr and "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_an_output_that_cannot_be_written_is_an_error(built):
    exe = Path(sys.executable).parent / "assistant"
    command = [str(exe), "--data-dir", str(built.data_dir), "ask", "Who pays?", "--generator", "extractive"]
    with open("/dev/full", "w") as full:
        out = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert out.returncode == 1
    assert out.stderr.strip() == "Error: The output cannot be written (No space left on device): check where it goes."
    closed = subprocess.run(command, stderr=subprocess.PIPE, text=True, timeout=300, preexec_fn=lambda: os.close(1))
    assert closed.returncode == 1
    assert closed.stderr.strip() == (
        "Error: The standard output is closed: send the output to a terminal, a file or a pipe."
    )


def _damage(db, page: int) -> None:
    """20 pages of the sqlite file from `page` on overwritten with noise, as by a bad disk or a bad copy."""
    noise = random.Random(page).randbytes(20 * 4096)
    with db.open("r+b") as f:
        f.seek(page * 4096)
        f.write(noise)


@pytest.mark.slow  # re-ingests in CLI processes: 10-17 s each
@pytest.mark.parametrize("page", [5, 50])
def test_damaged_index_on_a_plain_ingest_tells_how_to_rebuild(tmp_path, page):
    """Page 5: Chroma's Rust core panics on opening; page 50: a plain ingest failed with "…compactor…"."""
    assert run_cli("ingest", data_dir=tmp_path).returncode == 0
    _damage(tmp_path / "chroma" / "chroma.sqlite3", page)
    hint = "Error: The search index is missing or unreadable: run `assistant ingest --rebuild` to build it."
    for command in (("ingest",), ("search", "human rights")):
        out = run_cli(*command, data_dir=tmp_path)
        assert (out.returncode, out.stderr.strip()) == (1, hint), out.stderr
    rebuilt = run_cli("ingest", "--rebuild", data_dir=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert run_cli("search", "human rights", data_dir=tmp_path).returncode == 0


@pytest.mark.slow  # re-ingests in CLI processes: 10-17 s each
def test_read_only_commands_create_nothing(tmp_path):
    data = tmp_path / "nonexistent" / "x"
    for command in (("ask", "Who pays?"), ("search", "Who pays?"), ("chat",), ("eval-retrieval",)):
        out = run_cli(*command, data_dir=data, stdin="")
        assert out.returncode == 1 and "assistant ingest --rebuild" in out.stderr, out.stderr
        assert not (tmp_path / "nonexistent").exists(), f"`assistant {command[0]}` created {data}"
    assert run_cli("sources", "list", data_dir=data).returncode == 0
    assert not (tmp_path / "nonexistent").exists(), "`assistant sources list` created the data directory"


def test_ask_prints_the_statement_then_one_source_line_per_citation_then_see_also(built):
    out = run_cli("ask", QUESTION, "--generator", "extractive", data_dir=built.data_dir)
    assert out.returncode == 0, out.stderr
    statement, _, sources = out.stdout.partition("\n\nSources:\n")
    assert "[OP3]" in statement and "New York" in statement
    assert "纽约" not in statement and "“" not in statement  # the official quote is a source, not the statement
    *cited, see_also = sources.strip().splitlines()
    op3 = next(line for line in cited if line.startswith("[OP3] “"))
    quote, _, english = op3.partition("” — ")
    assert "纽约" in quote and "New York" in english
    assert see_also.startswith("See also: ")
    also = see_also.removeprefix("See also: ").split(", ")
    assert also and not set(also) & {line[1:].split("]")[0] for line in cited}


def test_ask_json_carries_see_also_and_a_refusal_has_none(built):
    stdin = f"{QUESTION}\nHow many countries voted for the resolution?\n"
    out = run_cli("ask", "-", "--generator", "extractive", data_dir=built.data_dir, stdin=stdin)
    assert out.returncode == 0, out.stderr
    answered, refused = (Answer.model_validate_json(line) for line in out.stdout.splitlines())
    cited = {c.paragraph for c in answered.citations}
    assert answered.see_also and not cited & set(answered.see_also)
    assert len(set(answered.see_also)) == len(answered.see_also)
    assert not any(pid.startswith("SCOPE:") for pid in answered.see_also)
    assert not refused.answerable and refused.citations and refused.see_also == []


def test_schema_shows_the_answer_shape(tmp_path):
    schema = json.loads(run_cli("schema", data_dir=tmp_path).stdout)
    assert {"answer", "citations", "see_also"} <= set(schema["properties"])
    assert "statement" in schema["properties"]["answer"]["description"]
    assert {"quote", "translation"} <= set(schema["$defs"]["Citation"]["properties"])


def test_python_m_assistant_is_the_assistant_command(built):
    """Where the venv's scripts are not on PATH, `python -m assistant` does what `assistant` does."""
    args = [
        sys.executable,
        "-m",
        "assistant",
        "--data-dir",
        str(built.data_dir),
        "search",
        QUESTION,
        "--k",
        "1",
        "--json",
    ]
    out = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[0]["paragraph"] == "OP3"
