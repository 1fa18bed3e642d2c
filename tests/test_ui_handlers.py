"""The chat page's handlers called directly (no server, no browser): streaming order, citations
linked to the sources panel, refusals, errors as chat messages, escaping of hostile records,
one conversation per tab, uploads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rag import Engine, ingest_paths
from tests.conftest import make_settings, write_jsonl
from tests.openai_stub import Reply, closed_port_url
from ui import render
from ui.web import ChatPage, Session, build_app

RASAT = "RASAT: Integrating Relational Structures into Pretrained Seq2Seq Model for Text-to-SQL"
Q_RASAT = (
    "Which text-to-SQL model integrates relational structures such as schema linking into a "
    "pretrained seq2seq model?"
)
Q_PENGI = "On how many downstream tasks was the Pengi audio language model evaluated?"
SECRET = "sk-test-secret-123"  # the generative_engine fixture's API key

XSS_TITLE = "<script>alert(1)</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
XSS_RECORDS = [
    {
        "id": "xss-1",
        "title": XSS_TITLE,
        "abstract": "Graph neural networks predict molecular properties from atom and bond "
        f"features. {XSS_IMG} We show that message passing over molecular graphs improves "
        "toxicity prediction on standard molecular property benchmarks.",
    },
    {
        "id": "ok-1",
        "title": "Sparse Attention for Long Document Summarization",
        "abstract": "We propose a sparse attention pattern that lets transformers summarize "
        "documents of tens of thousands of tokens. It matches dense attention on arXiv and "
        "PubMed summarization while using a fraction of the memory.",
    },
    {
        "id": "ok-2",
        "title": "Curriculum Sampling for Reinforcement Learning from Human Feedback",
        "abstract": "Ordering preference pairs from easy to hard stabilizes reward model training. "
        "Our curriculum sampler reduces reward hacking in RLHF fine-tuning of chat models.",
    },
]
Q_XSS = "How do graph neural networks predict molecular properties such as toxicity?"

_ENTRY = re.compile(
    r'<article class="pc-src" id="(?P<id>src-\d+-\d+)"><h4><span class="pc-num">\[(?P<n>\d+)\]</span> '
    r"(?P<title>.*?)</h4>"
)
_LINK = re.compile(r'<a href="#(src-\d+-\d+)" class="pc-cite"')


def ask(page: ChatPage, question: str, session: Session | None = None, history=None, **kw):
    """All yields of one ``respond`` call."""
    return list(
        page.respond(question, history or [], session, kw.get("top_k", 5), kw.get("mode", "hybrid"))
    )


def entries(panel: str) -> dict[str, str]:
    """Cited entries of a sources panel: DOM id -> (escaped) title."""
    return {m["id"]: m["title"] for m in _ENTRY.finditer(panel)}


@pytest.fixture(scope="module")
def page(engine: Engine, bundled_settings) -> ChatPage:
    return ChatPage(bundled_settings, engine)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    """A private index holding a hostile record and two ordinary ones."""
    tmp = tmp_path_factory.mktemp("tiny")
    settings = make_settings(tmp)
    ingest_paths(settings, [write_jsonl(tmp / "hostile.jsonl", XSS_RECORDS)])
    engine = Engine(settings, auto_ingest=False)
    return settings, engine, ChatPage(settings, engine)


# -- answers -------------------------------------------------------------------------------
def test_extractive_answer_streams_then_links_every_citation_to_a_panel_entry(page: ChatPage):
    outs = ask(page, Q_RASAT)
    assert len(outs) >= 3
    # first: the question and a placeholder, panel "searching"; textbox cleared
    box, history, panel, session = outs[0]
    assert box == "" and [m["role"] for m in history] == ["user", "assistant"]
    assert panel == render.PANEL_WORKING and "▍" in history[-1]["content"]
    # then partial text (no links yet), then the grounded answer
    assert any("▍" in o[1][-1]["content"] and len(o[1][-1]["content"]) > 5 for o in outs[1:-1])
    _, history, panel, session = outs[-1]
    message = history[-1]["content"]
    assert "▍" not in message
    links = _LINK.findall(message)
    assert links, message
    cited = entries(panel)
    assert set(links) <= set(cited)  # every [n] in the answer has its entry in the panel
    assert RASAT in cited.values()
    # the RASAT entry highlights its supporting sentence and names its source file
    rasat = panel[panel.index(RASAT) :].split("</article>")[0]
    assert "<mark>" in rasat and ".txt" in rasat and "relevance" in rasat
    assert 'class="pc-badge pc-ext">extractive<' in panel
    assert re.search(r"retrieve \d+ ms · generate \d+ ms · total \d+ ms", panel)
    assert "Extractive answer" in panel  # answer.notice
    assert "Retrieved but not cited" in panel  # the other retrieved papers, collapsed
    assert isinstance(session, Session) and len(session.chat.history) == 1


def test_generative_answer_streams_deltas_before_the_grounded_answer(
    generative_engine: Engine, llm_server, bundled_settings
):
    text = (
        "RASAT augments a pretrained T5 seq2seq model with relation-aware self-attention "
        "so it can use relational structures such as schema linking [1]. "
        "It reports state-of-the-art results on Spider, SParC and CoSQL [1]."
    )
    llm_server.script(Reply(text, chunk_size=12, delay=0.01))
    page = ChatPage(bundled_settings, generative_engine)
    outs = ask(page, Q_RASAT)
    partial = [o[1][-1]["content"] for o in outs[1:-1]]
    assert len(partial) >= 5  # the deltas arrived one by one
    lengths = [len(p) for p in partial]
    assert lengths == sorted(lengths) and all(p.endswith("▍") for p in partial)
    assert all(o[2] == render.PANEL_WORKING for o in outs[:-1])  # sources only at the end
    _, history, panel, _ = outs[-1]
    message = history[-1]["content"]
    assert set(_LINK.findall(message)) <= set(entries(panel))
    assert RASAT in entries(panel).values()
    assert "generative · stub-model" in panel
    # the API key is never on the page
    demo = build_app(bundled_settings, generative_engine)
    assert SECRET not in json.dumps(demo.get_config_file(), default=str)
    assert SECRET not in json.dumps(outs, default=str)
    assert SECRET not in page.llm_status(generative_engine)


def test_refusal_shows_a_warning_and_cites_nothing(page: ChatPage):
    _, history, panel, _ = ask(page, "What is a good recipe for sourdough bread with rye flour?")[-1]
    assert "not answered from the papers" in history[-1]["content"]
    assert not _LINK.findall(history[-1]["content"])
    assert 'class="pc-warn"' in panel and "No answer from the papers" in panel
    assert entries(panel) == {} and "Cited sources" not in panel
    assert "Closest papers, not cited" in panel


def test_errors_are_readable_chat_messages_and_the_tab_keeps_working(
    page: ChatPage, engine: Engine
):
    outs = ask(page, "   ")
    _, history, panel, session = outs[-1]
    assert "the question is empty" in history[-1]["content"] and 'class="pc-warn"' in panel
    # the same tab answers the next question
    _, history, panel, session = ask(page, Q_RASAT, session, history)[-1]
    assert RASAT in entries(panel).values() and len(history) == 3

    # an LLM that cannot be reached, with no extractive fallback (shares the engine's index)
    broken = engine.with_llm(provider="openai", base_url=closed_port_url(), model="m",
                             fallback_extractive=False, max_retries=0, timeout=2.0)
    _, history, panel, _ = ask(ChatPage(page.settings, broken), Q_RASAT)[-1]
    message = history[-1]["content"]
    assert message.startswith('<span class="pc-flag">⚠') and "Traceback" not in message
    assert entries(panel) == {} and "pc-warn" in panel


def test_two_tabs_do_not_share_a_conversation(page: ChatPage):
    tab1 = ask(page, Q_RASAT)[-1][3]
    tab2 = ask(page, Q_PENGI)[-1][3]
    assert tab1 is not tab2 and tab1.chat is not tab2.chat
    assert [q for q, _ in tab1.chat.history] == [Q_RASAT]
    assert [q for q, _ in tab2.chat.history] == [Q_PENGI]
    # a follow-up is read against its own tab's conversation only
    _, _, _, tab2 = ask(page, "What results does it report?", tab2)[-1]
    follow_up = tab2.chat.history[-1][1]
    assert follow_up.about and "Pengi" in follow_up.about[0]
    assert all("SQL" not in c.title for c in follow_up.citations)
    assert len(tab1.chat.history) == 1
    # "New chat" empties only that tab
    history, panel, tab2, box = page.clear(tab2)
    assert history == [] and panel == render.PANEL_EMPTY and tab2.chat.history == []
    assert len(tab1.chat.history) == 1


# -- escaping ------------------------------------------------------------------------------
def test_hostile_record_and_question_are_escaped(tiny):
    settings, engine, page = tiny
    outs = ask(page, f"{XSS_IMG} {Q_XSS}")
    _, history, panel, _ = outs[-1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel
    assert "&lt;img src=x onerror=&quot;window.__xss=1;alert(1)&quot;&gt;" in panel
    for o in outs:
        for html in [o[2], *(m["content"] for m in o[1])]:
            assert "<script" not in html.lower() and "<img" not in html.lower(), html
    assert "&lt;img src=x" in history[0]["content"]  # the question, escaped
    assert "<script" not in page.stats()


def test_markdown_images_from_untrusted_text_cannot_load():
    message = render.link_citations("see ![x](http://evil.example/p.png) [1]", 1, [1])
    assert "![" not in message and "&#33;[x]" in message
    assert '<a href="#src-1-1" class="pc-cite"' in message


# -- uploads -------------------------------------------------------------------------------
def test_upload_errors_are_readable_and_a_good_file_is_searchable_at_once(tiny, tmp_path: Path):
    settings, engine, page = tiny
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    report, stats = page.upload(str(empty))
    assert report == "Could not add empty.jsonl: file is empty"
    assert str(tmp_path) not in report and "Traceback" not in report
    assert "papers" in stats

    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert "unsupported file type" in page.upload(str(pdf))[0]

    small = ChatPage(settings.with_overrides(**{"ui.max_upload_mb": 1}), engine)
    big = tmp_path / "big.jsonl"
    big.write_text("x" * (1024 * 1024 + 10))
    assert "the upload limit is 1 MB" in small.upload(str(big))[0]

    papers_before = engine.index.stats().papers
    new = {
        "id": "new-1",
        "title": "Photonic Tensor Cores for Optical Neural Network Inference",
        "abstract": "We build a photonic tensor core that multiplies matrices with light, "
        "running optical neural network inference at a fraction of the energy of GPUs.",
    }
    seen = []
    report, stats = page.upload(
        str(write_jsonl(tmp_path / "new.jsonl", [new])), progress=lambda d, t: seen.append((d, t))
    )
    assert report.startswith("Added new.jsonl.") and "new 1" in report, report
    assert f"<dd>{papers_before + 1:,}</dd>" in stats
    assert seen and seen[-1][0] == seen[-1][1]
    # the engine's retriever sees the new paper immediately, in BM25 and dense modes
    for mode in ("bm25", "hybrid"):
        panel = ask(page, "How do photonic tensor cores run optical neural networks?", mode=mode)[-1][2]
        assert new["title"] in panel, mode


def test_llm_settings_apply_to_one_tab_and_never_send_the_key_to_another_host(
    generative_engine: Engine, bundled_settings, llm_server
):
    page = ChatPage(bundled_settings, generative_engine)
    same_host = page.engine_for(llm_server.base_url, "other-model", 0.3)
    assert same_host.llm_config().api_key == SECRET and same_host.llm_config().model == "other-model"
    assert same_host.retriever is generative_engine.retriever  # nothing rebuilt
    elsewhere = page.engine_for("http://127.0.0.1:9/v1", "m", 0.1)
    assert elsewhere.llm_config().base_url == "http://127.0.0.1:9/v1" and elsewhere.llm_config().api_key != SECRET

    status, tab = page.apply_llm("ftp://example", "m", 0.1, None)
    assert "must start with http" in status and tab.engine is generative_engine
    status, tab = page.apply_llm("", "m", 0.1, tab)  # no URL: offline answers in this tab
    assert "extractive" in status and tab.chat.engine.llm_config() is None
    other_tab = page.new_session()
    assert other_tab.engine is generative_engine and other_tab.engine.llm_config() is not None
    assert SECRET not in page.llm_status(same_host)


def test_page_served_beyond_localhost_cannot_be_pointed_at_another_llm(bundled_settings, engine):
    exposed = bundled_settings.with_overrides(**{"ui.host": "0.0.0.0"})
    page = ChatPage(exposed, engine)
    status, tab = page.apply_llm("http://10.0.0.1:8080/v1", "m", 0.1, None)
    assert "off when the page is served beyond localhost" in status
    assert tab.engine is engine and tab.engine.llm_config() is None
    allowed = ChatPage(exposed.with_overrides(**{"ui.allow_llm_url_change": True}), engine)
    status, tab = allowed.apply_llm("http://127.0.0.1:9/v1", "m", 0.1, None)
    assert tab.engine.llm_config() is not None and tab.engine.llm_config().base_url == "http://127.0.0.1:9/v1"


# -- feedback ------------------------------------------------------------------------------
def test_thumbs_are_kept_and_become_questions_to_evaluate(engine: Engine, bundled_settings, tmp_path):
    import json

    import gradio as gr

    from eval import feedback
    from eval.questions import load_questions
    from ui.cli import main

    settings = bundled_settings.with_overrides(**{"ui.feedback_path": tmp_path / "fb.jsonl"})
    page = ChatPage(settings, engine)
    _, history, _, session = ask(page, Q_RASAT)[-1]
    _, history, _, session = ask(page, "What results does it report?", session, history)[-1]
    first, second = 1, len(history) - 1  # the answers' message indices
    page.vote(gr.LikeData(None, {"index": first, "value": "", "liked": True}), session)
    assert page.vote(gr.LikeData(None, {"index": second, "value": "", "liked": False}), session,
                     "should quote the Spider figure first") == ""  # the comment box is emptied
    page.vote(gr.LikeData(None, {"index": 0, "value": "", "liked": False}), session)  # a question: ignored
    votes = feedback.read(tmp_path / "fb.jsonl")
    assert [(v["vote"], v["question"]) for v in votes] == [("up", Q_RASAT), ("down", "What results does it report?")]
    assert RASAT in votes[1]["cited"] and "75.5%" in votes[1]["answer"]
    assert votes[1]["comment"] == "should quote the Spider figure first" and votes[0]["comment"] == ""

    # after a restart (a new page on the same file), the down vote becomes a question file
    assert len(feedback.read(feedback.feedback_path(settings))) == 2
    out = tmp_path / "out"
    assert main(["eval", str(tmp_path / "fb.jsonl"), "--from-feedback", "--out", str(out)]) == 0
    qs = load_questions(out / "feedback-questions.jsonl")
    assert [q.question for q in qs] == ["What results does it report?"] and qs[0].type == "open"
    record = json.loads((out / "feedback-questions.jsonl").read_text().splitlines()[0])
    assert record["answer_given"] == votes[1]["answer"] and record["todo"]
    assert record["comment"] == "should quote the Spider figure first"
    # the default place is beside the index
    assert feedback.feedback_path(bundled_settings).name == f"{bundled_settings.index_path.name}-feedback.jsonl"


def test_a_question_typed_with_slips_shows_what_was_searched_for(page: ChatPage):
    # the real encoder and the bundled corpus: the slips are read as meant, and the panel says so
    _, history, panel, _ = ask(page, "wich paper adds relational strucutres to a pretrained seq2seq modle for text-to-sql")[-1]
    assert history[0]["content"].startswith("wich paper")  # the user's message as typed
    assert ('searched for: which paper adds relational structures to a pretrained seq2seq model '
            'for text-to-sql') in panel
    assert RASAT in entries(panel).values()
