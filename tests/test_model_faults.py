"""The model fails mid-answer: its server hangs, stops half-way, or dies. Each time the answer is the
extractive one with a notice saying why, and the next question works. The crash is of the real llama.cpp
engine (SmolLM2-135M) running in a child process, killed with SIGKILL while it writes."""

import os
import signal
import subprocess
import sys
import threading

import pytest
from model_servers import hanging, serving

from assistant.chain import AnswerChain

QUESTION = "Where will the organizational session of the ad hoc committee be held?"
NEXT = "Who pays for the participation of representatives of developing countries?"


def _openai_chain(built, retriever, url: str, timeout: float = 4) -> AnswerChain:
    settings = built.model_copy(
        update={"generator": "openai", "openai_base_url": url, "llm_timeout": timeout, "max_answer_tokens": 48}
    )
    return AnswerChain(settings, retriever)


def _fell_back(answer, paragraph: str) -> None:
    assert answer.generator == "extractive" and not answer.draft
    assert any(n.startswith("The openai generator failed") and "extractive" in n for n in answer.notices)
    assert paragraph in [c.paragraph for c in answer.citations] and all(c.supported for c in answer.citations)


def test_a_server_that_accepts_and_never_answers_times_out(built, retriever):
    with hanging() as url:
        chain = _openai_chain(built, retriever, url)
        _fell_back(chain.invoke({"question": QUESTION}), "OP3")
        _fell_back(chain.invoke({"question": NEXT}), "OP5")  # the next question works too


def test_an_answer_that_never_ends_is_abandoned_at_the_timeout(built, retriever):
    with serving("trickling") as url:
        chain = _openai_chain(built, retriever, url, timeout=3)
        parts = list(chain.stream({"question": QUESTION}))
        assert any(p.draft for p in parts), "the model had started writing"
        _fell_back(parts[-1], "OP3")
        assert any("within 3 s" in n for n in parts[-1].notices)
        _fell_back(chain.invoke({"question": NEXT}), "OP5")


CHILD = """
import time
from assistant.llm import LocalServer, smollm2_path
server = LocalServer(smollm2_path(), threads=1, context=2048)
print(server.base_url, flush=True)
time.sleep(3600)
"""


@pytest.mark.llm
def test_the_real_engine_killed_mid_answer_gives_the_extractive_answer(built, retriever):
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        url = child.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), "the SmolLM2 server did not start"
        chain = _openai_chain(built, retriever, url, timeout=120)
        killed = threading.Event()
        parts = []
        for part in chain.stream({"question": QUESTION}):
            parts.append(part)
            if part.draft and not killed.is_set():  # the engine is writing: kill it now
                os.kill(child.pid, signal.SIGKILL)
                killed.set()
        assert killed.is_set(), "the engine never streamed a token"
        _fell_back(parts[-1], "OP3")
        _fell_back(chain.invoke({"question": NEXT}), "OP5")  # nothing listens now: refused, then extractive
    finally:
        child.kill()
        child.wait()
