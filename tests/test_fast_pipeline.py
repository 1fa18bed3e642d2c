"""The fast tier: the whole question path (retrieval, the evidence decision, composition,
grounding) on a 20-paper fixture with a fake embedder and real Chroma, in seconds.

    pytest -m "not slow"      # this file and the other pure-logic tests

The real-component tests (the MiniLM encoder, the bundled corpus, servers, a browser) are the
slow tier; both run in CI.
"""

from __future__ import annotations

import re

import pytest

from ingest.embed import CachedEmbedder
from rag import Engine, ingest_paths
from tests.conftest import ROOT, make_settings
from tests.fakes import HashEmbedder
from tests.openai_stub import ScriptedOpenAIServer

FIXTURE = ROOT / "tests" / "fixtures" / "papers20.jsonl"
RASAT = "RASAT: Integrating Relational Structures into Pretrained Seq2Seq Model for Text-to-SQL"
# A decision calibrated for the fake's lexical similarities (the shipped weights are MiniLM's).
EVIDENCE = {"evidence.weights": {"similarity": 12.0}, "evidence.bias": -4.0,
            "evidence.weak_at": 0.3, "evidence.answer_at": 0.6}


@pytest.fixture(scope="module")
def fake_embedder() -> CachedEmbedder:
    return CachedEmbedder(HashEmbedder())


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory, fake_embedder: CachedEmbedder) -> Engine:
    settings = make_settings(tmp_path_factory.mktemp("fast"), data_dir=FIXTURE.parent, **EVIDENCE)
    report = ingest_paths(settings, [FIXTURE], embedder=fake_embedder)
    assert report.papers_read == 20 and report.new == 20
    return Engine(settings, auto_ingest=False, embedder=fake_embedder)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_a_question_in_the_papers_words_retrieves_it_first(fast: Engine, mode: str):
    r = fast.retriever.retrieve("relational structures schema linking text-to-SQL seq2seq", mode=mode)
    assert r.sources[0].title == RASAT
    assert len({s.paper_id for s in r.sources}) == len(r.sources) == 5


def test_an_answer_is_quoted_cited_and_grounded(fast: Engine):
    answer = fast.ask("Which text-to-SQL model adds relational structures such as schema linking to a seq2seq model?")
    assert not answer.refused and answer.evidence in ("answer", "weak")
    assert answer.citations[0].title == RASAT and answer.text.startswith(RASAT + " — ")
    abstracts = {s.paper_id: s.abstract for s in answer.sources}
    assert all(c.sentence and c.sentence in abstracts[c.paper_id] for c in answer.citations)
    used = sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer.text)})
    assert used == [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert answer.unsupported == []


def test_an_off_topic_question_is_refused_with_its_reason(fast: Engine):
    answer = fast.ask("What hydration suits a sourdough rye loaf baked in a cast iron pot?")
    assert answer.refused and answer.evidence == "refuse" and answer.citations == []
    assert answer.text == answer.reason and answer.reason.startswith("The collection does not seem to cover")


def test_a_multi_paper_question_lists_each_qualifying_paper_once(fast: Engine):
    answer = fast.ask("Which papers explain grokking, the delayed generalization of neural networks?")
    cited = [c.title for c in answer.citations]
    assert {"Grokking as the Transition from Lazy to Rich Training Dynamics",
            "Deep Networks Always Grok and Here is Why"} <= set(cited)
    assert len(cited) == len(set(cited)) == len(answer.text.splitlines())


def test_a_named_papers_question_never_quotes_another_papers_figure(fast: Engine):
    answer = fast.ask("How many tokens was the 7B Gemma model pretrained on?")
    assert "3.4T" not in answer.text  # 360Zhinao's figure, in the same collection
    assert answer.refused or {c.title for c in answer.citations} == {
        "Gemma: Open Models Based on Gemini Research and Technology"}


def test_the_decision_refuses_before_any_llm_call(fast: Engine, fake_embedder: CachedEmbedder):
    with ScriptedOpenAIServer(models=("stub",)) as server:
        generative = fast.with_llm(provider="openai", base_url=server.base_url, model="stub", api_key="sk-x")
        answer = generative.ask("What hydration suits a sourdough rye loaf baked in a cast iron pot?")
        assert answer.refused and answer.mode == "generative"
        assert server.chat_requests == []


def test_the_index_remembers_the_fake_model(fast: Engine):
    from ingest import IndexMismatchError

    with pytest.raises(IndexMismatchError, match="fake-hash-384"):
        Engine(fast.settings, auto_ingest=False)  # the settings' MiniLM does not fit this index
