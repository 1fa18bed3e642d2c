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
from ingest.tokenstore import coverage_text
from rag import Engine, ingest_paths
from tests.conftest import ROOT, make_settings
from tests.fakes import HashEmbedder
from tests.openai_stub import ScriptedOpenAIServer

FIXTURE = ROOT / "tests" / "fixtures" / "papers20.jsonl"
RASAT = "RASAT: Integrating Relational Structures into Pretrained Seq2Seq Model for Text-to-SQL"
FREEZENET = "FreezeNet: Full Performance by Reduced Storage Costs"
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


def test_a_which_paper_answer_shows_the_paper_and_what_it_found(fast: Engine):
    q = "Which paper adds relational structures such as schema linking to a pretrained seq2seq model for text-to-SQL?"
    lines = fast.ask(q).text.splitlines()
    assert lines[0].startswith(RASAT + " — ")
    assert any("75.5% EX on Spider" in line and "[1]" in line for line in lines[1:])
    plain = Engine(fast.settings.with_overrides(**{"answer.which_paper_result": False}), auto_ingest=False,
                   embedder=fast.retriever.embedder)
    assert "75.5%" not in plain.ask(q).text  # the setting is what adds it


def test_the_decision_refuses_before_any_llm_call(fast: Engine, fake_embedder: CachedEmbedder):
    with ScriptedOpenAIServer(models=("stub",)) as server:
        generative = fast.with_llm(provider="openai", base_url=server.base_url, model="stub", api_key="sk-x")
        answer = generative.ask("What hydration suits a sourdough rye loaf baked in a cast iron pot?")
        assert answer.refused and answer.mode == "generative"
        assert server.chat_requests == []


def test_a_generative_answer_is_told_which_source_lacks_the_asked_detail(fast: Engine):
    # Gemma's abstract states no token count; 360Zhinao's states "3.4T tokens". The model is
    # told which source the question is about and that no sentence of it clearly states the figure.
    question = "How many training tokens were used for the 7B Gemma model?"
    with ScriptedOpenAIServer(models=("stub",)) as server:
        generative = fast.with_llm(provider="openai", base_url=server.base_url, model="stub", api_key="sk-x")
        answer = generative.ask(question)
        assert answer.evidence == "weak" and "no sentence of" in answer.reason and "clearly answers “How many training tokens were used for the 7B Gemma model”" in answer.reason
        gemma = next(s.n for s in answer.sources if s.title.startswith("Gemma:"))
        prompt = server.chat_requests[0]["messages"][-1]["content"]
        assert prompt.rstrip().endswith(f"No sentence of Source [{gemma}] clearly answers the question: "
                                        "if it does not, say so rather than give another source's figure.")


def test_the_index_remembers_the_fake_model(fast: Engine):
    from ingest import IndexMismatchError

    with pytest.raises(IndexMismatchError, match="fake-hash-384"):
        Engine(fast.settings, auto_ingest=False)  # the settings' MiniLM does not fit this index


# -- conversations -------------------------------------------------------------------------
Q_RASAT = "Which text-to-SQL model adds relational structures such as schema linking to a seq2seq model?"


def test_a_follow_up_is_answered_from_the_paper_it_refers_to(fast: Engine):
    from rag import Chat

    chat = Chat(engine=fast)
    first = chat.ask(Q_RASAT)
    follow = chat.ask("What results does it report on Spider?")
    assert first.citations[0].title == RASAT
    assert follow.about == [RASAT] and {c.title for c in follow.citations} == {RASAT}
    assert "75.5%" in follow.text
    assert [s.title for s in follow.sources] == [RASAT]  # only the paper under discussion


def test_a_spoken_topic_change_is_neither_searched_for_nor_read(fast: Engine):
    from rag import Chat

    chat = Chat(engine=fast)
    chat.ask(Q_RASAT)
    q = "Switching gears: which papers explain grokking, the delayed generalization of neural networks?"
    asked, focus = chat.focus(chat.read(q))
    assert focus.cue == "seek" and not {"switching", "gears"} & asked.words
    change = chat.ask(q)
    assert change.cue == "seek" and change.query.startswith("Which papers explain grokking")
    assert {"Grokking as the Transition from Lazy to Rich Training Dynamics",
            "Deep Networks Always Grok and Here is Why"} <= {c.title for c in change.citations}


