"""The chat page (Gradio 6): streaming answers, linked citations, a sources panel, uploads.

``build_app(settings, engine)`` returns the page; ``launch(settings, host, port)`` is what
``paperchat ui`` runs. The handlers live on ``ChatPage`` as plain (generator) methods so tests
call them without a server. Nothing here retrieves or prompts: it calls ``rag`` and renders.

Each browser tab gets its own ``Session`` (a ``gr.State``) holding its own ``rag.Chat``, so
conversations never mix; the queue runs several events at once, so a slow LLM in one tab does
not hold up another. The page makes no request to any host but its own: system fonts, no
CDN, analytics off, no share tunnel.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402

from eval import feedback  # noqa: E402
from ingest import IngestError  # noqa: E402
from rag import Answer, Chat, Engine, FilterError, LLMError, QuestionError, Settings, ingest_paths  # noqa: E402
from rag.settings import BUNDLED_DATA  # noqa: E402

from . import render  # noqa: E402
from .limits import RateLimiter, wait_text  # noqa: E402

log = logging.getLogger("paperchat.ui")

UPLOAD_SUFFIXES = (".txt", ".jsonl", ".ndjson", ".json", ".csv", ".tsv")
MODES = ("hybrid", "dense", "bm25")
EXAMPLES = (
    "Which text-to-SQL model integrates relational structures such as schema linking into a "
    "pretrained seq2seq model?",
    "How should I re-warm a model for continual pretraining?",
    "On how many downstream tasks was the Pengi audio language model evaluated?",
    "What zero-shot ImageNet accuracy does MetaCLIP reach on ViT-B?",
)
_URL = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# Fonts installed on the machine only (no Google Fonts). Gradio quotes these names, which is
# right for family names; the generic ``system-ui``/``ui-monospace`` come from render.CSS.
_F = gr.themes.Font
THEME = gr.themes.Default(
    font=[_F("system-ui"), _F("Segoe UI"), _F("Roboto"), _F("Helvetica Neue"), _F("Arial"), "sans-serif"],
    font_mono=[_F("ui-monospace"), _F("Menlo"), _F("Consolas"), _F("DejaVu Sans Mono"), "monospace"],
)

History = list[dict[str, Any]]
Outputs = tuple[str, History, str, "Session"]


class UIError(Exception):
    """The page cannot start (bad auth setting, port in use); the message says why."""


@dataclass
class Session:
    """One browser tab: its conversation, the engine it answers with, its answer counter."""

    chat: Chat
    engine: Engine
    turns: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    answers: dict[int, Answer] = field(default_factory=dict, repr=False)  # chat message index → answer


class ChatPage:
    """The page's event handlers, independent of Gradio's server."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self._engines: dict[tuple[str | None, str, float], Engine] = {}
        self._engines_lock = threading.Lock()
        self._ingest_lock = threading.Lock()
        self._upload_limit = RateLimiter(settings.ui.uploads_per_hour, 3600)
        self._question_limit = RateLimiter(settings.ui.questions_per_minute, 60)

    # -- sessions ---------------------------------------------------------------------------
    def new_session(self) -> Session:
        return Session(chat=Chat(engine=self.engine), engine=self.engine)

    def _session(self, session: Session | None) -> Session:
        return session if isinstance(session, Session) else self.new_session()

    # -- chat ---------------------------------------------------------------------------------
    def respond(
        self,
        message: str,
        history: History | None,
        session: Session | None,
        top_k: float | None = None,
        mode: str | None = None,
        since: float | None = None,
        until: float | None = None,
        author: str | None = None,
        request: gr.Request | None = None,
    ) -> Iterator[Outputs]:
        """Stream one answer: yields (textbox, chat history, sources panel, session)."""
        session = self._session(session)
        message = message if isinstance(message, str) else ""
        history = list(history or [])
        if message.strip():
            history.append({"role": "user", "content": render.question_message(message)})
        wait = self._question_limit.acquire(client_of(request))
        if wait is not None:
            text = (
                f"Too many questions from your address ({self.settings.ui.questions_per_minute} "
                f"a minute); ask again in {wait_text(wait)}."
            )
            history.append({"role": "assistant", "content": render.error_message(text)})
            yield message, list(history), render.error_panel(text), session
            return
        if not session.lock.acquire(blocking=False):  # one question at a time per tab
            text = "Still answering the previous question; ask again when it is done."
            history.append({"role": "assistant", "content": render.error_message(text)})
            yield "", list(history), render.PANEL_WORKING, session
            return
        try:
            history.append({"role": "assistant", "content": render.streaming_message("")})
            yield "", list(history), render.PANEL_WORKING, session
            kwargs: dict[str, Any] = {}
            if top_k:
                kwargs["top_k"] = int(top_k)
            if mode in MODES:
                kwargs["mode"] = mode
            filters = {"since": since or None, "until": until or None,  # an empty box is 0
                       "author": author if isinstance(author, str) else ""}
            kwargs["filters"] = {k: v for k, v in filters.items() if v not in (None, "")} or None
            try:
                stream = session.chat.stream(message, **kwargs)
                text = ""
                for delta in stream:
                    text += delta
                    history[-1] = {"role": "assistant", "content": render.streaming_message(text)}
                    yield "", list(history), render.PANEL_WORKING, session
                answer = stream.answer
                assert answer is not None
            except (QuestionError, LLMError, IngestError, FilterError) as exc:
                history[-1] = {"role": "assistant", "content": render.error_message(str(exc))}
                yield "", list(history), render.error_panel(str(exc)), session
                return
            except Exception as exc:  # never a stack trace on the page
                log.exception("answering failed")
                text = (
                    f"Something went wrong while answering ({type(exc).__name__}); "
                    "the page still works, try again or rephrase."
                )
                history[-1] = {"role": "assistant", "content": render.error_message(text)}
                yield "", list(history), render.error_panel(text), session
                return
            session.turns += 1
            turn = session.turns
            history[-1] = {"role": "assistant", "content": render.answer_message(answer, turn)}
            session.answers[len(history) - 1] = answer  # what a thumbs up/down on it refers to
            yield "", list(history), render.sources_html(answer, turn), session
        finally:
            session.lock.release()

    def clear(self, session: Session | None) -> tuple[History, str, Session, str]:
        """New chat: empty conversation and panel; the tab keeps its LLM settings."""
        session = self._session(session)
        session.chat.reset()
        session.answers.clear()
        return [], render.PANEL_EMPTY, session, ""

    def vote(self, data: gr.LikeData, session: Session | None, comment: str | None = "") -> str:
        """A thumbs up or down on an answer, with the comment box's text, appended to the
        feedback file beside the index; returns the emptied comment box."""
        session = self._session(session)
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        answer = session.answers.get(int(index))
        if answer is None or not isinstance(data.liked, bool):
            return comment or ""  # an error message or an undone vote: nothing to keep
        feedback.record(feedback.feedback_path(self.settings), answer, data.liked, (comment or "")[:2000])
        return ""

    def export(self, session: Session | None) -> list[str] | None:
        """The tab's conversation as two downloads: Markdown (answers with numbered references)
        and BibTeX (the cited papers). None before the first answer."""
        session = self._session(session)
        if not session.chat.turns:
            return None
        folder = Path(tempfile.mkdtemp(prefix="paperchat-export-"))
        md, bib = folder / "paperchat-conversation.md", folder / "paperchat-references.bib"
        md.write_text(session.chat.export("markdown"), encoding="utf-8")
        bib.write_text(session.chat.export("bibtex"), encoding="utf-8")
        return [str(md), str(bib)]

    # -- LLM settings -------------------------------------------------------------------------
    def engine_for(self, base_url: str | None, model: str | None, temperature: float | None) -> Engine:
        """The engine for these LLM settings (the index, retriever and models are shared).

        A base URL other than the configured one never receives the configured API key.
        """
        base = self.engine.settings.llm
        url = (base_url or "").strip().rstrip("/") or None
        name = (model or "").strip() or base.model
        temp = base.temperature if temperature is None else round(float(temperature), 3)
        if url is not None and not _URL.match(url):
            raise ValueError("the LLM base URL must start with http:// or https://")
        configured = (base.base_url or "").rstrip("/") or None
        if url is not None and url != configured and not self.settings.ui.llm_url_changeable:
            raise ValueError(
                "changing the LLM server from the page is off when the page is served beyond "
                "localhost (PAPERCHAT_UI__ALLOW_LLM_URL_CHANGE=true turns it on)"
            )
        if url == configured and name == base.model and temp == base.temperature:
            return self.engine
        key = (url, name, temp)
        with self._engines_lock:
            if key not in self._engines:
                overrides: dict[str, object] = {"model": name, "temperature": temp}
                if url != configured:
                    if url is None:
                        overrides["provider"] = "extractive"
                    else:
                        overrides.update({"base_url": url, "provider": "openai", "api_key": ""})
                engine = self.engine.with_llm(**overrides)
                if len(self._engines) >= 16:
                    self._engines.clear()
                self._engines[key] = engine
            return self._engines[key]

    def apply_llm(
        self, base_url: str, model: str, temperature: float, session: Session | None
    ) -> tuple[str, Session]:
        session = self._session(session)
        try:
            engine = self.engine_for(base_url, model, temperature)
        except ValueError as exc:
            return f"⚠ {render.esc(str(exc))}", session
        session.engine = engine
        session.chat.engine = engine
        return self.llm_status(engine), session

    @staticmethod
    def llm_status(engine: Engine) -> str:
        try:
            llm = engine.llm_config()
        except LLMError as exc:  # e.g. a server with several models and none chosen
            return f"⚠ {render.esc(str(exc))}"
        if llm is None:
            return (
                "Answers are **extractive**: sentences quoted from the abstracts, no LLM. "
                "Set an OpenAI-compatible base URL for generative answers."
            )
        where = f"`{render.esc(llm.base_url)}`" if llm.base_url else "the OpenAI API"
        return (
            f"Answers are **generative**: model `{render.esc(llm.model)}` at {where}, "
            f"temperature {llm.temperature:g}."
        )

    def filter_note(self) -> str:
        """What the filters can act on: the listing dumps carry no years or authors."""
        try:
            total, with_year, with_authors = self.engine.retriever.metadata_counts()
        except IngestError as exc:
            return render.esc(str(exc))
        return (f"Of {total:,} papers, {with_year:,} list a year and {with_authors:,} list authors; "
                "a filter keeps only papers that list what it asks.")

    # -- corpus -------------------------------------------------------------------------------
    def stats(self) -> str:
        try:
            return render.stats_html(self.engine.index.stats())
        except IngestError as exc:
            return render.error_panel(str(exc))

    def upload(
        self,
        path: str | None,
        progress: Callable[[int, int], None] | None = None,
        client: str = "local",
    ) -> tuple[str, str]:
        """Ingest one uploaded file into the index; returns (report text, stats HTML)."""
        if not path:
            return "Choose a file to add.", self.stats()
        file = Path(path)
        name = file.name
        wait = self._upload_limit.acquire(client)
        if wait is not None:
            per_hour = self.settings.ui.uploads_per_hour
            return (
                f"{name} was not added: too many uploads from your address ({per_hour} an "
                f"hour); try again in {wait_text(wait)}.",
                self.stats(),
            )
        if file.suffix.lower() not in UPLOAD_SUFFIXES:
            kinds = ", ".join(s.lstrip(".") for s in UPLOAD_SUFFIXES)
            return f"{name}: unsupported file type; upload one of: {kinds}.", self.stats()
        limit = self.settings.ui.max_upload_mb
        try:
            size = file.stat().st_size
        except OSError:
            return f"{name}: the upload could not be read; try again.", self.stats()
        if size > limit * 1024 * 1024:
            return (
                f"{name} is {size / 1024 / 1024:.1f} MB; the upload limit is {limit} MB "
                "(PAPERCHAT_UI__MAX_UPLOAD_MB).",
                self.stats(),
            )
        with self._ingest_lock:
            try:
                report = ingest_paths(self.engine.settings, [file], progress=progress)
            except IngestError as exc:
                why = _short(str(exc), file).removeprefix(f"{name}: ")
                return f"Could not add {name}: {why}", self.stats()
            except Exception as exc:
                log.exception("upload failed")
                return f"Could not add {name}: unexpected {type(exc).__name__}.", self.stats()
        summary = _short(report.summary(), file)
        return f"Added {name}.\n{summary}", self.stats()


