"""LangChain's own conformance suites (langchain-tests) on the retriever and the embedder: a chain
written against LangChain's interfaces (`invoke(query, k=3)`, `aembed_documents`) must get what
those interfaces promise from them. The suites run unchanged; only their fixtures are given here."""

from __future__ import annotations

import asyncio

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from assistant.embeddings import E5Embeddings
from assistant.errors import BadInput
from assistant.indexing import make_store
from assistant.retrieval import HybridRetriever

QUESTION = "Where will the organizational session of the ad hoc committee be held?"


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    """On the session's index (conftest `built`); the suite builds retrievers from these parameters."""

    params: dict = {}

    @pytest.fixture(autouse=True)
    def _index(self, built, embedder):
        type(self).params = {"settings": built, "store": make_store(built), "embedder": embedder}

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return dict(self.params)

    @property
    def retriever_query_example(self) -> str:
        return QUESTION


class TestE5EmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[E5Embeddings]:
        return E5Embeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"num_threads": 1}


class TestE5EmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[E5Embeddings]:
        return E5Embeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"num_threads": 1}


def test_k_passed_to_invoke_and_ainvoke_is_the_number_of_paragraphs(retriever):
    """What the suite checks, and its async twin, which the suite does not check."""
    for k in (1, 2, 4):
        docs = retriever.invoke(QUESTION, k=k)
        assert len(docs) == k and docs[0].metadata["paragraph"] == "OP3"
        assert len(asyncio.run(retriever.ainvoke(QUESTION, k=k))) == k
    assert len(retriever.invoke(QUESTION)) == retriever.k


@pytest.mark.parametrize("k", [0, -1, 2.5, "3", True])
def test_a_bad_k_is_one_sentence(retriever, k):
    with pytest.raises(BadInput, match=r"^k must be a whole number of paragraphs, at least 1; got .+\.$"):
        retriever.invoke(QUESTION, k=k)