def test_a_follow_up_quotes_more_of_the_paper_than_a_first_question(fast: Engine):
    """A follow-up's paper is established, so three of its sentences are quoted (the fact asked
    for is often the next one), plus at most one the first answer quoted when it reads better
    for the follow-up; a first factoid quotes at most two of one paper."""
    from collections import Counter

    from rag import Chat

    chat = Chat(engine=fast)
    first = chat.ask("How much does RASAT improve exact match on Spider with relational structures?")
    follow = chat.ask("How does it encode the schema linking and other relations?")
    per_paper = Counter(n for s in first.sentences for n in s.citations)
    assert first.citations and max(per_paper.values()) <= 2
    again = set(follow.quoted()) & set(first.quoted())
    assert follow.about == [RASAT] and len(follow.sentences) == 3 + len(again) and len(again) <= 1


def test_both_after_two_one_paper_answers_quotes_a_line_from_each(fast: Engine):
    """"Both" after two answers about one paper each is about those two papers, and each gets
    its line even when one reads far worse for the follow-up's words."""
    from rag import Chat

    chat = Chat(engine=fast)
    assert chat.ask(Q_RASAT).citations[0].title == RASAT
    freeze = chat.ask("Different topic: by what factor does FreezeNet compress the stored parameters?")
    assert [c.title for c in freeze.citations] == [FREEZENET]
    both = chat.ask("In both cases, what was evaluated?")
    assert both.cue == "all" and set(both.about) == {RASAT, FREEZENET}
    lines = both.text.splitlines()
    assert {c.title for c in both.citations} == {RASAT, FREEZENET}
    assert sum(line.startswith((RASAT + " — ", FREEZENET + " — ")) for line in lines) == 2


def test_a_generative_follow_up_is_rewritten_and_keeps_the_paper_in_focus(fast: Engine):
    from rag import Chat
    from tests.openai_stub import Reply

    with ScriptedOpenAIServer(models=("stub",)) as server:
        chat = Chat(engine=fast.with_llm(provider="openai", base_url=server.base_url, model="stub", api_key="sk-x"))
        server.script(Reply(f"{RASAT} is the one [1]."))
        chat.ask(Q_RASAT)
        server.script(Reply("What results does RASAT report on Spider?"), Reply("It reports 75.5% EX on Spider [1]."))
        follow = chat.ask("What results does it report?")
        rewrite, answer = server.chat_requests[-2:]
        assert RASAT in rewrite["messages"][-1]["content"]  # the papers under discussion, for the rewrite
        assert follow.query == "What results does RASAT report on Spider?"
        prompt = answer["messages"][-1]["content"]
        assert prompt.index(RASAT) < min(prompt.index(s.title) for s in follow.sources[1:])  # in focus, first
        assert follow.sources[0].title == RASAT and follow.about == [RASAT]
        assert [c.title for c in follow.citations] == [RASAT]


