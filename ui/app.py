"""The Gradio app: a Chat tab (streaming answers, citation chips, source panel, settings, status,
feedback) and a Document tab (the whole resolution, Chinese and English side by side).

Everything it shows comes from `assistant.service.Service`, the same object the HTTP API uses, and
every string becomes HTML only through `ui.render`."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import gradio as gr

from assistant.errors import UNEXPECTED, UserError
from assistant.models import GENERATORS, Answer, Question
from assistant.service import Queued, Service

from . import render

log = logging.getLogger(__name__)

EXAMPLES = [
    "When and where will the organizational session be held?",
    "Who pays for the participation of representatives of developing countries?",
    "What does the resolution ask the Secretary-General to do?",
    "How many countries voted for the resolution?",
    "特设委员会的组织会议在哪里举行？",
    "决议提到了人工智能吗？",
    "A/74/130 是什么文件？",
]
INTRO = (
    "Ask in Chinese or English about UN draft resolution **A/C.3/74/L.11/Rev.1**, *Countering the use of "
    "information and communications technologies for criminal purposes* (GA resolution 74/247). Every answer "
    "is checked against the paragraphs it cites; click a chip such as `OP3` to read the official Chinese "
    "paragraph with the quoted words highlighted. The English rendering is the project's own and unofficial."
)
# Retrieval and extractive answers are cheap; LLM answers wait in the service's per-model queue, so
# the Gradio queue itself only bounds how many questions are in flight at once.
IN_FLIGHT = 8
# Runs in the browser before show_source: hands over the clicked chip's "turn:paragraph" (ui/chips.js).
CITE_JS = "(done, key) => [done, window.assistantCite || key]"


def build_ui(service: Service) -> gr.Blocks:
    default = service.default_generator()
    views = [service.paragraph(pid) for pid in service.paragraph_ids()]

    with gr.Blocks(title="A/C.3/74/L.11/Rev.1 assistant", analytics_enabled=False) as demo:
        history = gr.State([])  # [{"role", "content"}] as the chain takes it
        answers = gr.State([])  # the Answer of each assistant turn, as dicts
        pending = gr.State("")  # the question being answered, once the box is cleared
        gr.Markdown("## A/C.3/74/L.11/Rev.1 assistant\n" + INTRO)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="Conversation",
                            elem_id="chat",
                            height=520,
                            sanitize_html=True,
                            allow_tags=False,
                            latex_delimiters=[],
                            feedback_options=None,
                            buttons=["copy"],
                            layout="bubble",
                        )
                        status = gr.HTML(render.status_html(default, service.model_name(default)), elem_id="status")
                        with gr.Row():
                            box = gr.Textbox(
                                show_label=False,
                                placeholder="Ask a question / 请提问 …",
                                elem_id="question",
                                scale=6,
                                max_lines=6,
                            )
                            ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1)
                        gr.Examples(EXAMPLES, inputs=box, label="Example questions · 示例问题")
                        with gr.Row():
                            helpful = gr.Button("Helpful", size="sm", elem_id="fb-helpful")
                            wrong_citation = gr.Button("Wrong citation", size="sm", elem_id="fb-citation")
                            wrong_answer = gr.Button("Wrong answer", size="sm", elem_id="fb-answer")
                            clear = gr.Button("New conversation", size="sm")
                        feedback_note = gr.HTML(elem_id="feedback-note")
                        with gr.Accordion("Settings", open=False):
                            generator = gr.Radio(
                                list(GENERATORS), value=default, label="Generator", elem_id="generator"
                            )
                            k = gr.Slider(1, 10, value=service.settings.k, step=1, label="Paragraphs retrieved (k)")
                    with gr.Column(scale=2, visible=False, elem_id="source-panel") as panel:
                        source = gr.HTML(elem_id="source")
                        close = gr.Button("Close source", size="sm")
                cite_key = gr.Textbox(visible="hidden", elem_id="cite-key")
                cite_open = gr.Button(visible="hidden", elem_id="cite-open")
            with gr.Tab("Document", id="document"):
                query = gr.Textbox(
                    label="Filter paragraphs", placeholder="OP3, 组织会议, New York …", elem_id="doc-filter"
                )
                document = gr.HTML(render.document_html(views), elem_id="document")

        def take_question(question: str):
            return "", question

        def respond(question: str, chat: list, hist: list, done: list, gen: str, k_value: float) -> Iterator:
            """Streams the conversation: the question, the place in the queue, drafts, the verified answer."""
            if not (question or "").strip():
                yield chat, hist, done, gr.skip()
                return
            turn = len(done)
            chat = [*chat, {"role": "user", "content": render.question_html(question)}]
            shown = {"role": "assistant", "content": '<div class="draft">…</div>'}
            final: Answer | None = None
            try:
                for item in service.stream(question, hist, gen, int(k_value)):
                    if isinstance(item, Queued):
                        shown = {"role": "assistant", "content": render.queued_html(item)}
                    else:
                        shown = {"role": "assistant", "content": render.answer_html(item, turn)}
                        final = item if not item.draft else final
                    yield [*chat, shown], hist, done, gr.skip()
            except UserError as exc:
                yield [*chat, {"role": "assistant", "content": render.error_html(str(exc))}], hist, done, gr.skip()
                return
            except Exception:
                log.exception("answering failed")
                message = "Something went wrong while answering; the details are in the log file. Try again."
                yield [*chat, {"role": "assistant", "content": render.error_html(message)}], hist, done, gr.skip()
                return
            hist = [*hist, {"role": "user", "content": question}, {"role": "assistant", "content": final.answer}]
            status_line = render.status_html(gen, final.model or service.model_name(gen), final)
            yield [*chat, shown], hist, [*done, final.model_dump(mode="json")], status_line

        def show_source(done: list, key: str):
            turn, _, pid = (key or "").partition(":")
            if not turn.isdigit() or int(turn) >= len(done):
                return gr.skip(), gr.skip()
            answer = Answer.model_validate(done[int(turn)])
            citation = next((c for c in answer.citations if c.paragraph == pid), None)
            try:
                view = service.paragraph(pid)
            except UserError as exc:
                return render.error_html(str(exc)), gr.Column(visible=True)
            return render.source_html(view, citation, pid in answer.see_also), gr.Column(visible=True)

        def feedback(verdict: str):
            def record(done: list) -> str:
                if not done:
                    return render.error_html("Ask a question first: feedback is about the last answer.")
                service.record_feedback(Answer.model_validate(done[-1]), verdict)
                return (
                    f'<div class="notice">Thank you: “{render.esc(verdict)}” was recorded with the last answer '
                    f"in {render.esc(str(service.feedback_path))}.</div>"
                )

            return record

        def new_status(gen: str) -> str:
            return render.status_html(gen, service.model_name(gen))

        private = {"api_visibility": "private"}
        for trigger in (box.submit, ask.click):
            trigger(take_question, box, [box, pending], queue=False, **private).then(
                respond,
                [pending, chatbot, history, answers, generator, k],
                [chatbot, history, answers, status],
                concurrency_limit=IN_FLIGHT,
                concurrency_id="answers",
                **private,
            )
        cite_open.click(
            show_source, [answers, cite_key], [source, panel], js=CITE_JS, concurrency_limit=None, **private
        )
        close.click(lambda: gr.Column(visible=False), None, panel, queue=False, **private)
        for button, verdict in (
            (helpful, "helpful"),
            (wrong_citation, "wrong citation"),
            (wrong_answer, "wrong answer"),
        ):
            button.click(feedback(verdict), answers, feedback_note, concurrency_limit=None, **private)
        clear.click(lambda: ([], [], [], ""), None, [chatbot, history, answers, feedback_note], queue=False, **private)
        chatbot.clear(lambda: ([], [], ""), None, [history, answers, feedback_note], queue=False, **private)
        generator.change(new_status, generator, status, queue=False, **private)
        query.change(lambda q: render.document_html(views, q), query, document, queue=False, **private)

        def ask_api(question: str, history: list[dict] | None = None, generator: str | None = None) -> dict:
            """Answer a question about A/C.3/74/L.11/Rev.1 with verified paragraph citations.

            Args:
                question: The question, in Chinese or English.
                history: Earlier turns, [{"role": "user" | "assistant", "content": "..."}], for follow-ups.
                generator: local, openai or extractive; empty for the server's default.
            Returns:
                The Answer as JSON: answer (the statement, with [OP3]-style markers), answerable, citations
                (paragraph, the official words it rests on, their English), see_also (paragraphs retrieved
                but not cited), generator, model, notices, timings.
            """
            try:
                asked = {
                    "question": question,
                    "history": [] if history is None else history,
                    "generator": generator or None,
                }
                request = Question.of(asked, "see /gradio_api/info")
                history_turns = [m.model_dump() for m in request.history]
                answer = service.ask(request.question, history_turns, request.generator)
            except UserError as exc:  # one sentence, as the JSON API gives, not pydantic's echo of the input
                raise gr.Error(str(exc), print_exception=False) from None
            except Exception:
                log.exception("answering on the Gradio /ask endpoint failed")
                raise gr.Error(UNEXPECTED, print_exception=False) from None
            return answer.model_dump(mode="json")

        gr.api(ask_api, api_name="ask", concurrency_limit=IN_FLIGHT, concurrency_id="answers")
    return demo