def _short(text: str, file: Path) -> str:
    """Messages name the upload by its file name, not by the server's temp path."""
    for form in {str(file), str(file.resolve())}:
        text = text.replace(form, file.name)
    return text


class _Page(gr.Blocks):
    """``gr.Blocks`` whose ``launch`` defaults to the page's theme, CSS and upload limit
    (Gradio 6 takes these in ``launch``), and never opens a share tunnel."""

    max_upload_mb: int = 20

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("theme", THEME)
        kwargs.setdefault("css", render.CSS)
        kwargs.setdefault("max_file_size", f"{self.max_upload_mb}mb")
        kwargs.setdefault("footer_links", [])
        kwargs["share"] = False
        return super().launch(*args, **kwargs)


def build_app(settings: Settings, engine: Engine | None = None) -> gr.Blocks:
    """The chat page over ``engine`` (built from ``settings`` when not given)."""
    engine = engine or Engine(settings)
    page = ChatPage(settings, engine)
    conf = engine.settings
    bundled = conf.data_dir.resolve() == BUNDLED_DATA.resolve()
    limit = settings.ui.max_upload_mb

    with _Page(title="paperchat", analytics_enabled=False) as demo:
        demo.max_upload_mb = limit
        demo.chat_page = page  # type: ignore[attr-defined]  # the handlers, for tests
        session = gr.State(None)

        gr.Markdown(
            "## paperchat\nAsk about the indexed ML paper abstracts. Answers cite their "
            "sources — click a **[n]** to see the supporting sentence.",
            elem_id="pc-header",
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    elem_id="pc-chat",
                    height=540,
                    feedback_options=("Like", "Dislike"),
                    buttons=["copy"],
                    placeholder="Ask a question about the papers; answers cite their sources by number.",
                    sanitize_html=True,
                    render_markdown=True,
                    line_breaks=True,
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="Ask about the papers…",
                        elem_id="pc-question",
                        lines=1,
                        max_lines=6,
                        scale=5,
                        min_width=180,
                        autofocus=True,
                        container=False,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=72, elem_id="pc-ask")
                    new = gr.Button("New chat", scale=1, min_width=72, elem_id="pc-new")
                    export = gr.Button("Export", scale=1, min_width=72, elem_id="pc-export-button")
                remark = gr.Textbox(show_label=False, container=False, elem_id="pc-comment", max_lines=3,
                                    placeholder="Optional comment, kept with your next 👍/👎 on an answer")
                exported = gr.File(label="Conversation (Markdown) and references (BibTeX)",
                                   file_count="multiple", interactive=False, elem_id="pc-export", height=90)
                if bundled:
                    gr.Examples(
                        examples=[[q] for q in EXAMPLES],
                        inputs=[question],
                        label="Examples",
                        elem_id="pc-examples",
                    )
            with gr.Column(scale=2, min_width=300):
                sources = gr.HTML(render.PANEL_EMPTY, elem_id="pc-sources", js_on_load=None)

        with gr.Accordion("Filters", open=False, elem_id="pc-filters"):
            with gr.Row():
                # no minimum: an empty box arrives as 0 (no filter), a wrong year as a message
                since = gr.Number(label="From year", value=None, precision=0, min_width=120, elem_id="pc-since")
                until = gr.Number(label="Until year", value=None, precision=0, min_width=120, elem_id="pc-until")
                author = gr.Textbox(label="Author (part of the name)", min_width=200, elem_id="pc-author")
            gr.Markdown(page.filter_note(), elem_id="pc-filter-note")

        with gr.Accordion("Settings", open=False, elem_id="pc-settings"):
            with gr.Row():
                top_k = gr.Slider(
                    1,
                    max(20, conf.retrieval.top_k),
                    value=conf.retrieval.top_k,
                    step=1,
                    label="Papers to retrieve (top-k)",
                    min_width=200,
                )
                mode = gr.Radio(list(MODES), value=conf.retrieval.mode, label="Retrieval", min_width=200)
            with gr.Row():
                base_url = gr.Textbox(
                    value=conf.llm.base_url or "",
                    interactive=conf.ui.llm_url_changeable,
                    label="LLM base URL (OpenAI-compatible)",
                    placeholder="empty: no LLM, extractive answers" if not conf.llm.generative else "",
                    min_width=200,
                )
                model = gr.Textbox(value=conf.llm.model, label="LLM model", min_width=160)
                temperature = gr.Slider(
                    0.0, 2.0, value=conf.llm.temperature, step=0.05, label="Temperature", min_width=160
                )
            apply = gr.Button("Apply LLM settings", size="sm", elem_id="pc-apply")
            llm_status = gr.Markdown(page.llm_status(engine), elem_id="pc-llm-status")

        with gr.Accordion("Corpus", open=False, elem_id="pc-corpus"):
            stats = gr.HTML(page.stats(), elem_id="pc-stats", js_on_load=None)
            upload = gr.File(
                label=f"Add papers: txt, jsonl, json or csv, up to {limit} MB",
                file_types=list(UPLOAD_SUFFIXES),
                type="filepath",
                elem_id="pc-upload",
            )
            report = gr.Textbox(
                label="Upload report", lines=4, interactive=False, elem_id="pc-upload-report"
            )

        gr.on(
            [question.submit, ask.click],
            page.respond,
            inputs=[question, chatbot, session, top_k, mode, since, until, author],
            outputs=[question, chatbot, sources, session],
            show_progress="hidden",
            api_name="ask",
        )
        new.click(page.clear, [session], [chatbot, sources, session, question], api_name="new_chat")
        export.click(page.export, [session], [exported], api_name="export")
        chatbot.like(page.vote, [session, remark], [remark], api_visibility="undocumented")
        chatbot.clear(page.clear, [session], [chatbot, sources, session, question], api_visibility="undocumented")
        apply.click(
            page.apply_llm, [base_url, model, temperature, session], [llm_status, session],
            api_name="apply_llm",
        )

        def on_upload(
            path: str | None,
            request: gr.Request,
            progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's injection idiom
        ) -> tuple[str, str, None]:
            def tick(done: int, total: int) -> None:
                progress((done, total), desc="embedding papers", unit="papers")

            text, stats_html = page.upload(path, progress=tick, client=client_of(request))
            return text, stats_html, None  # empty the file box, ready for the next file

        upload.upload(
            on_upload, [upload], [report, stats, upload], concurrency_limit=1, api_name="upload"
        )

    demo.queue(default_concurrency_limit=4)
    return demo