def test_paperchat_eval_runs_conversations_and_resumes_them_whole(fast: Engine, tmp_path):
    import json

    from eval.questions import QuestionFileError, is_conversation_file, load_conversations
    from eval.runner import run_conversations, summarize

    path = tmp_path / "conv.jsonl"
    convs = [
        {"id": "a", "split": "dev", "turns": [
            {"question": Q_RASAT, "type": "which-paper", "gold_titles": [RASAT], "must_include": ["RASAT"]},
            {"question": "What results does it report on Spider?", "type": "factoid", "gold_titles": [RASAT],
             "must_include": ["75.5%"]}]},
        {"id": "b", "split": "test", "turns": [
            {"question": "Which papers explain grokking, the delayed generalization of neural networks?",
             "type": "multi-paper", "gold_titles": ["Grokking as the Transition from Lazy to Rich Training Dynamics",
                                                    "Deep Networks Always Grok and Here is Why"]},
            {"question": "Which of them describes a transition from lazy to rich dynamics?", "type": "which-paper",
             "gold_titles": ["Grokking as the Transition from Lazy to Rich Training Dynamics"]}]},
    ]
    path.write_text("\n".join(json.dumps(c) for c in convs) + "\n")
    assert is_conversation_file(path)
    loaded = load_conversations(path)
    assert [t.id for c in loaded for t in c.turns] == ["a#1", "a#2", "b#1", "b#2"]
    results = tmp_path / "out" / "results.jsonl"
    records = run_conversations(loaded, fast, results)
    by_id = {r["id"]: r for r in records}
    assert by_id["a#2"]["about"] == [RASAT] and by_id["a#2"]["scores"]["key_fact_recall"] == 1.0
    assert by_id["a#2"]["scores"]["repeated_previous"] == 0.0 and by_id["a#2"]["position"] == "follow-up"
    assert by_id["b#2"]["cue"] == "one-of"  # one paper: the one the description fits
    assert by_id["b#2"]["about"] == ["Grokking as the Transition from Lazy to Rich Training Dynamics"]
    summary = summarize(records)
    assert summary["follow-up"]["questions"] == 2 and summary["first-turn"]["questions"] == 2
    # a conversation cut short is asked again from its first turn; complete ones are kept
    lines = results.read_text().splitlines()
    results.write_text("\n".join(line for line in lines if json.loads(line)["id"] != "b#2") + "\n")
    kept = json.loads(lines[0])
    again = run_conversations(loaded, fast, results)
    assert len(again) == 4 and {r["id"]: r for r in again}["a#1"] == kept
    # a conversation among single questions, and a broken turn list, name the file and line
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(convs[0]) + "\n" + json.dumps({"id": "c", "turns": "oops"}) + "\n")
    with pytest.raises(QuestionFileError, match=r"bad.jsonl:2"):
        load_conversations(bad)


# -- paper metadata and export --------------------------------------------------------------
ARXIV = [  # the arXiv metadata snapshot's shape
    {"id": "2106.09685", "authors": "Edward J. Hu, Yelong Shen, Phillip Wallis", "update_date": "2021-10-16",
     "title": "LoRA: Low-Rank Adaptation of Large Language Models",
     "abstract": "We propose Low-Rank Adaptation, or LoRA, which freezes the pretrained model weights and injects "
                 "trainable rank decomposition matrices into each layer of the Transformer architecture. "
                 "LoRA reduces the number of trainable parameters by 10,000 times and the GPU memory "
                 "requirement by 3 times compared to GPT-3 175B fine-tuned with Adam."},
    {"id": "local-7", "title": "A {braced} study of pruning", "doi": "10.1000/xyz123", "year": 2020,
     "abstract": "We prune convolutional networks after training and keep 90% accuracy with a tenth of "
                 "the weights. Pruning at initialization does worse on ImageNet than pruning after training."},
]


