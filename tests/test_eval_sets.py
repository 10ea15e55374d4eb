from collections import Counter
from pathlib import Path

import pytest

from assistant.evals.evaluation import load_items
from assistant.knowledge import load
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
K = load(Settings())
TARGETS = set(K.paragraphs) | {e.key for e in K.catalogue.values()}


@pytest.mark.parametrize("name", ["retrieval.jsonl", "retrieval_heldout.jsonl"])
def test_eval_set_is_well_formed(name):
    items = load_items(ROOT / "evals" / name)
    assert len({i.id for i in items}) == len(items)
    assert all(set(i.gold) <= TARGETS and i.gold for i in items)
    langs = Counter(i.lang for i in items)
    assert langs["zh"] == langs["en"]


def test_dev_set_covers_every_paragraph_twice():
    items = load_items(ROOT / "evals" / "retrieval.jsonl")
    assert len(items) >= 80
    counts = Counter(g for i in items if len(i.gold) <= 3 for g in i.gold)
    assert all(counts[p] >= 2 for p in K.paragraphs), {p: counts[p] for p in K.paragraphs if counts[p] < 2}
