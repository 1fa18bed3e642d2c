"""Eval harness: every metric on hand-made cases (perfect and broken), BEIR loading, resume, CLI gate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eval import metrics as m
from eval.beir import load_beir
from eval.questions import Question, QuestionFileError, load_questions, verify
from eval.runner import load_done, make_judge, run, score_answer, summarize
from rag import Answer, Engine
from rag.grounding import Grounder
from rag.store import embedder_for
from rag.types import Citation, SentenceCheck
from tests.conftest import ROOT
from tests.test_grounding import SOURCES


def test_retrieval_metrics_known_values():
    ranked = ["a", "b", "c", "d"]
    assert m.hit_at_k(ranked, {"c"}, 2) == 0.0 and m.hit_at_k(ranked, {"c"}, 3) == 1.0
    assert m.recall_at_k(ranked, {"a", "d", "z"}, 4) == pytest.approx(2 / 3)
    assert m.mrr(ranked, {"c"}) == pytest.approx(1 / 3) and m.mrr(ranked, {"z"}) == 0.0
    assert m.ndcg_at_k(["a", "b"], {"a": 1.0}, 10) == 1.0
    assert m.ndcg_at_k(["b", "a"], {"a": 1.0}, 10) == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert m.ndcg_at_k(["x", "y"], {"a": 1.0}, 10) == 0.0
    # a score that separates answerable from unanswerable questions, a tie, an inverted one
    assert m.auc([0.9, 0.8], [0.1, 0.2]) == 1.0 and m.auc([0.1], [0.9]) == 0.0
    assert m.auc([0.5, 0.9], [0.5]) == 0.75 and m.auc([], [0.3]) != m.auc([], [0.3])  # NaN


def test_answer_metrics_known_values():
    assert m.contains_key("trained on 22 tasks", "22") and not m.contains_key("trained on 224 tasks", "22")
    assert m.contains_key("reaches 52.3% accuracy", "52.3%") and not m.contains_key("5.3%", "52.3%")
    assert m.contains_key("~0.004s per image", "0.004") and not m.contains_key("1.58 bits", "1.5")
    assert m.key_fact_recall("Pythia 410M models", ["pythia", "410M", "1B"]) == pytest.approx(2 / 3)
    assert m.gold_citation_recall(["A paper"], ["A Paper", "B"]) == 0.5
    assert m.citation_validity([1, 2, 7], {1, 2, 3}) == pytest.approx(2 / 3)
    r = m.refusal_scores([True, True, False, False], [True, False, True, False])
    assert r == {"refusal_precision": 0.5, "refusal_recall": 0.5}
    assert m.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert m.injection_free("Routed to 64 experts [1].", ["PWNED", "evil.example"]) == 1.0
    assert m.injection_free("pwned! see https://EVIL.example/x", ["PWNED", "evil.example"]) == 0.0


def test_planted_text_in_an_answer_is_a_named_failure():
    q = Question("r", "How many experts?", "factoid", [SOURCES[1].title], "64", ["64"], ["PWNED-1"])
    clean = score_answer(q, _answer("Each token is routed to 64 experts [1].", 2, (1,)), make_judge_stub())
    hijacked = score_answer(q, _answer("PWNED-1: routed to 64 experts [1].", 2, (1,)), make_judge_stub())
    assert clean["injection_free"] == 1.0 and clean["failures"] == []
    assert hijacked["injection_free"] == 0.0
    assert "answer contains planted text ['PWNED-1']" in hijacked["failures"]


def make_judge_stub():
    return lambda claim, passage: True  # support is not what these tests are about


@pytest.fixture(scope="module")
def judge():
    return make_judge(Grounder(embedder_for(__import__("rag").Settings()), 0.5))


def test_citation_recall_and_precision_perfect_vs_broken(judge):
    right = [("Each token is routed to 64 experts.", [SOURCES[1].abstract]),
             ("Re-warming the learning rate is necessary.", [SOURCES[0].abstract])]
    wrong = [("Each token is routed to 64 experts.", [SOURCES[2].abstract]),
             ("Re-warming the learning rate is necessary.", [SOURCES[1].abstract, SOURCES[0].abstract])]
    assert m.citation_recall(right, judge) == 1.0 and m.citation_precision(right, judge) == 1.0
    assert m.citation_recall(wrong, judge) == 0.5
    assert m.citation_precision(wrong, judge) == pytest.approx(1 / 3)


def _answer(text: str, cited_rank: int, sentence_cites: tuple[int, ...], refused: bool = False) -> Answer:
    src = SOURCES[cited_rank - 1]
    cites = [] if refused else [Citation(1, src.paper_id, src.title, src.chunk_id, cited_rank, "", (0, 0), 0.9)]
    return Answer(question="q", text=text, citations=cites, sources=list(SOURCES), refused=refused,
                  sentences=[SentenceCheck(text, sentence_cites, 0.9, True, True)])


def test_score_answer_perfect_and_broken_pipeline(judge):
    q = Question("x", "How many experts?", "factoid", [SOURCES[1].title], "64", ["64"])
    good = score_answer(q, _answer("Each token is routed to 64 experts [1].", 2, (1,)), judge)
    assert good["failures"] == [] and good["hit@1"] == 0.0 and good["hit@5"] == 1.0
    assert good["citation_precision"] == 1.0 and good["key_fact_recall"] == 1.0
    # a broken pipeline: cites the wrong paper, drops the fact, invents a marker
    bad = score_answer(q, _answer("Tokens are routed somewhere [1] [4].", 3, (1,)), judge)
    assert bad["citation_validity"] == 0.5 and bad["citation_precision"] == 0.0
    assert bad["key_fact_recall"] == 0.0 and bad["gold_citation_recall"] == 0.0
    assert any("no retrieved source" in f for f in bad["failures"])
    unans = Question("u", "What is AlexNet's error?", "unanswerable")
    answered = score_answer(unans, _answer("Each token is routed to 64 experts [1].", 2, (1,)), judge)
    assert "answered an unanswerable question" in answered["failures"]


def test_question_files_and_verifier(tmp_path: Path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "a", "question": "What?"}\n{"id": "a", "question": "Again?"}\n')
    with pytest.raises(QuestionFileError, match="duplicate"):
        load_questions(f)
    f.write_text('{"id": "a", "question": "What?"}\nnot json\n')
    with pytest.raises(QuestionFileError, match=r"q.jsonl:2"):
        load_questions(f)
    c = tmp_path / "q.csv"
    c.write_text("id,question\n1,What is RASAT?\n")
    assert load_questions(c)[0].type == "open"
    bad = [Question("b", "?", "factoid", ["No Such Title"], "", ["zzz"])]
    problems = verify(bad, [ROOT / "data"])
    assert any("not in corpus" in p for p in problems) and any("zzz" in p for p in problems)
    assert verify(load_questions(ROOT / "eval" / "questions.jsonl"), [ROOT / "data"]) == []


def test_shipped_set_is_big_and_mixed():
    qs = load_questions(ROOT / "eval" / "questions.jsonl")
    types = {t: sum(q.type == t for q in qs) for t in ("factoid", "which-paper", "multi-paper", "unanswerable")}
    assert len(qs) >= 60 and all(v >= 10 for v in types.values())


def test_beir_loader_on_a_tiny_generated_folder(tmp_path: Path):
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text('{"_id": "d1", "title": "T", "text": "x"}\n')
    (tmp_path / "queries.jsonl").write_text('{"_id": "q1", "text": "what"}\n{"_id": "q2", "text": "other"}\n')
    (tmp_path / "qrels" / "test.tsv").write_bytes(b"query-id\tcorpus-id\tscore\r\nq1\td1\t1\r\nq3\td1\t1\r\n")
    data = load_beir(tmp_path)
    assert data.queries["q1"] == "what" and data.qrels == {"q1": {"d1": 1.0}}
    with pytest.raises(QuestionFileError, match="dev.tsv"):
        load_beir(tmp_path, "dev")


def test_run_resumes_after_interruption_and_summarizes(engine: Engine, tmp_path: Path):
    qs = [q for q in load_questions(ROOT / "eval" / "questions.jsonl") if q.id in {"f02", "w01", "u02"}]
    out = tmp_path / "results.jsonl"
    first = run(qs[:2], engine, out)
    assert len(first) == 2
    with out.open("a") as fh:
        fh.write('{"id": "torn')  # a run killed mid-write
    calls = []
    real_ask = engine.ask
    engine.ask = lambda q, **kw: calls.append(q) or real_ask(q, **kw)  # type: ignore[method-assign]
    try:
        records = run(qs, engine, out)
    finally:
        del engine.ask
    assert calls == [qs[2].question]  # only the missing question was asked
    assert [r["id"] for r in records] == [q.id for q in qs]
    assert len(load_done(out)) == 3 and all(json.loads(line) for line in out.read_text().splitlines())
    s = summarize(records)
    assert s["overall"]["questions"] == 3 and s["overall"]["citation_validity"] == 1.0
    assert s["unanswerable"]["refusal_recall"] == 1.0


def test_cli_fail_under_sets_the_exit_code(bundled_settings, tmp_path: Path):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        json.dumps({"id": "f02", "type": "factoid", "question": load_questions(ROOT / "eval" / "questions.jsonl")[1].question,
                    "gold_titles": load_questions(ROOT / "eval" / "questions.jsonl")[1].gold_titles, "must_include": ["28.82"]}) + "\n"
    )
    base = [sys.executable, "-m", "ui.cli", "eval", str(qfile), "--index-path", str(bundled_settings.index_path),
            "--out", str(tmp_path / "run")]
    ok = subprocess.run(base + ["--fail-under", "hit@5=0.5"], capture_output=True, text=True, timeout=600)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert (tmp_path / "run" / "report.html").read_text().startswith("<!doctype html>")
    bad = subprocess.run(base + ["--fail-under", "hit@5=1.01"], capture_output=True, text=True, timeout=600)
    assert bad.returncode == 1 and "hit@5" in bad.stderr and "Traceback" not in bad.stderr


def test_llm_judge_asks_the_configured_server_and_falls_back_when_it_fails(llm_server):
    from eval.runner import make_llm_judge
    from rag.answer.generative import LLMConfig
    from tests.openai_stub import Responder, Status

    def verdict(request):
        user = request["messages"][1]["content"]
        return "yes" if "64 experts" in user.split("<claim>")[0] else "no"

    llm_server.default = Responder(verdict)
    config = LLMConfig(base_url=llm_server.base_url, model="stub-model", api_key="k", timeout=2, max_retries=0)
    fallback_calls = []
    judge = make_llm_judge(config, fallback=lambda c, p: fallback_calls.append(c) or True)
    assert judge("Tokens go to 64 experts.", SOURCES[1].abstract) is True
    assert judge("Tokens go to 64 experts.", SOURCES[2].abstract) is False
    assert len(llm_server.chat_requests) == 2 and fallback_calls == []
    judge("Tokens go to 64 experts.", SOURCES[1].abstract)  # cached: no third request
    assert len(llm_server.chat_requests) == 2
    llm_server.script(Status(500))
    assert judge("Something new.", SOURCES[0].abstract) is True and fallback_calls == ["Something new."]


def test_answerable_groups_report_false_refusals_not_a_vacuous_recall():
    recs = [
        {"id": "a", "type": "which-paper", "refused": True, "scores": {}},
        {"id": "b", "type": "which-paper", "refused": False, "scores": {}},
        {"id": "c", "type": "unanswerable", "refused": True, "scores": {}},
        {"id": "d", "type": "unanswerable", "refused": False, "scores": {}},
    ]
    s = summarize(recs)
    assert s["which-paper"]["false_refusal_rate"] == 0.5
    assert "refusal_recall" not in s["which-paper"] and "refusal_precision" not in s["which-paper"]
    assert s["overall"]["refusal_precision"] == 0.5 and s["overall"]["refusal_recall"] == 0.5
    assert s["overall"]["false_refusal_rate"] == 0.5
    assert "false_refusal_rate" not in s["unanswerable"]


def test_strict_key_fact_counts_only_cited_gold_sentences_and_refusals_score_zero(judge):
    q = Question("x", "How many experts?", "factoid", [SOURCES[1].title], "64", ["64"])
    # the fact sits in a sentence cited to the gold paper: counts
    good = score_answer(q, _answer("Each token is routed to 64 experts [1].", 2, (1,)), judge)
    assert good["strict_key_fact"] == 1.0
    # the same figure, but in a sentence cited to another paper: the loose metric is fooled
    wrong = score_answer(q, _answer("Each token is routed to 64 experts [1].", 3, (1,)), judge)
    assert wrong["key_fact_recall"] == 1.0 and wrong["strict_key_fact"] == 0.0
    # only in the "Title — " prefix: the title names, it does not state
    titled = Answer(question="q", text="x", sources=list(SOURCES),
                    citations=[Citation(1, SOURCES[1].paper_id, SOURCES[1].title, "c", 2, "", (0, 0), 0.9)],
                    sentences=[SentenceCheck(f"{SOURCES[1].title} — Tokens are routed.", (1,), 0.9, True, True)])
    q_title = Question("t", "Which paper?", "which-paper", [SOURCES[1].title], "", [SOURCES[1].title.split()[0]])
    assert score_answer(q_title, titled, judge)["strict_key_fact"] == 0.0
    assert score_answer(q_title, titled, judge)["gold_first"] == 1.0
    # a list: whether its first line is a gold paper
    q_list = Question("l", "Which papers?", "multi-paper", [SOURCES[2].title, SOURCES[1].title], "", [])
    assert score_answer(q_list, titled, judge)["gold_first"] == 1.0
    assert score_answer(Question("m", "Which papers?", "multi-paper", [SOURCES[2].title], "", []), titled,
                        judge)["gold_first"] == 0.0
    # a refused answerable question scores 0 even when its refusal text holds the key
    refused = score_answer(q, _answer("The collection does not state the 64 experts.", 2, (), refused=True), judge)
    assert refused["strict_key_fact"] == 0.0 and "refused an answerable question" in refused["failures"]


def test_an_errored_question_is_a_failure_in_every_denominator():
    ok = {"id": "a", "type": "factoid", "refused": False,
          "scores": {"hit@5": 1.0, "strict_key_fact": 1.0, "citation_validity": 1.0}}
    err = {"id": "b", "type": "factoid", "refused": False, "error": "LLM server failed", "scores": {}}
    s = summarize([ok, err])
    assert s["overall"]["hit@5"] == 0.5 and s["overall"]["strict_key_fact"] == 0.5
    assert s["overall"]["errors"] == 1 and s["overall"]["failed"] == 1


def test_subtypes_get_their_own_group_and_fail_over_gates_a_rate():
    from eval.cli import check_thresholds

    recs = [
        {"id": "a", "type": "factoid", "refused": True, "scores": {}},
        {"id": "b", "type": "factoid", "refused": False, "scores": {}},
        {"id": "c", "type": "unanswerable", "subtype": "off-topic", "refused": True, "scores": {"refused_or_weak": 1.0}},
        {"id": "d", "type": "unanswerable", "subtype": "near-miss", "refused": False, "scores": {"refused_or_weak": 1.0}},
    ]
    s = summarize(recs)
    assert s["off-topic"]["refusal_recall"] == 1.0 and s["near-miss"]["refusal_recall"] == 0.0
    assert s["near-miss"]["refused_or_weak"] == 1.0
    assert check_thresholds(s, {}, {"false_refusal_rate": 0.6}) == []
    assert check_thresholds(s, {}, {"false_refusal_rate": 0.25}) == ["false_refusal_rate = 0.500 > 0.25"]


SETS = ["questions", "heldout", "heldout2", "paraphrase", "paraphrase2", "paraphrase3", "paraphrase4", "paraphrase5",
        "conversations", "conversations2", "conversations3"]
SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact" / "beir"


@pytest.mark.parametrize("name", SETS)
def test_every_shipped_set_verifies_against_its_corpus(name: str):
    """Every gold title is a paper of the bundled corpus and every key string is in a gold
    abstract: a set that drifted from its corpus would score nothing and say nothing."""
    from eval.questions import is_conversation_file, load_conversations

    path = ROOT / "eval" / f"{name}.jsonl"
    qs = ([t for c in load_conversations(path) for t in c.turns] if is_conversation_file(path)
          else load_questions(path))
    assert verify(qs, [ROOT / "data"]) == []


def test_the_other_corpora_sets_verify():
    assert verify(load_questions(ROOT / "eval" / "injections" / "questions.jsonl"), [ROOT / "eval" / "injections"]) == []
    if not SCIFACT.exists():
        pytest.skip(f"{SCIFACT} is not here (it is beside the project in CI)")
    assert verify(load_questions(ROOT / "eval" / "scifact_qa.jsonl"), [SCIFACT / "corpus.jsonl"]) == []


def test_what_grounding_repaired_is_reported_for_generative_answers():
    base = {"type": "factoid", "scores": {}, "failures": [], "timings": {}, "tokens": {}}
    records = [
        {**base, "id": "a", "mode": "generative", "refused": False, "removed_citations": 2, "added_citations": 1,
         "unsupported": ["x"]},
        {**base, "id": "b", "mode": "generative", "refused": False, "removed_citations": 0, "added_citations": 0,
         "unsupported": []},
        {**base, "id": "c", "mode": "generative", "refused": True, "removed_citations": 0, "added_citations": 0},
    ]
    overall = summarize(records)["overall"]
    assert overall["repaired_removed_per_answer"] == 1.0 and overall["repaired_added_per_answer"] == 0.5
    assert overall["unsupported_sentences_per_answer"] == 0.5
    extractive = [{**r, "mode": "extractive"} for r in records]
    assert "repaired_removed_per_answer" not in summarize(extractive)["overall"]


def test_the_draft_is_scored_before_grounding_repairs_it(judge):
    q = Question("d", "How many experts?", "factoid", [SOURCES[1].title], "64", ["64"])
    # the answerer cited source 3 and a source that does not exist; grounding re-pointed it to 2
    repaired = _answer("Each token is routed to 64 experts [1].", 2, (1,))
    repaired.draft = "Each token is routed to 64 experts [3][9]. In short [2]."
    scores = score_answer(q, repaired, judge)
    assert scores["citation_precision"] == 1.0 and scores["citation_recall"] == 1.0
    assert scores["draft_citation_precision"] == 0.0 and scores["draft_citation_recall"] == 0.0
    kept = _answer("Each token is routed to 64 experts [1].", 2, (1,))
    kept.draft = f"{SOURCES[1].title} — Each token is routed to 64 experts [2]."  # title prefix is not a claim
    assert score_answer(q, kept, judge)["draft_citation_precision"] == 1.0
    uncited = _answer("Each token is routed to 64 experts [1].", 2, (1,))
    uncited.draft = "Each token is routed to 64 experts."  # the model cited nothing; grounding did
    scores = score_answer(q, uncited, judge)
    assert scores["draft_citation_recall"] == 0.0 and "draft_citation_precision" not in scores
    assert "draft_citation_precision" not in score_answer(q, _answer("x [1].", 2, (1,)), judge)  # no draft kept
    refused = score_answer(q, _answer("The abstracts do not say.", 2, (), refused=True), judge)
    assert "citation_precision" not in refused and "citation_recall" not in refused  # nothing cited, not a zero


def test_the_report_names_who_judged_citation_support(tmp_path: Path):
    from eval.report import write_reports

    records = [{"id": "a", "type": "factoid", "scores": {"citation_precision": 1.0}, "failures": [],
                "timings": {}, "tokens": {}, "refused": False}]
    md, _ = write_reports(summarize(records), records, tmp_path, judge="grounder (self-judged: test)")
    assert "Citation support judged by: grounder (self-judged: test)." in md.read_text()
    data = json.loads((tmp_path / "summary.json").read_text())
    assert data["judge"].startswith("grounder (self-judged") and data["overall"]["citation_precision"] == 1.0


def test_the_default_judge_is_the_independent_model_and_says_so(engine: Engine):
    from eval.judge import SupportJudge
    from eval.runner import judge_for

    judge, name = judge_for(engine)
    assert isinstance(judge, SupportJudge) and name.startswith("support judge judge-int8.onnx (independent")
    _, self_name = judge_for(engine, "grounder")
    assert "self-judged" in self_name
    with pytest.raises(__import__("rag").QuestionError, match="needs an LLM"):
        judge_for(engine, "llm")
