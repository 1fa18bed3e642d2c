"""The chat page under concurrent use through Gradio's own client: uploads while others chat
leave a complete index and no failed answers; per-client limits on uploads and questions."""

from __future__ import annotations

import html
import socket
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

from rag import Engine, ingest_paths, open_store
from tests.conftest import make_settings, write_jsonl
from ui.web import build_app

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")]

TOPICS = ["graph pruning", "audio tagging", "robot grasping", "protein folding", "code search",
          "speech enhancement", "image captioning", "weather nowcasting", "tabular learning", "music tagging"]


SYLLABLES = ["ka", "lo", "mi", "ru", "te", "zo", "pa", "ne", "vi", "su"]


def name(prefix: str, i: int) -> str:
    """A distinct made-up method name per paper ("Bkaloru"), so each question has one answer."""
    return prefix.upper() + "".join(SYLLABLES[int(d)] for d in f"{i:03d}")


def papers(prefix: str, n: int) -> list[dict]:
    return [
        {"id": f"{prefix}{i}", "title": f"{name(prefix, i)}: {TOPICS[i % len(TOPICS)]} made simple",
         "abstract": f"We study {TOPICS[i % len(TOPICS)]} and propose {name(prefix, i)}. {name(prefix, i)} "
                     f"improves the benchmark score by {i + 3}.{i % 10} points over strong baselines."}
        for i in range(n)
    ]


def question(prefix: str, i: int) -> str:
    return f"By how much does {name(prefix, i)} improve the benchmark score?"


@contextmanager
def served(settings):
    engine = Engine(settings, auto_ingest=False)
    demo = build_app(settings, engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close(verbose=False)


def client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def last_answer(history: list[dict]) -> str:
    return html.unescape(str(history[-1]["content"]))


def test_upload_while_four_sessions_chat_completes_the_index_and_fails_no_answer(tmp_path: Path):
    settings = make_settings(tmp_path, **{"ui.uploads_per_hour": 0, "ui.questions_per_minute": 0})
    ingest_paths(settings, [write_jsonl(tmp_path / "base.jsonl", papers("b", 40))])
    upload = write_jsonl(tmp_path / "upload.jsonl", papers("u", 60))
    answers: dict[int, list[str]] = {}
    errors: list[str] = []
    report: list[str] = []

    with served(settings) as url:
        uploaded = threading.Event()
        spans: dict[str, list[tuple[float, float]]] = {"ask": [], "upload": []}

        def chat(k: int) -> None:
            try:
                c, history, got = client(url), [], []
                j = 0
                while j < 3 or (not uploaded.is_set() and j < 40):  # keep asking until it is in
                    i = (k * 3 + j) % 40
                    t0 = time.monotonic()
                    result = c.predict(question("b", i), history, 5, "hybrid", api_name="/ask")
                    spans["ask"].append((t0, time.monotonic()))
                    history = result[1]
                    got.append(last_answer(history))
                    j += 1
                answers[k] = got
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(f"{type(exc).__name__}: {exc}")

        def add() -> None:
            from gradio_client import handle_file

            try:
                t0 = time.monotonic()
                report.append(client(url).predict(handle_file(str(upload)), api_name="/upload")[0])
                spans["upload"].append((t0, time.monotonic()))
            except Exception as exc:  # noqa: BLE001
                errors.append(f"upload {type(exc).__name__}: {exc}")
            finally:
                uploaded.set()

        threads = [threading.Thread(target=chat, args=(k,)) for k in range(4)] + [threading.Thread(target=add)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        assert errors == []
        assert report and report[0].startswith("Added upload.jsonl"), report
        (u0, u1), = spans["upload"]
        assert any(a0 < u1 and a1 > u0 for a0, a1 in spans["ask"])  # answers ran during the upload
        for k, got in answers.items():
            for j, text in enumerate(got):
                i = (k * 3 + j) % 40
                first = text.split("\n")[0]
                assert "went wrong" not in text and "⚠" not in first, text
                # each session got the answer to its own question
                assert name("b", i) in first and f"{i + 3}.{i % 10}" in first, text

        # The uploaded papers are searchable from the same page right away.
        result = client(url).predict(question("u", 17), [], 5, "hybrid", api_name="/ask")
        assert name("u", 17) in last_answer(result[1]) and "20.7" in last_answer(result[1])

    metas = [m for _, m, _ in open_store(settings).records(["metadatas"])]
    per_paper = Counter(m["paper_id"] for m in metas)
    assert len(per_paper) == 100
    assert all(per_paper[m["paper_id"]] == m["n_chunks"] for m in metas)


def test_per_client_limits_on_uploads_and_questions(tmp_path: Path):
    settings = make_settings(tmp_path, **{"ui.uploads_per_hour": 1, "ui.questions_per_minute": 2})
    ingest_paths(settings, [write_jsonl(tmp_path / "base.jsonl", papers("b", 10))])
    first = write_jsonl(tmp_path / "first.jsonl", papers("x", 3))
    second = write_jsonl(tmp_path / "second.jsonl", papers("y", 3))
    from gradio_client import handle_file

    with served(settings) as url:
        c = client(url)
        assert c.predict(handle_file(str(first)), api_name="/upload")[0].startswith("Added first.jsonl")
        refused = c.predict(handle_file(str(second)), api_name="/upload")[0]
        assert "second.jsonl was not added: too many uploads" in refused and "1 an hour" in refused

        history: list = []
        for _ in range(2):
            history = c.predict(question("b", 3), history, 5, "hybrid", api_name="/ask")[1]
            assert "6.3" in last_answer(history)
        history = c.predict(question("b", 4), history, 5, "hybrid", api_name="/ask")[1]
        assert "Too many questions from your address (2 a minute)" in last_answer(history)

    assert open_store(settings).count() == 13  # the refused upload added nothing
