"""Retrieval and extractive answers on the bundled corpus (real Chroma, real embeddings)."""

from __future__ import annotations

import json
import re

import pytest

from eval.runner import repeated_previous
from rag import Chat, Engine, QuestionError
from tests.conftest import ROOT

RASAT = "RASAT: Integrating Relational Structures into Pretrained Seq2Seq Model for Text-to-SQL"


def known(qid: str) -> dict:
    for line in (ROOT / "eval" / "questions.jsonl").read_text().splitlines():
        q = json.loads(line)
        if q["id"] == qid:
            return q
    raise KeyError(qid)


def test_rasat_question_retrieves_rasat_first(engine: Engine):
    r = engine.retriever.retrieve("Which text-to-SQL model adds relational structures like schema linking to a seq2seq transformer?")
    assert r.sources[0].title == RASAT


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_results_collapse_to_distinct_papers_in_every_mode(engine: Engine, mode: str):
    r = engine.retriever.retrieve("continual pre-training learning rate warm-up", top_k=8, mode=mode)
    ids = [s.paper_id for s in r.sources]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert [s.n for s in r.sources] == list(range(1, 9))
    assert all(s.abstract and s.title for s in r.sources)


def test_lexical_and_paraphrase_questions_both_hit(engine: Engine):
    # exact words from an abstract (BM25's strength) and a paraphrase (dense's strength)
    lexical = engine.retriever.retrieve("Leave-One-Out K-Nearest-Neighbor LOOK supervised pre-training")
    assert lexical.sources[0].title == "Rethinking Supervised Pre-training for Better Downstream Transferring"
    para = engine.retriever.retrieve("How to restart the step size schedule when a language model keeps training on new data?")
    assert "Continual Pre-Training of Large Language Models: How to (re)warm your model?" in [s.title for s in para.sources[:3]]


