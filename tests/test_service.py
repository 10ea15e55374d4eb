"""What the UI and the API share: the per-model queue and the feedback log."""

import json
import threading

import pytest
from helpers import free_port

from assistant.chain import AnswerChain
from assistant.models import Answer
from assistant.service import Queued, Service

QUESTION = "Where will the organizational session of the ad hoc committee be held?"


@pytest.fixture
def service(built, retriever, tmp_path):
    # The openai generator pointed at a port where nothing listens: the real client fails at once and
    # the chain falls back to the extractive answer, so the queue can be exercised without a model.
    settings = built.model_copy(
        update={"data_dir": tmp_path, "openai_base_url": f"http://127.0.0.1:{free_port()}/v1", "llm_timeout": 5}
    )
    return Service(settings, AnswerChain(settings, retriever))


def in_thread(fn):
    result: list = []
    thread = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    thread.start()
    thread.join(120)  # a guard against a deadlock, not a speed check
    assert not thread.is_alive(), "the call was stuck"
    return result[0]


def test_llm_questions_wait_their_turn_and_see_their_place(service):
    queue = service.queues["openai"]
    with queue.ticket():  # another question is being answered by this model
        first = service.stream(QUESTION, generator="openai")
        assert next(first) == Queued(generator="openai", position=1)
        second = service.stream("Who pays?", generator="openai")
        assert next(second) == Queued(generator="openai", position=2)
        extractive = in_thread(lambda: service.ask(QUESTION, generator="extractive"))
        assert extractive.generator == "extractive" and extractive.citations  # not stuck behind the model
    rest = in_thread(lambda: list(first))
    assert isinstance(rest[-1], Answer) and not rest[-1].draft
    assert any(c.paragraph == "OP3" for c in rest[-1].citations)
    assert any(isinstance(item, Answer) for item in in_thread(lambda: list(second)))
    assert len(queue) == 0


def test_unknown_generator_is_refused(service):
    with pytest.raises(Exception, match="Unknown generator"):
        next(service.stream(QUESTION, generator="gpt-9"))


def test_feedback_lines_stay_whole_under_concurrent_writers(service):
    answer = service.ask(QUESTION, generator="extractive")
    verdicts = ["helpful", "wrong citation", "wrong answer"] * 20
    threads = [threading.Thread(target=service.record_feedback, args=(answer, v)) for v in verdicts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = [json.loads(line) for line in service.feedback_path.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["verdict"] for r in records) == sorted(verdicts)
    assert all(r["question"] == QUESTION and r["citations"][0]["paragraph"] == "OP3" for r in records)