def test_metadata_reaches_answers_references_and_exports(tmp_path, fake_embedder: CachedEmbedder):
    import json

    from rag import Chat
    from ui.cli import format_answer
    from ui.render import sources_html

    src = tmp_path / "arxiv.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in ARXIV) + "\n")
    settings = make_settings(tmp_path, data_dir=tmp_path, **EVIDENCE)
    ingest_paths(settings, [src, FIXTURE], embedder=fake_embedder)
    chat = Chat(engine=Engine(settings, auto_ingest=False, embedder=fake_embedder))
    answer = chat.ask("How many fewer trainable parameters does LoRA's low-rank adaptation need than GPT-3 fine-tuning?")
    lora = next(c for c in answer.citations if c.title.startswith("LoRA"))
    assert (lora.meta.authors, lora.meta.year, lora.meta.link) == (
        "Edward J. Hu, Yelong Shen, Phillip Wallis", "2021", "https://arxiv.org/abs/2106.09685")
    assert "Edward J. Hu" in format_answer(answer) and "https://arxiv.org/abs/2106.09685" in format_answer(answer)
    assert 'href="https://arxiv.org/abs/2106.09685"' in sources_html(answer, 1)
    listed = [s for s in answer.sources if s.title == RASAT]  # the fixture's papers have no metadata
    assert all(s.meta.link == "" and s.meta.byline() == "" for s in listed)
    chat.ask("Does pruning at initialization match pruning after training on ImageNet?")

    md = chat.export("markdown")
    assert md.startswith("# paperchat conversation") and md.count("\n## ") == 2
    assert f"{lora.n}. LoRA: Low-Rank Adaptation of Large Language Models. Edward J. Hu" in md
    bib = chat.export("bibtex")
    entries = re.findall(r"@(\w+)\{([^,]+),\n((?:  \w+ = \{.*\},?\n)+)\}", bib)
    assert len(entries) == bib.count("@") >= 2 and bib.count("{") == bib.count("}")
    fields = {key: dict(re.findall(r"  (\w+) = \{(.*)\}", body)) for _, key, body in entries}
    lora_entry = next(f for f in fields.values() if f["title"].startswith("LoRA"))
    assert lora_entry["author"] == "Edward J. Hu and Yelong Shen and Phillip Wallis"
    assert (lora_entry["year"], lora_entry["eprint"]) == ("2021", "2106.09685")
    pruning = next(f for f in fields.values() if "pruning" in f["title"])
    assert pruning["doi"] == "10.1000/xyz123" and pruning["url"] == "https://doi.org/10.1000/xyz123"
    with pytest.raises(ValueError, match="unknown export format"):
        chat.export("pdf")


def test_the_cli_exports_a_chat(tmp_path, fast: Engine):
    from rag import Chat
    from ui.cli import _export

    chat = Chat(engine=fast)
    chat.ask(Q_RASAT)
    assert _export(chat, str(tmp_path / "refs.bib")).startswith("wrote")
    assert "@misc{" in (tmp_path / "refs.bib").read_text() and RASAT in (tmp_path / "refs.bib").read_text()
    assert _export(chat, str(tmp_path / "chat.md")).startswith("wrote")
    assert (tmp_path / "chat.md").read_text().startswith("# paperchat conversation")
    assert _export(chat, str(tmp_path / "missing" / "x.md")).startswith("error: cannot write")


def test_bm25_mode_reads_relevance_from_the_stored_vectors(fast: Engine):
    from rag.retrieve import Retriever

    class Counting(HashEmbedder):
        texts: list[str] = []

        def embed(self, texts):  # noqa: ANN001, ANN201
            Counting.texts += list(texts)
            return super().embed(texts)

    counting = CachedEmbedder(Counting())
    retriever = Retriever(fast.retriever.index, counting, fast.settings.retrieval)
    q = "relational structures schema linking text-to-SQL seq2seq"
    r = retriever.retrieve(q, mode="bm25")
    assert Counting.texts == [q]  # the question only: no passage is encoded again
    dense = fast.retriever.retrieve(q, mode="dense")
    assert r.sources[0].title == RASAT and r.sources[0].relevance == pytest.approx(dense.sources[0].relevance, abs=1e-4)
    assert r.top_relevance == max(s.relevance for s in r.sources) > 0


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_a_paper_found_by_its_second_chunk_shows_that_chunk_and_its_whole_abstract(fast: Engine, mode: str):
    # the search reads ids and scores, then the kept papers' text: the passage must be the chunk
    # that matched, the abstract the paper's whole one (stored on its first chunk)
    r = fast.retriever.retrieve("MNIST LeNet-5-Caffe compressing trained and stored parameters factor 157", mode=mode)
    top = r.sources[0]
    assert top.title == FREEZENET and top.chunk_id.endswith("#1") and "#0" not in top.chunk_id
    assert "factor of x 157" in top.passage and "one-shot pruning" not in top.passage
    assert "factor of x 157" in top.abstract and "one-shot pruning" in top.abstract
    assert [s.n for s in r.sources] == list(range(1, len(r.sources) + 1))
    assert len({s.paper_id for s in r.sources}) == len(r.sources) and all(s.abstract for s in r.sources)


