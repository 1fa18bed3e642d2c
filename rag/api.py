"""``ask``, ``ask_stream``, ``aask`` and ``Chat``: the public face of the pipeline."""

from __future__ import annotations

import asyncio
import copy
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ingest import IngestError
from ingest.embed import CachedEmbedder

from .answer.extractive import NOTICE as EXTRACTIVE_NOTICE
from .answer.extractive import compose
from .answer.generative import (
    DEFAULT_OPENAI_MODEL,
    LLMConfig,
    LLMError,
    complete,
    list_models,
    stream_answer,
)
from .evidence import Evidence, decide
from .grounding import Grounder, ground
from .question import QuestionProfile, profile
from .reader import LearnedReader, Reader, Scored, SimilarityReader, rank
from .retrieve import Retriever
from .settings import BUNDLED_DATA, Settings
from .store import embedder_for, ingest_paths, open_store
from .text import strip_markers
from .types import Answer, Draft, Retrieval


class QuestionError(ValueError):
    """The question itself is unusable (empty, too long); the message says why."""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_question(question: str, max_chars: int) -> str:
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    text = _CONTROL.sub(" ", question).strip()
    if not text:
        raise QuestionError("the question is empty; type a question about the papers")
    if len(text) > max_chars:
        raise QuestionError(
            f"the question is {len(text):,} characters long; the limit is {max_chars:,} "
            "(ask about one thing at a time)"
        )
    return text


