"""``ask``, ``ask_stream``, ``aask`` and ``Chat``: the public face of the pipeline."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from ingest import IngestError
from ingest.embed import CachedEmbedder
from ingest.index import Index
from ingest.tokenstore import coverage_text, lacks_tokens, states_name

from .answer.extractive import NOTICE as EXTRACTIVE_NOTICE
from .answer.extractive import compose
from .answer.generative import (
    LLMConfig,
    LLMError,
    complete,
    stream_answer,
)
from .answer_type import AnswerTypeModel, figure_fit
from .answer_type import shipped as shipped_answer_type
from .conversation import Focus, Turn, resolve, spelled_out, without_topic_change
from .coverage import Coverage, SoftCoverage, TokenStates
from .evidence import Evidence, calls_by_name, decide, lead_order, missing_note, subject_source
from .filters import Filters, NoMatchingPapers
from .grounding import Grounder, ground
from .kind import KindModel
from .kind import shipped as shipped_kinds
from .llm import LLMResolver
from .question import Kind, QuestionProfile, profile
from .reader import LearnedReader, Reader, Scored, SimilarityReader, blend_paper, rank
from .retrieve import Retriever
from .settings import BUNDLED_DATA, Settings
from .spelling import Speller
from .store import embedder_for, ingest_paths, open_store
from .text import evidence_sentences, strip_markers
from .types import Answer, Draft, Retrieval, Source
from .untrusted import shipped as shipped_instructions


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
        _limit_blas(self.settings.embedding.blas_threads)
        self.llms = LLMResolver(self.settings.llm)
        self.embedder = embedder or embedder_for(self.settings)
        try:
            self.index = open_store(self.settings, embedder=self.embedder)
            empty = self.index.count() == 0
        except IngestError:
            if not (auto_ingest and self._bundled()):
                raise
            empty = True
        # the bundled corpus is indexed on first use; an index of it built before sentence
        # (or token) vectors existed gets them once (``paperchat ingest`` does the same for any corpus)
        stale = not empty and self.settings.chunking.sentence_vectors and not self.index.sentences_complete()
        tokens = not empty and self.settings.chunking.token_vectors and lacks_tokens(
            self.index.tokens, self.embedder.inner, self.index.state_key())
        if (empty or stale or tokens) and auto_ingest and self._bundled():
            try:
                ingest_paths(self.settings, progress=progress, embedder=self.embedder)
            except IngestError as exc:
                if empty or stale:
                    raise
                # token vectors only save time: a read-only index answers without them
                logging.getLogger(__name__).warning("token vectors not stored: %s", exc)
            self.index = open_store(self.settings, embedder=self.embedder)
        if self.index.count() == 0:
            raise IngestError(
                f"the index at {self.index.location} is empty; add papers with `paperchat ingest PATH`"
            )
        self.retriever = Retriever(self.index, self.embedder, self.settings.retrieval)
        self.grounder = Grounder(self.embedder, self.settings.answer.support_threshold)
        self.learned: Reader = LearnedReader()
        self.similarity: Reader = SimilarityReader(self.embedder)
        self.coverage = _soft_coverage(self.index, _token_model(self.embedder, self.settings), self.retriever.idf)
        self.kinds: KindModel | None = shipped_kinds() if self.settings.question.kind_reader == "learned" else None
        self.answer_type: AnswerTypeModel | None = shipped_answer_type() if self.settings.evidence.answer_type else None
        shipped_instructions()  # read now, like the others: a stale file is refused at start, not mid-answer
        self.speller = Speller(self.retriever.papers_with, self.retriever.papers) if self.settings.question.spelling else None

    def spelled(self, question: str) -> str:
        """``question`` with its mistyped words read as meant (``rag.spelling``); as typed when
        spelling is off."""
        return self.speller.correct(question) if self.speller is not None else question

    def profile(self, question: str, kind: Kind | None = None) -> QuestionProfile:
        """The question read once (``rag.question.profile``), with this engine's kind reader."""
        return profile(question, kind, self.kinds)

    def close(self) -> None:
        """Stop what this engine started (the local LLM server, if any)."""
        self.llms.close()

    def with_llm(self, **llm: object) -> Engine:
        """This engine with other LLM settings (``model=…, base_url=…, provider=…``). It shares
        the index, retriever, embedder, readers and grounder, so making one costs nothing; it
        resolves (and starts or asks) its own LLM."""
        clone = copy.copy(self)
        clone.settings = self.settings.with_overrides(**{f"llm.{k}": v for k, v in llm.items()})
        clone.llms = LLMResolver(clone.settings.llm)
        return clone

    def _bundled(self) -> bool:
        return self.settings.data_dir.resolve() == BUNDLED_DATA.resolve()

    def llm_config(self) -> LLMConfig | None:
        """The LLM this engine calls (None: extractive). May start the local server or list a
        server's models, once; ``settings.llm.generative`` is the cheap question."""
        return self.llms.config()

    # -- one question --------------------------------------------------------------------
    def stream(
        self,
        question: str,
        *,
        query: str | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        asked: QuestionProfile | None = None,
        focus: Focus | None = None,
        filters: Filters | dict | None = None,
    ) -> Iterator[str]:
        """Yield answer text as it is produced; the generator returns the grounded ``Answer``.

        ``query``: the standalone question to search with (a rewritten follow-up). ``asked``:
        the question's profile, when the caller made it already. ``focus``: the papers under
        discussion a follow-up refers to (``rag.conversation``): they are read for the
        follow-up's own words; a generative answer also gets a fresh search for ``query``.
        ``filters``: only papers that pass them (``{"year": (2022, None), "author": "…"}``, see
        ``rag.filters``); a filter no paper passes is answered with a message saying so."""
        started = time.perf_counter()
        question = clean_question(question, self.settings.answer.max_question_chars)
        # searched and analysed as meant ("wich paper …"); the answer keeps what was typed
        query = clean_question(query, self.settings.answer.max_question_chars) if query else self.spelled(question)
        limit = Filters.parse(filters)  # FilterError (a ValueError) names a malformed field
        try:
            retrieval, asked = self._retrieve(question, query, top_k, mode, asked, focus, limit)
        except NoMatchingPapers as exc:
            answer = Answer(question=question, text=str(exc), refused=True, query=query,
                            evidence="refuse", reason=str(exc), filters=limit.describe() if limit else "",
                            mode="generative" if self.settings.llm.generative else "extractive")
            answer.timings = {"total": time.perf_counter() - started}
            yield answer.text
            return answer
        timings = {"retrieve": retrieval.seconds}
        t_read = time.perf_counter()
        soft = self.soft_coverage(asked, retrieval)
        subject = self.subject(asked, retrieval)  # the paper the question names, found once
        covered = self.lead_coverage(asked, retrieval, subject)
        follow_up = focus is not None and focus.refers
        evidence = decide(asked, retrieval, self.read(asked, retrieval, covered, subject, follow_up), self.settings.evidence,
                          follow_up=follow_up, soft=soft, covered=covered, subject=subject)
        timings["read"] = time.perf_counter() - t_read
        if evidence.verdict == "refuse":
            answer = self._refusal(question, query, retrieval, evidence)
            answer.timings = {**timings, "total": time.perf_counter() - started}
            _note_focus(answer, focus)
            answer.filters = limit.describe() if limit else ""
            yield answer.text
            return answer

        draft: Draft
        t_generate = time.perf_counter()
        if not self.settings.llm.generative:
            draft = self._extractive(asked, evidence, retrieval, focus)
            yield draft.text
        else:
            try:  # resolving the LLM (a server's /models, the local server) can fail like a call
                llm = self.llm_config()
                assert llm is not None
                draft = yield from stream_answer(
                    query, retrieval.sources, llm, asked.kind, evidence.verdict == "weak",
                    missing_note(asked, evidence),
                )
            except LLMError as failed:
                exc = self.llms.explain(failed)
                if not self.settings.llm.fallback_extractive:
                    raise exc from None
                draft = self._extractive(asked, evidence, retrieval, focus)
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
                draft=draft.text,
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
        _note_focus(answer, focus)
        answer.filters = limit.describe() if limit else ""
        answer.tokens = {"prompt": draft.prompt_tokens, "completion": draft.completion_tokens}
        return answer

    def _retrieve(
        self,
        question: str,
        query: str,
        top_k: int | None,
        mode: str | None,
        asked: QuestionProfile | None,
        focus: Focus | None,
        filters: Filters | None,
    ) -> tuple[Retrieval, QuestionProfile]:
        """What the question is answered from, and its profile."""
        if focus is not None and focus.refers:
            asked = asked or self.profile(question)
            retrieval = self.retriever.within(asked.text, list(focus.papers))
            if focus.limit:  # "which of them", "the Portuguese one", "both"
                w = self.settings.evidence.narrow_coverage
                fit = [w * c for c in self.coverage.scores(
                    asked.text, [coverage_text(s.title, s.abstract) for s in retrieval.sources])] if w else []
                retrieval = self.retriever.narrow(asked.text, retrieval, focus.limit, fit)
            if self.settings.llm.generative:  # the papers under discussion first, then the search
                fresh = self.retriever.retrieve(query, top_k=top_k, mode=mode, filters=filters)
                retrieval = _merged(retrieval, fresh, top_k or self.settings.retrieval.top_k)
            return retrieval, asked
        asked = asked or self.profile(query)
        r = self.settings.retrieval
        k = top_k or r.top_k
        pool = max(k, r.rerank_pool) if r.soft_rerank and asked.kind in r.rerank_pool_kinds else k
        retrieval = self.retriever.retrieve(query, top_k=pool, mode=mode, filters=filters)
        return self._soft_reranked(asked, query, retrieval, k), asked

    def retrieve(self, question: str, *, top_k: int | None = None, mode: str | None = None,
                 filters: Filters | dict | None = None) -> tuple[Retrieval, QuestionProfile]:
        """The papers a first question is answered from, in the order the answer reads them
        (the retriever's, then the soft-coverage rerank), and the question's profile: search
        without an answer (``bench/retrieval.py``, ``bench/fit_evidence.py``)."""
        question = self.spelled(clean_question(question, self.settings.answer.max_question_chars))
        return self._retrieve(question, question, top_k, mode, None, None, Filters.parse(filters))

    def _soft_reranked(self, asked: QuestionProfile, query: str, retrieval: Retrieval, keep: int) -> Retrieval:
        """The retrieved papers reordered by their fused score's share of the top one plus
        ``retrieval.soft_rerank`` times their soft coverage of the question (``rag.coverage``),
        the best ``keep`` kept (a list question's retrieval reads ``rerank_pool`` papers): a
        reader's paraphrase is matched word by word in the encoder's space, where one pooled
        vector and BM25 miss it. The token states are cached, so the decision's and the lead's
        coverage of the same papers encode nothing again. 0: the retriever's order."""
        if not self.settings.retrieval.soft_rerank or len(retrieval.sources) < 2:
            return retrieval
        ranked = self.rerank(asked.text, retrieval).sources
        # a paper the question calls by its name is never reranked out of the answer: the words
        # of "how many tokens was the 7B Gemma model pretrained on?" cover other papers as well
        named = [s for s in ranked if calls_by_name(asked, s.title)]
        ranked = named + [s for s in ranked if all(s is not x for x in named)] if named else ranked
        sources = [dataclasses.replace(s, n=i) for i, s in enumerate(ranked[:keep], 1)]
        # top_relevance stays the retriever's: the best dense cosine among its candidates, which
        # the decision was fitted on and which the pool does not change
        return dataclasses.replace(retrieval, sources=sources, coverage=self.retriever.coverage(query, sources))

    def rerank(self, question: str, retrieval: Retrieval, depth: int | None = None) -> Retrieval:
        """``retrieval``'s top ``depth`` papers (all by default) reordered by their fused score's
        share of the top one plus ``retrieval.soft_rerank`` times their soft coverage of
        ``question``, the rest after them in the retriever's order (``eval.beir`` ranks 100)."""
        w = self.settings.retrieval.soft_rerank
        if not w or len(retrieval.sources) < 2:
            return retrieval
        depth = len(retrieval.sources) if depth is None else depth
        top = retrieval.sources[0].score or 1.0
        pool = retrieval.sources[:depth]
        covered = self.coverage.scores(question, [coverage_text(s.title, s.abstract) for s in pool])
        head = [pool[i] for i in sorted(range(len(pool)), reverse=True, key=lambda i: pool[i].score / top + w * covered[i])]
        sources = [dataclasses.replace(s, n=i) for i, s in enumerate(head + retrieval.sources[depth:], 1)]
        return dataclasses.replace(retrieval, sources=sources)

    def ask(self, question: str, **kwargs: object) -> Answer:
        gen = self.stream(question, **kwargs)  # type: ignore[arg-type]
        while True:
            try:
                next(gen)
            except StopIteration as stop:
                return stop.value

    def read(self, asked: QuestionProfile, retrieval: Retrieval, covered: dict[int, float] | None = None,
             subject: Source | None | Literal["find"] = "find", follow_up: bool = False) -> list[Scored]:
        """Every evidence sentence of the retrieved papers, best first by the configured reader;
        a factoid's (or open question's: ``answer_type_kinds``) own paper's sentences ordered by
        both and the answer-type model (``blend_paper``). ``covered``: the
        top papers' coverage the lead is chosen with (``lead_coverage``). ``subject``: the
        paper the question names (``subject_source``), when the caller found it already.
        ``follow_up``: answered from the papers under discussion (the answer-type model reads
        those only with ``answer_type_follow_ups``)."""
        e = self.settings.evidence
        # the sentences' vectors stored at ingest: the similarity reader and the grounding
        # check then encode only the question (sentences the index lacks are encoded as before)
        self.embedder.remember(self.index.sentence_vectors(
            (s.paper_id, x.text) for s in retrieval.sources for x in evidence_sentences(s.abstract)))
        sentences = rank(asked, retrieval.sources, self.learned, self.similarity, e.reader,
                         need_learned=e.weights.get("reading", 0.0) != 0.0)
        typed = self.answer_type if (not follow_up or e.answer_type_follow_ups) else None
        if asked.kind in e.answer_type_kinds and e.reader == "similarity" and (e.factoid_learned > 0.0 or typed) and sentences:
            # the paper the answer will quote (as decide() and the composer choose it)
            about = self.subject(asked, retrieval) if isinstance(subject, str) else subject
            if about is not None:
                leads = [about.n]
            else:  # the lead paper, and the runner-up whose line a factoid also shows (when typed)
                ranked = lead_order(retrieval.sources, sentences, e.rank_step, covered, e.lead_coverage)
                leads = ranked[:2] if e.answer_type_runner_up and typed is not None else ranked[:1]
            # which figure a sentence states, for a question asking for one (with the answer-type model)
            figure = (lambda texts: e.figure_fit * figure_fit(asked, texts, self.embedder.embed)) \
                if typed is not None and e.figure_fit else None
            for n in leads:
                paper = next((s for s in retrieval.sources if s.n == n), None) if typed else None
                order = [x.text for x in evidence_sentences(paper.abstract)] if paper else []  # where each sits
                sentences = blend_paper(asked, sentences, n, self.learned, e.factoid_learned, typed, order,
                                       e.answer_type_places, figure)
        return sentences

    def subject(self, asked: QuestionProfile, retrieval: Retrieval) -> Source | None:
        """The retrieved paper the question calls by its name (``rag.evidence.subject_source``)."""
        return subject_source(asked, retrieval.sources, by=self.settings.evidence.subject_by)

    def soft_coverage(self, asked: QuestionProfile, retrieval: Retrieval, force: bool = False) -> Coverage:
        """``rag.coverage`` of the question by the top-ranked paper (title and abstract); empty
        without a paper, or when the decision gives it no weight (``force``: measure anyway)."""
        e = self.settings.evidence
        if not retrieval.sources or not (force or (e.weights.get("soft_coverage", 0.0) and e.uses("soft_coverage"))):
            return Coverage()
        top = retrieval.sources[0]
        return self.coverage.read(asked.text, coverage_text(top.title, top.abstract))

    def lead_coverage(self, asked: QuestionProfile, retrieval: Retrieval,
                      subject: Source | None | Literal["find"] = "find") -> dict[int, float]:
        """How much of a which-paper or factoid question each of the top ``lead_papers`` papers
        covers, by source number, for the paper the answer leads with (``lead_order``; the top
        paper's token vectors are cached from ``soft_coverage``). Empty for other questions, for
        a question that names its paper (that paper leads), or with ``lead_coverage`` 0.
        ``subject``: that named paper (``subject_source``), when the caller found it already."""
        e = self.settings.evidence
        if (not e.lead_coverage or asked.kind not in ("which-paper", "factoid") or len(retrieval.sources) < 2
                or (self.subject(asked, retrieval) if isinstance(subject, str) else subject) is not None):
            return {}
        return {src.n: self.coverage.read(asked.text, coverage_text(src.title, src.abstract)).score
                for src in retrieval.sources[: e.lead_papers]}

    def _extractive(
        self, asked: QuestionProfile, evidence: Evidence, retrieval: Retrieval, focus: Focus | None = None
    ) -> Draft:
        answer = self.settings.answer
        if focus is not None and focus.refers:  # the papers are established: quote more of them
            answer = answer.model_copy(update={"per_source": answer.follow_up_per_source, "factoid_runner_up": ""})
            if focus.plural and not focus.limit:  # "both", "each of them": a line for every one
                answer = answer.model_copy(update={"multi_floor": 0.0, "multi_per_paper": answer.follow_up_per_paper})
        shown = focus.shown if focus is not None else frozenset()
        return compose(asked, evidence, retrieval.sources, answer, shown)

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