def test_a_which_paper_question_in_words_no_pattern_lists_is_answered_as_one(fast: Engine,
                                                                           fake_embedder: CachedEmbedder):
    q = "Name the paper that adds relational structures such as schema linking to a seq2seq model for text-to-SQL."
    answer = fast.ask(q)  # the learned kind reader (the default)
    assert fast.profile(q).kind == "which-paper"
    assert answer.citations[0].title == RASAT and len({c.title for c in answer.citations}) <= 2
    patterns = Engine(fast.settings.with_overrides(**{"question.kind_reader": "patterns"}), auto_ingest=False,
                      embedder=fake_embedder)
    assert patterns.kinds is None and patterns.profile(q).kind == "open"
    assert len({c.title for c in patterns.ask(q).citations}) > 2  # read as open: other papers join


def test_a_factoid_leads_with_the_sentence_stating_the_asked_figure(fast: Engine, fake_embedder: CachedEmbedder):
    q = "How many parameters does FreezeNet train on MNIST?"
    first = fast.ask(q).text.splitlines()[0]  # "Title — the sentence [1]"
    assert first.startswith(FREEZENET) and "99.2%" in first
    # the reading order: the answer-type model (the default) puts the figure first, the
    # similarity alone a sentence repeating the question's words; follow-ups answered from the
    # papers under discussion keep the order they had (evidence.answer_type_follow_ups)
    off = Engine(fast.settings.with_overrides(**{"evidence.answer_type": False}), auto_ingest=False,
                 embedder=fake_embedder)
    asked, retrieval = fast.profile(q), fast.retriever.retrieve(q)
    typed = [s.text for s in fast.read(asked, retrieval) if s.n == 1]
    plain = [s.text for s in off.read(asked, retrieval) if s.n == 1]
    assert off.answer_type is None and "99.2%" in typed[0] and "99.2%" not in plain[0]
    assert [s.text for s in fast.read(asked, retrieval, follow_up=True) if s.n == 1] == plain


def test_which_one_after_a_list_is_answered_from_the_listed_papers(fast: Engine, fake_embedder: CachedEmbedder):
    # "Which one …?" points back into the last list; it used to be searched for afresh and
    # refused ("nothing in the closest paper is about 'one'"). The fake embedder's token states
    # are noise, so the soft coverage that also picks the one (narrow_coverage) is off here; the
    # real tier tests it (test_retrieve_answer)
    from rag import Chat

    words = Engine(fast.settings.with_overrides(**{"evidence.narrow_coverage": 0.0}), auto_ingest=False,
                   embedder=fake_embedder)
    chat = Chat(engine=words)
    first = chat.ask("Which papers study grokking?")
    listed = {c.title for c in first.citations}
    assert len(listed) >= 2
    follow = chat.ask("Which one is about linear regions?")
    assert not follow.refused and follow.cue == "one-of"
    assert follow.about == ["Deep Networks Always Grok and Here is Why"] and follow.about[0] in listed


def test_soft_rerank_orders_the_papers_by_how_much_of_the_question_each_covers(fast: Engine):
    # retrieval.soft_rerank (default 2.0): the retrieved papers reordered by their fused
    # score's share plus that weight times their soft coverage; a large weight orders by coverage
    # (within the top_k: rerank_pool 0; the wider pool is the next test's)
    question = "Which paper freezes most weights at their random initial values and trains a few?"
    off = Engine(fast.settings.with_overrides(**{"retrieval.soft_rerank": 0.0}), auto_ingest=False,
                 embedder=fast.embedder)
    plain = off.ask(question)
    heavy = Engine(fast.settings.with_overrides(**{"retrieval.soft_rerank": 100.0, "retrieval.rerank_pool": 0}),
                   auto_ingest=False, embedder=fast.embedder)
    reranked = heavy.ask(question)
    assert {s.paper_id for s in reranked.sources} == {s.paper_id for s in plain.sources}
    covered = [heavy.coverage.read(question, coverage_text(s.title, s.abstract)).score for s in reranked.sources]
    assert covered == sorted(covered, reverse=True)
    assert [s.n for s in reranked.sources] == list(range(1, len(covered) + 1))
    assert [s.paper_id for s in plain.sources] == [
        s.paper_id for s in fast.retriever.retrieve(question).sources]  # off: the retriever's order
    # Engine.retrieve (search without an answer: the benches, a caller's own UI) gives the
    # papers in the order the answer reads them
    searched, asked = heavy.retrieve(question)
    assert [s.paper_id for s in searched.sources] == [s.paper_id for s in reranked.sources]
    assert asked.text == heavy.profile(question).text


