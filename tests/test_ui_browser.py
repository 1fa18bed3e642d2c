"""The chat page in a real headless Chromium: ask, stream, follow a citation to its source;
a hostile uploaded record renders inert; the page never talks to any host but its own."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from rag import Engine, ingest_paths
from tests.conftest import make_settings, write_jsonl
from tests.test_ui_handlers import Q_RASAT, Q_XSS, RASAT, XSS_RECORDS, XSS_TITLE
from ui.web import build_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),  # pandas deprecations inside gradio
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing (install the Debian chromium package: apt-get install chromium)",
    ),
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(demo) -> Iterator[str]:
    """The app on a free 127.0.0.1 port in a background thread."""
    port = _free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close(verbose=False)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Watch:
    """Records every request the page makes and fails on any JavaScript dialog."""

    def __init__(self, page) -> None:
        page.set_default_timeout(90_000)  # generous: CI machines are slow and shared
        self.urls: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.urls.append(r.url))

        def on_dialog(dialog) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)

    def assert_local_only(self) -> None:
        assert self.urls
        foreign = [u for u in self.urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                   and urlsplit(u).hostname != "127.0.0.1"]
        assert foreign == [], foreign
        assert self.dialogs == [], self.dialogs


def _ask(page, question: str) -> None:
    box = page.locator("#pc-question textarea")
    box.fill(question)
    box.press("Enter")


def test_answer_citations_lead_to_their_sources_and_the_page_fits_a_phone(
    engine: Engine, bundled_settings, browser, tmp_path: Path
):
    with served(build_app(bundled_settings, engine)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        watch = Watch(page)
        page.goto(url)
        _ask(page, Q_RASAT)
        page.locator("#pc-chat [data-testid='user']").filter(has_text="schema linking").wait_for()
        cite = page.locator("#pc-chat a.pc-cite").first
        cite.wait_for(timeout=120_000)  # the grounded answer has arrived
        sources = page.locator("#pc-sources")
        assert RASAT in sources.inner_text()
        href = cite.get_attribute("href")
        assert href and href.startswith("#src-")
        target = page.locator(f"#pc-sources article{href}")
        assert target.count() == 1 and RASAT in target.inner_text()
        marks = target.locator("mark").all_inner_texts()  # the sentences the answer quotes from it
        chat = page.locator("#pc-chat").inner_text()
        assert marks and all(m.rstrip(".") in chat for m in marks), (marks, chat)
        assert "extractive" in sources.locator(".pc-badge").inner_text()
        assert page.locator("#pc-question textarea").input_value() == ""

        # a thumbs down is kept beside the index (Gradio's own like event)
        from eval import feedback

        kept = feedback.feedback_path(bundled_settings)
        before = len(feedback.read(kept))
        page.locator("#pc-chat button[aria-label='Dislike']").last.click()
        page.wait_for_function("true")  # let the event go out
        for _ in range(60):
            if len(feedback.read(kept)) > before:
                break
            page.wait_for_timeout(500)
        vote = feedback.read(kept)[-1]
        assert (vote["vote"], vote["question"]) == ("down", Q_RASAT) and RASAT in vote["cited"]

        cite.click()  # follows the anchor to the panel entry
        page.wait_for_function(f"location.hash === '{href}'")
        assert target.is_visible()
        page.screenshot(path=str(tmp_path / "chat-desktop.png"), full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(300)
        page.screenshot(path=str(tmp_path / "chat-phone.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, f"the page is {overflow}px wide at phone width"

        # the exchange: the follow-up is answered from RASAT, with RASAT's results,
        # says so, and does not repeat the first answer
        page.set_viewport_size({"width": 1280, "height": 900})
        first_answer = page.locator("#pc-chat [data-testid='bot']").last.inner_text()
        _ask(page, "What results does it report?")
        page.locator("#pc-chat a.pc-cite[href^='#src-2-']").first.wait_for(timeout=120_000)
        assert page.locator("#pc-chat [data-testid='user']").count() == 2
        reply = page.locator("#pc-chat [data-testid='bot']").last
        about = reply.locator(".pc-about")
        assert about.count() == 1 and RASAT in about.inner_text()
        text = reply.inner_text()
        assert "75.5% EX on Spider" in text
        assert first_answer.split(" — ")[1][:80] not in text
        assert RASAT in page.locator("#pc-sources .pc-notice").first.inner_text()
        assert page.locator("#pc-sources article[id^='src-2-']").count() == 1

        # Export: the conversation as Markdown and its references as BibTeX, as downloads
        page.locator("#pc-export-button").click()
        files = page.locator("#pc-export")
        files.locator("a[download='paperchat-references.bib']").wait_for(state="attached", timeout=60_000)
        with page.expect_download() as download:
            files.locator("a[download='paperchat-conversation.md']").click()
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert exported.startswith("# paperchat conversation") and exported.count("\n## ") == 2
        assert "75.5% EX on Spider" in exported and RASAT in exported

        # "New chat" empties the conversation and the panel
        page.locator("#pc-new").click()
        page.locator("#pc-chat a.pc-cite").first.wait_for(state="detached")
        assert RASAT not in sources.inner_text()
        watch.assert_local_only()
        page.close()


def test_uploaded_hostile_record_renders_inert(browser, tmp_path: Path):
    settings = make_settings(tmp_path)
    ingest_paths(settings, [write_jsonl(tmp_path / "base.jsonl", XSS_RECORDS[1:])])
    engine = Engine(settings, auto_ingest=False)
    hostile = write_jsonl(tmp_path / "hostile.jsonl", XSS_RECORDS[:1])
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with served(build_app(settings, engine)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        watch = Watch(page)
        page.goto(url)
        page.locator("#pc-corpus button.label-wrap").first.click()
        report = page.locator("#pc-upload-report textarea")
        upload = page.locator("#pc-upload input[type=file]")

        upload.set_input_files(str(empty))
        page.wait_for_function(
            "document.querySelector('#pc-upload-report textarea').value.includes('Could not add')"
        )
        assert report.input_value() == "Could not add empty.jsonl: file is empty"

        upload.set_input_files(str(hostile))
        page.wait_for_function(
            "document.querySelector('#pc-upload-report textarea').value.startsWith('Added')",
            timeout=60_000,
        )
        assert "<dd>3</dd>" in page.locator("#pc-stats").inner_html()

        _ask(page, Q_XSS)
        page.locator("#pc-sources article.pc-src").first.wait_for(timeout=60_000)
        page.wait_for_timeout(500)  # let any injected handler fire
        sources = page.locator("#pc-sources")
        assert XSS_TITLE in sources.inner_text()  # shown as text
        assert 'onerror="window.__xss=1;alert(1)"' in page.locator("#pc-sources").inner_text()
        for where in ("#pc-sources", "#pc-chat .message-wrap"):
            assert page.locator(f"{where} img").count() == 0
            assert page.locator(f"{where} script").count() == 0
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert not any(urlsplit(u).path.endswith("/x") for u in watch.urls)
        page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
        watch.assert_local_only()
        page.close()


def test_the_filters_limit_the_papers_and_say_when_none_pass(browser, tmp_path: Path):
    from tests.test_filters import PRUNING
    from tests.test_filters import Q as Q_PRUNING

    settings = make_settings(tmp_path)
    ingest_paths(settings, [write_jsonl(tmp_path / "arxiv.jsonl", PRUNING)])
    engine = Engine(settings, auto_ingest=False)
    with served(build_app(settings, engine)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        watch = Watch(page)
        page.goto(url)
        page.locator("#pc-filters button.label-wrap").first.click()
        assert "Of 4 papers, 4 list a year and 4 list authors" in page.locator("#pc-filter-note").inner_text()
        page.locator("#pc-since input").fill("2023")
        _ask(page, Q_PRUNING)
        page.locator("#pc-sources article.pc-src").first.wait_for()
        assert page.locator("#pc-sources .pc-filter").inner_text() == "only papers since 2023"
        bylines = page.locator("#pc-sources .pc-byline").all_inner_texts()
        assert len(bylines) == 2 and all("(2023)" in b or "(2024)" in b for b in bylines)

        page.locator("#pc-since input").fill("2030")
        _ask(page, Q_PRUNING)
        warn = page.locator("#pc-sources .pc-warn")
        warn.wait_for()
        assert warn.inner_text().startswith("⚠ No paper in the collection matches the filter (since 2030)")
        assert page.locator("#pc-sources article.pc-src").count() == 0
        watch.assert_local_only()
        page.close()