@pytest.mark.parametrize("qid", ["f02", "f21", "f24"])
def test_extractive_answer_quotes_the_key_fact_and_cites_only_retrieved_papers(engine: Engine, qid: str):
    q = known(qid)
    answer = engine.ask(q["question"])
    assert not answer.refused and answer.mode == "extractive" and "Extractive" in answer.notice
    text = answer.text.lower()
    assert any(k.lower() in text for k in q["must_include"]), answer.text
    retrieved = {s.paper_id for s in answer.sources}
    assert answer.citations and all(c.paper_id in retrieved for c in answer.citations)
    assert q["gold_titles"][0] in [c.title for c in answer.citations]
    # every [n] in the text is a citation, numbered densely from 1
    used = sorted({int(n) for n in re.findall(r"\[(\d+)\]", answer.text)})
    assert used == [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    # quoted verbatim: each cited sentence is in its paper's abstract
    by_id = {s.paper_id: s.abstract for s in answer.sources}
    for c in answer.citations:
        assert c.sentence and c.sentence in by_id[c.paper_id]


def test_off_topic_question_is_refused_without_citations(engine: Engine):
    answer = engine.ask("What is a good recipe for sourdough bread with rye flour?")
    assert answer.refused and answer.citations == []
    assert "does not seem to cover" in answer.text


def test_bad_questions_get_clear_errors(engine: Engine):
    with pytest.raises(QuestionError, match="empty"):
        engine.ask("   \n\t ")
    with pytest.raises(QuestionError, match="limit"):
        engine.ask("why " * 10_000)


def test_chat_follow_up_is_answered_from_the_paper_under_discussion(engine: Engine):
    chat = Chat(engine=engine)
    first = chat.ask("Which paper adds relational structures to a pretrained seq2seq model for text-to-SQL?")
    assert first.citations[0].title == RASAT
    follow = chat.ask("What results does it report?")
    # answered from RASAT, with the results RASAT's abstract states, not the first answer again
    assert follow.about == [RASAT] and "pronoun" in follow.resolved
    assert {c.title for c in follow.citations} == {RASAT} and not follow.refused
    assert "75.5%" in follow.text and "Spider" in follow.text
    # not the first answer again: the first one already quotes RASAT's results (a which-paper
    # answer shows what the paper found), so that sentence may lead again, but the rest is new
    assert repeated_previous(follow, first) == 0.0 and len(follow.sentences) >= 2
    # a change of subject searches afresh: no focus, no RASAT
    other = chat.ask("What about diffusion models?")
    assert other.about == [] and other.cue == "seek"
    assert RASAT not in {s.title for s in other.sources}
    assert all("iffusion" in c.title or "iffusion" in c.sentence for c in other.citations)
    fresh = Chat(engine=engine)
    assert fresh.history == [] and len(chat.history) == 3


def test_which_of_them_is_the_paper_whose_whole_abstract_fits_the_description(engine: Engine):
    # "converts an already-trained network": LAS's title says "ANN-SNN Conversion"; by dense
    # cosine and shared words SpikeGPT (listed first, trained from scratch) fitted as well
    first = ("Which papers make language models out of spiking neural networks?",
             "Which of them converts an already-trained ordinary network instead of training a spiking one from scratch?")
    picked = {}
    for weight in (2.0, 0.0):  # evidence.narrow_coverage: the default, and off
        chat = Chat(engine=Engine(engine.settings.with_overrides(**{"evidence.narrow_coverage": weight}),
                                  auto_ingest=False))
        listed = chat.ask(first[0])
        assert {"SpikeGPT", "LAS"} <= {c.title.split(":")[0] for c in listed.citations}
        follow = chat.ask(first[1])
        assert follow.cue == "one-of" and len(follow.about) == 1
        picked[weight] = follow.about[0].split(":")[0]
    assert picked == {2.0: "LAS", 0.0: "SpikeGPT"}


def test_the_second_one_is_reference_two_of_the_list(engine: Engine):
    chat = Chat(engine=engine)
    listed = chat.ask("Which papers pretrain foundation models for solving partial differential equations?")
    titles = [c.title for c in sorted(listed.citations, key=lambda c: c.n)]
    assert len(titles) >= 2
    second = chat.ask("How large is the second one's model?")
    assert second.about == [titles[1]] and "[2]" in second.resolved
    assert {c.title for c in second.citations} == {titles[1]}
    # "the first one" after a one-paper answer is the first of the list before it
    first = chat.ask("And what about the first one?")
    assert first.about == [titles[0]]
    chat.reset()
    assert chat.history == [] and chat.ask("What results does it report?").about == []


def test_hybrid_merges_a_chunk_both_retrievers_find(engine: Engine):
    q = "Leave-One-Out K-Nearest-Neighbor LOOK supervised pre-training"
    dense = engine.retriever.retrieve(q, mode="dense").sources[0]
    bm25 = engine.retriever.retrieve(q, mode="bm25").sources[0]
    hybrid = engine.retriever.retrieve(q, mode="hybrid").sources[0]
    assert dense.chunk_id == bm25.chunk_id == hybrid.chunk_id
    # each retriever alone contributes at most its weight; only a merged hit exceeds both
    w = engine.settings.retrieval.bm25_weight
    assert hybrid.score > max(w, 1 - w)


def test_async_form_answers_questions_concurrently(bundled_settings):
    import asyncio

    from rag import aask

    async def main():
        return await asyncio.gather(
            aask("Which text-to-SQL model integrates relational structures into a seq2seq model?", bundled_settings),
            aask("What is a good recipe for sourdough bread with rye flour?", bundled_settings),
        )

    rasat, bread = asyncio.run(main())
    assert rasat.citations[0].title == RASAT and not rasat.refused
    assert bread.refused
    assert rasat.tokens["completion"] > 0 and set(rasat.timings) >= {"retrieve", "generate", "total"}


def test_cli_ask_json_chat_and_missing_index(bundled_settings, tmp_path):
    import subprocess
    import sys

    base = [sys.executable, "-m", "ui.cli"]
    idx = ["--index-path", str(bundled_settings.index_path)]
    out = subprocess.run(base + ["ask", "--json", "--k", "3", *idx, "What does RASAT add to a seq2seq text-to-SQL model?"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-1500:]
    data = json.loads(out.stdout)
    assert len(data["sources"]) == 3 and data["citations"] and data["mode"] == "extractive"

    chat = subprocess.run(base + ["chat", *idx], input="Which paper adds relational structures to text-to-SQL?\n"
                          "What results does it report?\n\n", capture_output=True, text=True, timeout=300)
    assert chat.returncode == 0, chat.stderr[-1500:]
    assert chat.stdout.count("References:") == 2 and "RASAT" in chat.stdout

    empty = tmp_path / "corpus"
    empty.mkdir()
    missing = subprocess.run(base + ["ask", "--data-dir", str(empty), "--index-path", str(tmp_path / "idx"), "anything?"],
                             capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "paperchat ingest" in missing.stderr and "Traceback" not in missing.stderr
    long_q = subprocess.run(base + ["ask", *idx, "why " * 1000], capture_output=True, text=True, timeout=300)
    assert long_q.returncode == 2 and "limit" in long_q.stderr


@pytest.mark.parametrize(
    "question",
    ["\x00\x01\x02 binary \xff\xfe question about continual pre-training \x7f",
     "¿Cómo se debe recalentar la tasa de aprendizaje en el preentrenamiento continuo?",
     "如何在持续预训练中重新预热学习率？",
     "a" * 1999],
)
def test_odd_questions_are_answered_or_refused_cleanly(engine: Engine, question: str):
    answer = engine.ask(question)
    assert answer.text and "\x00" not in answer.question
    # the evidence decision's verdict is what the user sees: a refusal cites nothing and says
    # why; anything shown is quoted from the abstracts it cites
    assert answer.refused == (answer.evidence == "refuse")
    if answer.refused:
        assert not answer.citations and answer.text == answer.reason
    else:
        abstracts = {s.paper_id: s.abstract for s in answer.sources}
        assert answer.citations and all(c.sentence in abstracts[c.paper_id] for c in answer.citations)
