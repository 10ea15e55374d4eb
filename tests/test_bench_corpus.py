"""The scale benchmark's generated haystack (benchmarks/corpus.py): deterministic, each size a prefix of
the next, and its composed vectors are unit vectors close to the real embedding of the paragraph."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from corpus import ComposedEmbeddings, generated  # noqa: E402

from assistant.embeddings import E5Embeddings  # noqa: E402


def test_corpus_is_deterministic_and_nested():
    small, large = generated(20), generated(60)
    assert [c.id for c, _ in small] == [c.id for c, _ in large[:20]]
    assert [c.id for c, _ in generated(20)] == [c.id for c, _ in small]
    assert len({c.id for c, _ in large}) == 60
    assert {c.lang for c, _ in large} == {"zh", "en"}
    assert all(all(part in c.text for part in clauses) for c, clauses in large)
    assert large[50][0].paragraph == "A/BENCH/2 ¶1"


def test_composed_vectors_approximate_real_ones():
    real = E5Embeddings(num_threads=1)
    made = generated(4)
    composed = ComposedEmbeddings(real, {c.indexed: clauses for c, clauses in made})
    texts = [c.indexed for c, _ in made] + ["not a generated paragraph"]
    vectors = np.asarray(composed.embed_documents(texts))
    exact = np.asarray(real.embed_documents(texts))
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert np.allclose(vectors[-1], exact[-1])  # other text is embedded for real
    similarity = (vectors[:-1] * exact[:-1]).sum(axis=1)
    assert (similarity > 0.9).all(), similarity