def test_a_paper_the_question_names_is_never_reranked_out(fast: Engine):
    # "the 7B Gemma model": the question's other words ("tokens", "pretrained") cover other
    # papers of the pool better; the named paper stays among the papers the answer reads, first
    question = "How many tokens was the 7B Gemma model pretrained on?"
    heavy = Engine(fast.settings.with_overrides(**{"retrieval.soft_rerank": 100.0}), auto_ingest=False,
                   embedder=fast.embedder)
    pool = fast.retriever.retrieve(question, top_k=15)
    by_coverage = heavy.rerank(question, pool).sources
    gemma = "Gemma: Open Models Based on Gemini Research and Technology"
    assert gemma not in [s.title for s in by_coverage[:5]]  # what coverage alone would keep
    searched, _ = heavy.retrieve(question)
    assert [s.title for s in searched.sources][0] == gemma and len(searched.sources) == 5
    assert [s.paper_id for s in searched.sources[1:]] == [s.paper_id for s in by_coverage if s.title != gemma][:4]


def test_a_ranking_reranked_to_a_depth_keeps_the_rest_in_the_retrievers_order(fast: Engine):
    # Engine.rerank (eval --beir ranks 100 and reranks the top 10): only the head is reordered
    question = "Which papers explain grokking, the delayed generalization of neural networks?"
    heavy = Engine(fast.settings.with_overrides(**{"retrieval.soft_rerank": 100.0}), auto_ingest=False,
                   embedder=fast.embedder)
    ranked = fast.retriever.retrieve(question, top_k=12)
    out = heavy.rerank(question, ranked, 6)
    ids = [s.paper_id for s in ranked.sources]
    got = [s.paper_id for s in out.sources]
    assert sorted(got[:6]) == sorted(ids[:6]) and got[6:] == ids[6:]
    covered = [heavy.coverage.read(question, coverage_text(s.title, s.abstract)).score for s in out.sources[:6]]
    assert covered == sorted(covered, reverse=True) and got[:6] != ids[:6]
    assert [s.n for s in out.sources] == list(range(1, 13))
    assert [s.paper_id for s in fast.rerank(question, ranked, 0).sources] == ids


def test_a_list_question_is_reranked_from_a_wider_pool(fast: Engine):
    # retrieval.rerank_pool: a question's rerank reads the top 10 and keeps the 5 that cover
    # it best, so a paper the fused ranking left at place 6-10 can be listed; kinds left out
    # of rerank_pool_kinds (every kind by default; here only multi-paper) read only their top 5
    listing = "Which papers explain grokking, the delayed generalization of neural networks?"
    single = "Which paper explains grokking as a transition from lazy to rich training dynamics?"
    wide = Engine(fast.settings.with_overrides(**{"retrieval.soft_rerank": 100.0, "retrieval.rerank_pool": 10,
                                                  "retrieval.rerank_pool_kinds": ["multi-paper"]}),
                  auto_ingest=False, embedder=fast.embedder)
    searched, asked = wide.retrieve(listing)
    assert asked.kind == "multi-paper"
    ten = fast.retriever.retrieve(listing, top_k=10).sources
    coverage = {s.paper_id: wide.coverage.read(listing, coverage_text(s.title, s.abstract)).score for s in ten}
    best = sorted(coverage, key=coverage.get, reverse=True)[:5]
    assert [s.paper_id for s in searched.sources] == best
    assert any(pid not in {s.paper_id for s in ten[:5]} for pid in best)  # reached past the top 5
    one, asked_one = wide.retrieve(single)
    assert asked_one.kind == "which-paper"
    assert {s.paper_id for s in one.sources} == {s.paper_id for s in fast.retriever.retrieve(single).sources}