def _soft_coverage(index: Index, model: TokenStates, idf: Callable[[Iterable[str]], dict[str, float]]) -> SoftCoverage:
    """Soft coverage reading each paper's token vectors from the index's store when an ingest
    wrote them with this encoder (``ingest.tokenstore``), else encoding the paper."""
    store = index.tokens
    if store is None:
        return SoftCoverage(model, idf)
    return SoftCoverage(model, idf, stored=lambda texts: store.get_many(texts, states_name(model)))


def _limit_blas(threads: int) -> None:
    """``embedding.blas_threads``: numpy's BLAS threads, process-wide (threadpoolctl)."""
    if threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads, user_api="blas")


def _token_model(embedder: CachedEmbedder, settings: Settings) -> TokenStates:
    """The MiniLM whose token vectors ``rag.coverage`` compares: the embedder itself when it is
    a local MiniLM, else the packaged int8 one (loaded on first use; an OpenAI embedder has no
    token vectors, and the decision was fitted on MiniLM's)."""
    inner = getattr(embedder, "inner", embedder)
    if hasattr(inner, "token_states"):
        return inner
    return embedder_for(settings.with_overrides(**{"embedding.backend": "int8"})).inner


def _note_focus(answer: Answer, focus: Focus | None) -> None:
    if focus is not None:
        answer.cue = focus.cue
        if focus.refers:  # the papers it was answered from ("which of them": the one picked)
            answer.about = [s.title for s in answer.sources] if focus.limit else list(focus.titles)
            answer.resolved = focus.how