class Engine:
    """Index + retriever + answerers for one ``Settings``. Thread-safe; build once, reuse."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        auto_ingest: bool = True,
        progress: Callable[[int, int], None] | None = None,
        embedder: CachedEmbedder | None = None,
    ) -> None:
        """``embedder``: your own (behind ``ingest.embed.Embedder``, wrapped in a
        ``CachedEmbedder``) instead of the settings' model; the index must have been built with it."""
        self.settings = settings or Settings()
        self._local = None
        self._local_lock = threading.Lock()
        self._server_models: dict[str, list[str]] = {}
        self.embedder = embedder or embedder_for(self.settings)
        try:
            self.index = open_store(self.settings, embedder=self.embedder)
            empty = self.index.count() == 0
        except IngestError:
            if not (auto_ingest and self._bundled()):
                raise
            empty = True
        if empty and auto_ingest and self._bundled():
            ingest_paths(self.settings, progress=progress, embedder=self.embedder)
            self.index = open_store(self.settings, embedder=self.embedder)
        if self.index.count() == 0:
            raise IngestError(
                f"the index at {self.index.location} is empty; add papers with `paperchat ingest PATH`"
            )
        self.retriever = Retriever(self.index, self.embedder, self.settings.retrieval)
        self.grounder = Grounder(self.embedder, self.settings.answer.support_threshold)
        self.learned: Reader = LearnedReader()
        self.similarity: Reader = SimilarityReader(self.embedder)

    def _local_server(self) -> tuple[str, str]:
        """Start (once) the llama-cpp-python server for provider=local."""
        with self._local_lock:
            if self._local is None:
                from .local import LocalServer

                s = self.settings.llm
                server = LocalServer(s.local_model, n_ctx=s.local_n_ctx, n_threads=s.local_n_threads)
                server.start()
                self._local = server
            return self._local.base_url, self._local.model_name

    def close(self) -> None:
        """Stop what this engine started (the local LLM server, if any)."""
        if self._local is not None:
            self._local.stop()
            self._local = None

    def with_llm(self, **llm: object) -> Engine:
        """This engine with other LLM settings (``model=…, base_url=…, provider=…``). It shares
        the index, retriever, embedder, readers and grounder, so making one costs nothing; it
        starts or asks its own LLM server."""
        clone = copy.copy(self)
        clone.settings = self.settings.with_overrides(**{f"llm.{k}": v for k, v in llm.items()})
        clone._local = None
        clone._local_lock = threading.Lock()
        clone._server_models = {}
        return clone

    def _server_model(self, base_url: str | None, api_key: str | None, timeout: float) -> str:
        """The model to ask when none was named: gpt-4o-mini on OpenAI; on another server the
        one model it lists (asked once per engine). Several or none: say which to choose."""
        if not base_url or "api.openai.com" in base_url:
            return DEFAULT_OPENAI_MODEL
        with self._local_lock:
            if base_url not in self._server_models:
                self._server_models[base_url] = list_models(base_url, api_key, timeout)
            names = self._server_models[base_url]
        if len(names) == 1:
            return names[0]
        if not names:
            raise LLMError(f"LLM server {base_url} lists no models; name one with --model")
        shown = ", ".join(names[:10]) + (" …" if len(names) > 10 else "")
        raise LLMError(f"LLM server {base_url} has {len(names)} models ({shown}); choose one with --model")

    def _bundled(self) -> bool:
        return self.settings.data_dir.resolve() == BUNDLED_DATA.resolve()

    @property
    def llm(self) -> LLMConfig | None:
        s = self.settings.llm
        if not s.generative:
            return None
        base_url, model = s.resolved_base_url(), s.model
        if s.provider == "local":
            base_url, model = self._local_server()
        elif not model:
            model = self._server_model(base_url, s.resolved_api_key(), s.timeout)
        return LLMConfig(
            base_url=base_url,
            model=model,
            api_key=s.resolved_api_key() if s.provider != "local" else None,
            temperature=s.temperature,
            max_tokens=s.max_tokens,
            timeout=s.timeout,
            max_retries=s.max_retries,
        )

    # -- one question --------------------------------------------------------------------
    def stream(
        self, question: str, *, query: str | None = None, top_k: int | None = None, mode: str | None = None
    ) -> Iterator[str]:
        """Yield answer text as it is produced; the generator returns the grounded ``Answer``."""
        started = time.perf_counter()
        question = clean_question(question, self.settings.answer.max_question_chars)
        query = clean_question(query, self.settings.answer.max_question_chars) if query else question
        asked = profile(query)
        retrieval = self.retriever.retrieve(query, top_k=top_k, mode=mode)
        timings = {"retrieve": retrieval.seconds}
        t_read = time.perf_counter()
        evidence = decide(asked, retrieval, self.read(asked, retrieval), self.settings.evidence)
        timings["read"] = time.perf_counter() - t_read
        if evidence.verdict == "refuse":
            answer = self._refusal(question, query, retrieval, evidence)
            answer.timings = {**timings, "total": time.perf_counter() - started}
            yield answer.text
            return answer

        draft: Draft
        t_generate = time.perf_counter()
        llm = self.llm
        if llm is None:
            draft = self._extractive(asked, evidence, retrieval)
            yield draft.text
        else:
            try:
                draft = yield from stream_answer(
                    query, retrieval.sources, llm, asked.kind, evidence.verdict == "weak"
                )
            except LLMError as exc:
                if not self.settings.llm.fallback_extractive:
                    raise
                draft = self._extractive(asked, evidence, retrieval)
                draft.notice = f"{exc} — showing an extractive answer instead. {EXTRACTIVE_NOTICE}"
                yield "\n\n" + draft.text
        timings["generate"] = time.perf_counter() - t_generate  # includes a failed LLM attempt

        t0 = time.perf_counter()
        if draft.refused:
            answer = Answer(
                question=question,
                text=strip_markers(draft.text),  # no citations, so no [n] markers either
                sources=retrieval.sources,
                refused=True,
                mode=draft.mode,
                model=draft.model,
                notice=draft.notice,
                query=query,
                relevance=retrieval.top_relevance,
                evidence=evidence.verdict,
                confidence=evidence.confidence,
                reason=evidence.reason,
            )
        else:
            g = ground(draft.text, retrieval.sources, self.grounder)
            answer = Answer(
                question=question,
                text=g.text,
                citations=g.citations,
                sources=retrieval.sources,
                refused=not g.citations,
                mode=draft.mode,
                model=draft.model,
                notice=draft.notice,
                query=query,
                sentences=g.sentences,
                removed_citations=g.removed,
                added_citations=g.added,
                relevance=retrieval.top_relevance,
                evidence=evidence.verdict,
                confidence=evidence.confidence,
                reason=evidence.reason,
            )
        timings["ground"] = time.perf_counter() - t0
        timings["total"] = time.perf_counter() - started
        answer.timings = timings
        answer.tokens = {"prompt": draft.prompt_tokens, "completion": draft.completion_tokens}
        return answer

    def ask(self, question: str, **kwargs: object) -> Answer:
        gen = self.stream(question, **kwargs)  # type: ignore[arg-type]
        while True:
            try:
                next(gen)
            except StopIteration as stop:
                return stop.value

    def read(self, asked: QuestionProfile, retrieval: Retrieval) -> list[Scored]:
        """Both readers over every evidence sentence of the retrieved papers, best first."""
        e = self.settings.evidence
        return rank(asked, retrieval.sources, self.learned, self.similarity, e.reader,
                    need_learned=e.weights.get("reading", 0.0) != 0.0)

    def _extractive(self, asked: QuestionProfile, evidence: Evidence, retrieval: Retrieval) -> Draft:
        return compose(asked, evidence, retrieval.sources, self.settings.answer)

    def _refusal(self, question: str, query: str, retrieval: Retrieval, evidence: Evidence) -> Answer:
        generative = self.settings.llm.generative  # no LLM is called (or started) to refuse
        return Answer(
            question=question,
            text=evidence.reason,
            sources=retrieval.sources,
            refused=True,
            mode="generative" if generative else "extractive",
            model=self.settings.llm.model if generative and self.settings.llm.provider != "local" else "",
            query=query,
            relevance=retrieval.top_relevance,
            evidence="refuse",
            confidence=evidence.confidence,
            reason=evidence.reason,
        )

    def rewrite(self, question: str, history: list[tuple[str, Answer]]) -> str:
        """Turn a follow-up into a standalone query (LLM if configured, else a heuristic)."""
        if not history or not _looks_dependent(question):
            return question
        previous = history[-1][1].query or history[-1][0]
        llm = self.llm
        if llm is not None:
            try:
                text = complete(
                    [
                        {
                            "role": "system",
                            "content": "Rewrite the follow-up question as one standalone question. "
                            "Reply with the question only.",
                        },
                        {
                            "role": "user",
                            "content": f"Previous question: {previous}\nFollow-up: {question}",
                        },
                    ],
                    llm,
                )
                if 3 <= len(text) <= 500:
                    return text
            except LLMError:
                pass
        return f"{previous} {question}"


