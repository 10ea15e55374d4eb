"""The chain's fixed replies, in each language it answers in: what an answer says when the text does not
say, the nearest paragraphs it shows instead, and what it says to a string with nothing to ask. Kept apart
from the chain so the evaluation's reports (evals/reports.py) can quote them without loading the chain.
Also the plain-text sources of an answer, which the CLI and the OpenAI-compatible reply both print."""

from .models import Answer

NOT_SAID = {
    "en": "The text does not say this.",
    "zh": "案文没有说明这一点。",
}
NEAREST = {
    "en": "The nearest paragraphs, for reference only (they do not answer the question): {ids}.",
    "zh": "最接近的段落（仅供参考，并不回答这个问题）：{ids}。",
}
NOTHING_TO_ASK = {
    "en": "There is no question here to answer: ask a question about the resolution, such as “Who pays for the "
    "participation of developing countries?”.",
    "zh": "这里没有可以回答的问题：请就决议提一个问题，例如“谁负担发展中国家代表的参与费用？”。",
}


def sources_text(answer: Answer) -> str:
    """The statement's sources as plain text, for a terminal or any chat client: one line per citation,
    `[OP3] “official quote” — English`, then the paragraphs retrieved but not cited."""
    lines = []
    if answer.citations:
        lines.append("Sources:" if answer.answerable else "Nearest paragraphs (for reference, not support):")
    for c in answer.citations:
        english = f" — {c.translation}" if c.translation and c.translation != c.quote else ""
        lines.append(f"[{c.paragraph}] “{c.quote}”{english}")
    if answer.see_also:
        lines.append(f"See also: {', '.join(answer.see_also)}")
    return "\n".join(lines)
