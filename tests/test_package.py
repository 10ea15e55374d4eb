"""The package as a library user meets it: a cheap import, and its prompts shipped inside it."""

import subprocess
import sys

from assistant.generation import ChatGenerator, load_prompt
from assistant.settings import Settings


def test_import_loads_no_heavy_dependency():
    """`import assistant` (and its data modules) must not pull in chromadb, LangChain or Gradio."""
    code = (
        "import sys, assistant, assistant.facts, assistant.models, assistant.settings, assistant.tokens\n"
        "heavy = {'chromadb', 'langchain_core', 'gradio'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "assert assistant.Answer.__name__ == 'Answer'  # the lazy names still resolve\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_prompts_ship_in_the_package_and_a_folder_can_replace_them(tmp_path):
    shipped = load_prompt("answer.en.md")
    assert "NOT IN TEXT" in shipped
    for name in ("answer.zh.md", "answer.en.md", "context.md"):
        (tmp_path / name).write_text(f"house prompt {name}\n", encoding="utf-8")
    generator = ChatGenerator(Settings(prompts_dir=tmp_path), "openai")
    assert generator.system == {"zh": "house prompt answer.zh.md", "en": "house prompt answer.en.md"}
    assert generator.context == "house prompt context.md"
    assert ChatGenerator(Settings(), "openai").system["en"] == shipped