_ANAPHORA = re.compile(
    r"\b(it|its|it's|they|them|their|this|that|these|those|the (paper|method|model|approach|same)|"
    r"and what|what about|how about|also)\b",
    re.IGNORECASE,
)


def _looks_dependent(question: str) -> bool:
    return bool(_ANAPHORA.search(question)) or len(question.split()) <= 4


# -- module-level conveniences -------------------------------------------------------------
_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(settings: Settings | None = None) -> Engine:
    """The shared engine for these settings (models and BM25 built once per process)."""
    settings = settings or Settings()
    # SecretStr dumps as "**********": key on the secrets' values, or two API keys share an engine
    key = settings.model_dump_json() + "|" + "|".join(
        secret.get_secret_value() if secret else ""
        for secret in (settings.llm.api_key, settings.embedding.api_key, settings.ui.auth)
    )
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = Engine(settings)
        return _ENGINES[key]


def ask(question: str, settings: Settings | None = None, **kwargs: object) -> Answer:
    """Answer ``question`` from the configured collection, with validated citations."""
    return get_engine(settings).ask(question, **kwargs)


@dataclass
class AnswerStream:
    """Iterate for text deltas; ``.answer`` holds the grounded ``Answer`` once iteration ends."""

    _gen: Iterator[str]
    answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        while True:
            try:
                yield next(self._gen)
            except StopIteration as stop:
                self.answer = stop.value
                return


def ask_stream(question: str, settings: Settings | None = None, **kwargs: object) -> AnswerStream:
    """Streaming ``ask``: ``for delta in (s := ask_stream(q)): ...; s.answer``."""
    return AnswerStream(get_engine(settings).stream(question, **kwargs))  # type: ignore[arg-type]


async def aask(question: str, settings: Settings | None = None, **kwargs: object) -> Answer:
    """``ask`` for asyncio callers (runs in a worker thread; the engine is thread-safe)."""
    engine = await asyncio.to_thread(get_engine, settings)
    return await asyncio.to_thread(engine.ask, question, **kwargs)


@dataclass
class Chat:
    """A conversation: follow-ups are rewritten into standalone queries before retrieval."""

    settings: Settings | None = None
    engine: Engine | None = None
    history: list[tuple[str, Answer]] = field(default_factory=list)

    def _engine(self) -> Engine:
        if self.engine is None:
            self.engine = get_engine(self.settings)
        return self.engine

    def stream(self, question: str, **kwargs: object) -> AnswerStream:
        engine = self._engine()
        query = engine.rewrite(question, self.history)

        def run() -> Iterator[str]:
            answer = yield from engine.stream(question, query=query, **kwargs)  # type: ignore[arg-type]
            self.history.append((question, answer))
            return answer

        return AnswerStream(run())

    def ask(self, question: str, **kwargs: object) -> Answer:
        s = self.stream(question, **kwargs)
        for _ in s:
            pass
        assert s.answer is not None
        return s.answer

    def reset(self) -> None:
        self.history.clear()
