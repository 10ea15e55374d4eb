"""What the chain is asked (a Question, its dict, or the question alone) and what writes the answer: a
wrong field or an unknown generator is one sentence naming it, never pydantic's echo of the input."""

import json

import pytest
from helpers import run_cli

from assistant.chain import AnswerChain
from assistant.errors import BadInput
from assistant.generation import ChatGenerator, ExtractiveGenerator, Generator
from assistant.models import Message, Question, generator_name
from assistant.settings import Settings


def _one_sentence(text: str) -> bool:
    return "Traceback" not in text and len(text.splitlines()) == 1 and text.endswith(".")


def test_a_question_is_read_from_a_string_a_dict_or_a_question():
    assert Question.of("Who pays?") == Question(question="Who pays?")
    asked = Question.of(
        {"question": "And where?", "history": [{"role": "user", "content": "When?"}], "generator": "local", "k": 3}
    )
    assert asked.history == [Message(role="user", content="When?")] and asked.generator == "local" and asked.k == 3
    assert Question.of(asked) is asked


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"question": "Who pays?", "k": 0}, "k"),
        ({"question": 42}, "question"),
        ({"history": []}, "question"),
        ({"question": "Who pays?", "generator": "gpt-9"}, "generator"),
        ({"question": "Who pays?", "history": [{"role": "system", "content": "x"}]}, "history.0.role"),
        (["Who pays?"], "body"),
    ],
)
def test_a_wrong_field_is_one_sentence_naming_it(value, field):
    with pytest.raises(BadInput) as refused:
        Question.of(value)
    message = str(refused.value)
    assert _one_sentence(message) and f"({field}: " in message, message


def test_an_unknown_generator_name_is_one_sentence_listing_the_names():
    assert generator_name("openai") == "openai"
    with pytest.raises(BadInput, match=r"^Unknown generator 'gpt-9': use local, openai or extractive\.$"):
        generator_name("gpt-9")


def test_both_generators_are_what_the_chain_asks_of_a_generator():
    settings = Settings(openai_base_url="http://127.0.0.1:9/v1")  # never called: the model is only named
    extractive, chat = ExtractiveGenerator(), ChatGenerator(settings, "openai")
    assert isinstance(extractive, Generator) and isinstance(chat, Generator)
    assert not extractive.is_model and not extractive.system and extractive.model is None
    assert chat.is_model and set(chat.system) == {"zh", "en"} and chat.model == settings.openai_model


def test_the_chain_refuses_a_bad_dict_in_one_sentence(built, retriever):
    chain = AnswerChain(built.model_copy(update={"generator": "extractive"}), retriever)
    for value in ({"question": "Who pays?", "k": 0}, {"question": 42}):
        with pytest.raises(BadInput) as refused:
            chain.invoke(value)
        assert _one_sentence(str(refused.value)), refused.value
    assert chain.invoke("Who pays for the delegates?").answerable  # the question alone is a question


def test_schema_prints_the_question_the_chain_and_the_api_read(tmp_path):
    result = run_cli("schema", "question", data_dir=tmp_path)
    schema = json.loads(result.stdout)
    assert {"question", "history", "generator", "k"} <= set(schema["properties"])
    assert schema["required"] == ["question"]
