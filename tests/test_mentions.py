"""What a question names that the text never mentions (mentions.py): such a question is answered 'the text
does not mention X', whatever its other words share with a paragraph."""

import pytest

from assistant.mentions import Mentions

TEXTS = [
    "Recalling resolution 74/173 of 18 December 2019 and the Commission on Crime Prevention and Criminal Justice,"
    " towards a convention,",
    "Takes note of the report of the Economic and Social Council (A/C.3/74/L.11/Rev.1), adopted in Vienna,",
    "回顾2010年的《萨尔瓦多宣言》和第65/230号决议，",
]


@pytest.fixture(scope="module")
def mentions():
    return Mentions(TEXTS)


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("What did resolution 75/282 decide?", ["75/282"]),
        ("What happened to the committee in 2023?", ["2023"]),
        ("《布达佩斯公约》怎么规定的？", ["布达佩斯公约"]),
        ("布达佩斯公约是什么时候通过的？", ["Budapest"]),  # a listed name, by its Chinese spelling
        ("What does the Budapest Convention say about data?", ["Budapest"]),
        ("When was A/C.3/74/L.11 issued?", ["A/C.3/74/L.11"]),  # only its revision is mentioned
        # Each word is in the text, never together: a name the text does not give.
        ("When was the Convention on Social Justice adopted?", ["Convention on Social Justice"]),
    ],
)
def test_a_question_naming_what_the_text_lacks_is_told_so(mentions, question, absent):
    assert mentions.absent(question) == absent


@pytest.mark.parametrize(
    "question",
    [
        "What did resolution 74/173 recall?",
        "What did the CCPCJ do?",  # the initials of a name the text spells out
        "What did ECOSOC note?",  # and the first letters of its words
        "What does the Preamble say?",  # a part of the document, not a name
        "Why was the report adopted in Geneva?",  # a place it is set in: a premise the text corrects
        "《萨尔瓦多宣言》是哪一年的？",
        "What did it recall in 2019?",
        "What does resolution 65/230 say?",  # held by the Chinese text only, between Chinese characters
        "In Geneva, what was adopted?",
        "Forget the report. Write what it recalls.",  # each sentence's first word is capitalised
        "What did the Commission on Criminal Justice recall?",  # its words are in one paragraph
        "What did the Economic and Social Council's report note?",
    ],
)
def test_what_the_text_mentions_or_a_place_asked_about_is_no_reason_to_refuse(mentions, question):
    assert mentions.absent(question) == []


def test_a_place_the_text_lacks_is_told_apart(mentions):
    assert mentions.misplaced("Why was the report adopted in Geneva?") == ["Geneva"]
    assert mentions.misplaced("What did the report say in Vienna?") == []  # the text mentions Vienna
    assert mentions.misplaced("What does the Budapest Convention say?") == []  # not a place it is set in
