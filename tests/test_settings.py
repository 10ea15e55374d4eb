"""Settings are checked when they are read: a value out of range stops the command at once with one
sentence naming the variable and what it accepts (exit 2), in the CLI and in `assistant ui`, instead of
a pydantic traceback, a wrong answer to every question or a server that refuses every request."""

import pytest
from helpers import free_port, run_cli

from assistant.errors import BadInput
from assistant.settings import Settings

PROBES = [
    ({"ASSISTANT_K": "abc"}, "Error: ASSISTANT_K must be a whole number from 1 to 50 (got 'abc')."),
    ({"ASSISTANT_K": "0"}, "Error: ASSISTANT_K must be a whole number from 1 to 50 (got '0')."),
    (
        {"ASSISTANT_MAX_REQUEST_BYTES": "-1"},
        "Error: ASSISTANT_MAX_REQUEST_BYTES must be a whole number from 1024 to 1073741824 (got '-1').",
    ),
]


@pytest.mark.parametrize(("env", "sentence"), PROBES)
def test_a_bad_setting_stops_the_cli_and_the_server_in_one_sentence(tmp_path, env, sentence):
    for args in (("ask", "Who pays?", "--generator", "extractive"), ("ui", "--port", str(free_port()))):
        out = run_cli(*args, data_dir=tmp_path, env=env, timeout=120)
        assert out.returncode == 2, (args, out.stderr[-2000:])
        assert out.stderr.strip() == sentence, out.stderr[-2000:]


def _numeric() -> list[str]:
    return [n for n, f in Settings.model_fields.items() if f.annotation in (int, float, int | None, float | None)]


@pytest.mark.parametrize("field", _numeric())
def test_every_number_setting_is_bounded_and_says_so(monkeypatch, field):
    """Words, negative numbers and numbers past the bound are each refused by name."""
    from assistant.settings import accepts, env_name

    variable = env_name(field)
    for value in ("abc", "-1e12", "1e12"):
        monkeypatch.setenv(variable, value)
        with pytest.raises(BadInput) as refused:
            Settings()
        assert str(refused.value) == f"{variable} must be {accepts(field)} (got {value!r}).", value


def test_names_choices_and_addresses_are_checked(monkeypatch):
    cases = {
        "ASSISTANT_GENERATOR": ("gpt", "one of auto, local, openai or extractive"),
        "OPENAI_BASE_URL": ("localhost:8080", "an http:// or https:// address"),
        "ASSISTANT_COLLECTION": ("../x", "3 to 62 letters"),
        "ASSISTANT_FETCH_FORMATS": ("docx", 'a JSON list of docx or pdf, such as ["docx", "pdf"]'),
        "ASSISTANT_AIDS": ("some", "one of all or none"),
    }
    for variable, (value, wanted) in cases.items():
        with monkeypatch.context() as env:
            env.setenv(variable, value)
            with pytest.raises(BadInput) as refused:
                Settings()
            assert str(refused.value).startswith(f"{variable} must be {wanted}"), refused.value


def test_the_unaided_index_has_a_collection_of_its_own(monkeypatch):
    assert Settings().index_collection == Settings().collection == "paragraphs"
    monkeypatch.setenv("ASSISTANT_AIDS", "none")
    assert Settings().index_collection == "paragraphs-unaided"
    assert Settings(collection="other").index_collection == "other-unaided"