def _merged(first: Retrieval, then: Retrieval, top_k: int) -> Retrieval:
    """``first``'s papers, then ``then``'s others, renumbered, at most ``top_k`` (never fewer
    than ``first`` has)."""
    seen = {s.paper_id for s in first.sources}
    sources = first.sources + [s for s in then.sources if s.paper_id not in seen]
    sources = sources[: max(top_k, len(first.sources))]
    return Retrieval(
        question=first.question,
        sources=[dataclasses.replace(s, n=i) for i, s in enumerate(sources, 1)],
        top_relevance=max(first.top_relevance, then.top_relevance),
        coverage=max(first.coverage, then.coverage),
        seconds=first.seconds + then.seconds,
    )


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
    """A conversation. It remembers the papers each answer cited; a follow-up that points back
    ("it", "the second one", "both", "How long did training take?") is answered from them,
    ranked by what the follow-up asks (``rag.conversation``); one that asks for other work
    searches afresh. With an LLM, follow-ups are also rewritten into standalone questions."""

    settings: Settings | None = None
    engine: Engine | None = None
    turns: list[Turn] = field(default_factory=list)

    @property
    def history(self) -> list[tuple[str, Answer]]:
        return [(t.question.text, t.answer) for t in self.turns]

    def _engine(self) -> Engine:
        if self.engine is None:
            self.engine = get_engine(self.settings)
        return self.engine

    def read(self, question: str) -> str:
        """The follow-up as it is searched and analysed: cleaned, its slips read as meant."""
        engine = self._engine()
        return engine.spelled(clean_question(question, engine.settings.answer.max_question_chars))

    def focus(self, question: str) -> tuple[QuestionProfile, Focus]:
        """The follow-up's profile (built once, kind as the conversation makes it) and what it
        refers to; ``question`` as :meth:`read` returns it."""
        engine = self._engine()
        asked = engine.profile(question)
        focus = resolve(asked, self.turns)
        if focus.refers:  # about the papers in focus: one fact, or one line per paper
            asked = engine.profile(spelled_out(question, focus), kind="multi-paper" if focus.plural else "factoid")
        elif focus.cue == "seek" and (rest := without_topic_change(question)) != question:
            asked = engine.profile(rest)  # searched and read without "Switching gears:"
        return asked, focus

    def stream(self, question: str, **kwargs: object) -> AnswerStream:
        engine = self._engine()
        meant = self.read(question)
        asked, focus = self.focus(meant)
        query = asked.text
        if focus.refers or focus.cue == "seek":
            query = self.rewrite(meant, offline=meant if focus.refers else asked.text)

        def run() -> Iterator[str]:
            answer = yield from engine.stream(question, query=query, asked=asked, focus=focus, **kwargs)  # type: ignore[arg-type]
            self.turns.append(Turn(asked, answer))
            return answer

        return AnswerStream(run())

    def ask(self, question: str, **kwargs: object) -> Answer:
        s = self.stream(question, **kwargs)
        for _ in s:
            pass
        assert s.answer is not None
        return s.answer

    def reset(self) -> None:
        self.turns.clear()

    def export(self, fmt: str = "markdown") -> str:
        """The conversation as Markdown (answers with numbered references) or its cited papers
        as BibTeX (``fmt="bibtex"``)."""
        from . import export

        if fmt not in ("markdown", "bibtex"):
            raise ValueError(f"unknown export format {fmt!r} (markdown or bibtex)")
        return export.markdown(self.history) if fmt == "markdown" else export.bibtex(self.history)

    def rewrite(self, question: str, offline: str | None = None) -> str:
        """A follow-up as one standalone question, for searching: by the LLM when one is
        configured; offline ``offline`` (default: the follow-up as it is; its focus does the rest)."""
        offline = offline or question
        if not self.turns:
            return offline
        llm = self._engine().llm_config() if self._engine().settings.llm.generative else None
        if llm is None:
            return offline
        previous = self.turns[-1]
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
                        "content": f"Previous question: {previous.answer.query or previous.question.text}\n"
                        f"Papers in the previous answer: {'; '.join(previous.titles()[p] for p in previous.papers)}\n"
                        f"Follow-up: {question}",
                    },
                ],
                llm,
            )
        except LLMError:
            return offline
        return text if 3 <= len(text) <= 500 else offline