def client_of(request: gr.Request | None) -> str:
    """The client's address as the server sees it ("local" outside a request)."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", None) or "local")


def _auth(settings: Settings) -> tuple[str, str] | None:
    if settings.ui.auth is None:
        return None
    user, sep, password = settings.ui.auth.get_secret_value().partition(":")
    if not (sep and user and password):
        raise UIError("PAPERCHAT_UI__AUTH must be 'user:password'")
    return user, password


def launch(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Open the index (indexing the bundled corpus on first run), then serve the page."""
    from .progress import Bar

    host = host or settings.ui.host
    port = port or settings.ui.port
    settings = settings.with_overrides(**{"ui.host": host, "ui.port": port})
    auth = _auth(settings)
    _check_port(host, port)  # before the slow part
    print("paperchat: opening the index …", file=sys.stderr, flush=True)
    engine = Engine(settings, progress=Bar("first run: indexing the bundled corpus"))
    print("paperchat: loading the models …", file=sys.stderr, flush=True)
    engine.retriever.warm()
    demo = build_app(settings, engine)
    if host not in _LOOPBACK and auth is None:
        print(
            f"paperchat: warning: serving on {host} without a password; "
            "set PAPERCHAT_UI__AUTH=user:password",
            file=sys.stderr,
        )
    print(f"paperchat: chat page on http://{host}:{port} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        demo.launch(server_name=host, server_port=port, auth=auth, show_error=False, quiet=True)
    except OSError:
        raise UIError(f"cannot serve on {host}:{port}; choose another port with --port") from None


def _check_port(host: str, port: int) -> None:
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, _, _, _, address = infos[0]
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind(address)
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise UIError(
            f"cannot serve on {host}:{port} ({why}); choose another --host or --port"
        ) from None