def test_the_runner_up_papers_line_is_its_sentence_stating_the_asked_figure(fast: Engine, fake_embedder: CachedEmbedder):
    # a factoid naming no paper also shows the runner-up paper's line (answer.factoid_runner_up):
    # its best sentence by the answer-type model, not the background sentence that repeats the
    # question's words (evidence.answer_type_runner_up; the learned reader is left out here so
    # the ordering under test is the answer-type model's alone)
    from rag.reader import Scored
    from rag.types import Retrieval, Source

    def paper(n: int, title: str, abstract: str) -> Source:
        return Source(n=n, paper_id=f"p{n}", title=title, abstract=abstract, chunk_id=f"p{n}#0", passage=abstract,
                      score=1.0 / n, relevance=0.6 - 0.05 * n)

    q = "What share of the surveyed nurses reported burnout?"
    lead = paper(1, "Staffing levels and patient outcomes across hospitals",
                 "BACKGROUND Staffing levels vary between hospitals. METHODS We surveyed nurses in 30 hospitals about "
                 "staffing. RESULTS Each extra patient per nurse raised mortality by 7%. CONCLUSIONS Staffing matters.")
    runner = paper(2, "Occupational wellbeing of hospital staff: a survey",
                   "BACKGROUND Burnout among surveyed hospital nurses is a growing concern for health systems. METHODS "
                   "We surveyed 1,200 nurses in 14 hospitals using a validated questionnaire. RESULTS The prevalence "
                   "was 41.5% overall. CONCLUSIONS Burnout is common and needs attention.")
    retrieval = Retrieval(q, [lead, runner], top_relevance=0.55, coverage=0.5)
    covered = {1: 5.0, 2: 0.0}  # the first paper leads (rag.evidence.lead_order reads it)

    def runner_line(on: bool) -> str:
        engine = Engine(fast.settings.with_overrides(**{"evidence.answer_type_runner_up": on,
                                                         "evidence.factoid_learned": 0.0}),
                        auto_ingest=False, embedder=fake_embedder)
        asked = engine.profile(q)
        assert engine.subject(asked, retrieval) is None  # no paper named: the runner-up is shown
        read: list[Scored] = engine.read(asked, retrieval, covered)
        return next(s.text for s in read if s.n == 2)

    assert runner_line(True).startswith("RESULTS The prevalence was 41.5%")
    assert runner_line(False).startswith("BACKGROUND")


def test_a_question_typed_with_slips_is_answered_as_meant(fast: Engine):
    typed = "wich text-to-sql modle adds relational strucutres such as schema linkng to a seq2seq model"
    answer = fast.ask(typed)
    assert answer.question == typed  # kept as typed; searched and read as meant
    assert answer.query == "which text-to-sql model adds relational structures such as schema linking to a seq2seq model"
    assert not answer.refused and answer.citations[0].title == RASAT


def test_a_question_asking_a_quantity_reads_which_figure_each_sentence_states(fast: Engine, monkeypatch: pytest.MonkeyPatch):
    """``evidence.figure_fit`` reaches the answer: the factoid's paper's sentences are read for
    which figure they state, and not at all with the setting 0."""
    import rag.api
    from rag.answer_type import figure_fit

    seen: list[list[str]] = []

    def spy(question, sentences, embed, width=3):  # noqa: ANN001, ANN202
        seen.append(list(sentences))
        return figure_fit(question, sentences, embed, width)

    monkeypatch.setattr(rag.api, "figure_fit", spy)
    fast.ask("How many benchmarks does RASAT reach state-of-the-art results on?")
    assert seen and any("75.5%" in s for s in seen[0])  # RASAT's own sentences
    seen.clear()
    off = Engine(fast.settings.with_overrides(**{"evidence.figure_fit": 0.0}), auto_ingest=False, embedder=fast.embedder)
    off.ask("How many benchmarks does RASAT reach state-of-the-art results on?")
    assert not seen
