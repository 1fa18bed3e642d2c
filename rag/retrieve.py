"""Retrieval: dense (Chroma) + lexical (BM25 in the on-disk tantivy index the ingest keeps,
``ingest.lexical``), fused by llama-index, collapsed to papers.

Fusion is llama-index's distribution-based score fusion (each retriever's scores scaled by
their mean ± 3σ, then weighted and summed) — the z-normalised fusion that measured best on
SciFact here (see README). The relevance floor uses the dense cosine, the one absolute score.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
import time
from collections.abc import Iterable, Sequence

from ingest import Index, StoreUnavailableError
from ingest.embed import CachedEmbedder
from ingest.models import paper_of

from .filters import Filters, NoMatchingPapers
from .settings import RetrievalSettings
from .types import PaperMeta, Retrieval, Source


def _cosine_from_chroma(similarity: float | None) -> float:
    # llama-index's Chroma store reports exp(-cosine_distance); undo it.
    if not similarity or similarity <= 0:
        return -1.0
    return 1.0 + math.log(similarity)


class Retriever:
    """Hybrid retriever over one index. Thread-safe; build once and reuse."""

    def __init__(self, index: Index, embedder: CachedEmbedder, settings: RetrievalSettings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._lock = threading.Lock()
        self._synced = False
        self._lexical_ok = False
        self._reopening: threading.Thread | None = None
        self._stats: dict[str, int] = {}  # per revision: paper counts and word frequencies
        self._allowed_cache: dict[Filters, frozenset[str] | None] = {}

    # -- keeping up with the index ----------------------------------------------------------
    def _sync(self) -> None:
        """Once per question: one metadata lookup tells whether the index changed (here or in
        another process). The lexical searcher sees a change at once; a local Chroma client's
        vector index is reloaded on a thread (a second or more on a big index), and the
        questions asked meanwhile search the old one, so new papers reach dense retrieval
        within seconds without a question waiting for it."""
        with self._lock:
            changed = self.index.refresh()
            if changed or not self._synced or not self._lexical_ok:
                # an index from before the lexical index gets one here, once; while another
                # process writes it, each question checks again and reloads when it is done
                self._lexical_ok = self.index.ensure_lexical()
                if self._lexical_ok and self.index.lexical is not None:
                    self.index.lexical.reload()
                self._stats = {}
                self._allowed_cache = {}
                self._synced = True
            if self.index.stale_vectors and self._reopening is None:
                self._reopening = threading.Thread(target=self._reopen, name="paperchat-reopen", daemon=True)
                self._reopening.start()

    def _reopen(self) -> None:
        try:
            self.index.reopen()  # later questions query the new client's collection
        except Exception:  # noqa: BLE001 - the old client keeps serving; the next question retries
            pass
        finally:
            self._reopening = None

    def _lexical_hits(self, question: str, filters: Filters | None,
                      allowed: frozenset[str] | None) -> list[tuple[str, float]]:
        """BM25's (chunk id, score) pairs; the text of the few chunks kept is read by ``_collapse``."""
        lex = self.index.lexical
        if lex is None:
            return []
        return lex.search(
            question,
            self.settings.candidates,
            since=filters.since if filters else None,
            until=filters.until if filters else None,
            papers=allowed,
        )

    def _stat(self, key: str, compute) -> int:  # noqa: ANN001
        value = self._stats.get(key)
        if value is None:
            value = self._stats[key] = int(compute())
        return value

    def coverage(self, question: str, sources: list[Source]) -> float:
        """IDF-weighted share of the question's content words that one of the top papers has.

        Dense similarity alone cannot tell "about the same topic" from "answers it": a question
        about AlexNet scores 0.41 against an unrelated vision paper. Rare question words absent
        from every top paper are the tell.
        """
        from .text import content_words

        words = content_words(question)
        if not words or not sources or self.index.lexical is None:
            return 0.0
        idf = self.idf(words)
        total = sum(idf.values()) or 1.0
        best = 0.0
        for src in sources[:3]:
            have = content_words(f"{src.title} {src.abstract}")
            best = max(best, sum(idf[w] for w in words if w in have) / total)
        return best

    def papers(self) -> int:
        """Papers in the collection (from the lexical index; 1 without one)."""
        lex = self.index.lexical
        return self._stat("papers", lex.paper_count) if lex is not None else 1

    def papers_with(self, word: str) -> int:
        """How many papers of the collection write ``word`` among their content words (from the
        lexical index; every word counts as written without one)."""
        lex = self.index.lexical
        if lex is None:
            return 1
        return self._stat(f"df:{word}", lambda: lex.doc_freq(word))

    def idf(self, words: Iterable[str]) -> dict[str, float]:
        """Each content word's inverse document frequency in this collection (from the lexical
        index; 1.0 each without one)."""
        if self.index.lexical is None:
            return dict.fromkeys(words, 1.0)
        n = self.papers() or 1
        return {w: math.log((n + 1) / (self.papers_with(w) + 0.5)) for w in words}

    def narrow(self, question: str, retrieval: Retrieval, limit: int, fit: Sequence[float] = ()) -> Retrieval:
        """The ``limit`` papers a description fits best ("the Portuguese one", "which of them
        trains on one GPU"): dense cosine plus the IDF-weighted share of the question's words
        each paper has. The cosine alone follows the rest of the question ("how big did their
        models get?"); the rare words are the description. ``fit``: per source, more evidence
        that it fits (added; the caller's reading of the whole paper)."""
        if len(retrieval.sources) <= limit:
            return retrieval
        more = {s.paper_id: f for s, f in zip(retrieval.sources, fit, strict=False)}
        ranked = sorted(retrieval.sources, reverse=True,
                        key=lambda s: s.relevance + self.coverage(question, [s]) + more.get(s.paper_id, 0.0))
        return Retrieval(
            question=retrieval.question,
            sources=[dataclasses.replace(s, n=i) for i, s in enumerate(ranked[:limit], 1)],
            top_relevance=max(s.relevance for s in ranked[:limit]),
            coverage=self.coverage(question, ranked[:limit]),
            seconds=retrieval.seconds,
        )

    def warm(self) -> None:
        """Load everything a first question would wait for."""
        self._sync()
        vector = self.embedder.embed(["warm up"])[0]
        if self.index.count():  # Chroma loads its vector index on the first query
            self._dense_hits(vector, None)

    # -- retrieval --------------------------------------------------------------------------
    def metadata_counts(self) -> tuple[int, int, int]:
        """(papers, papers with a year, papers with authors): what filters can act on."""
        self._sync()
        lex = self.index.lexical
        if lex is None:
            return (0, 0, 0)
        return (
            self._stat("papers", lex.paper_count),
            self._stat("with_year", lambda: lex.paper_count(with_year=True)),
            self._stat("with_authors", lambda: lex.paper_count(with_authors=True)),
        )

    def allowed(self, filters: Filters) -> frozenset[str] | None:
        """The papers an author filter lets through (None for a year-only filter, which both
        halves apply natively); NoMatchingPapers when no paper passes ``filters``."""
        from ingest.models import normalize_key

        self._sync()
        lex = self.index.lexical
        with self._lock:
            if filters in self._allowed_cache:
                return self._allowed_cache[filters]
        papers: frozenset[str] | None = None
        if filters.author and lex is not None:
            by_author = Filters(author=filters.author)
            papers = frozenset(lex.papers_by_author(normalize_key(filters.author), by_author.matches))
        n = lex.paper_count(since=filters.since, until=filters.until, papers=papers) if lex is not None else 0
        if not n:
            total, with_year, with_authors = self.metadata_counts()
            years = filters.since is not None or filters.until is not None
            raise NoMatchingPapers(
                f"No paper in the collection matches the filter ({filters.describe()}): "
                f"{with_year if years else with_authors:,} of its {total:,} papers list "
                f"{'a year' if years else 'authors'}. Widen or clear the filter."
            )
        with self._lock:
            self._allowed_cache[filters] = papers
        return papers

    def retrieve(
        self, question: str, top_k: int | None = None, mode: str | None = None, filters: Filters | None = None
    ) -> Retrieval:
        """The ``top_k`` papers for ``question``; with ``filters``, only papers that pass them
        (both halves see the same papers; NoMatchingPapers when none does)."""
        started = time.perf_counter()
        top_k = top_k or self.settings.top_k
        mode = mode or self.settings.mode
        self._sync()  # one metadata lookup: the index's revision
        filters = filters if filters is not None and filters.active else None
        allowed = self.allowed(filters) if filters is not None else None
        vector = self.embedder.embed([question])[0]
        # both halves see the same papers: the year range and an author's papers, in Chroma's
        # where and in the lexical query, before fusion scales the scores
        where = filters.where(allowed) if filters is not None else None

        # ids and scores only: the candidates' text is read for the papers kept (``_collapse``)
        dense_hits = self._dense_hits(vector, where) if mode in ("hybrid", "dense") else []
        lexical_hits = self._lexical_hits(question, filters, allowed) if mode in ("hybrid", "bm25") else []
        cosine = {cid: _cosine_from_chroma(similarity) for cid, similarity in dense_hits}
        if mode == "dense" or (mode == "hybrid" and not lexical_hits):
            ranked = [(cid, cosine[cid]) for cid, _ in dense_hits]
        elif mode == "bm25":
            ranked = lexical_hits
        else:
            ranked = self._fuse(question, dense_hits, lexical_hits)

        sources = self._collapse(ranked, cosine, top_k)
        if not cosine:  # BM25 mode: the cosines from the stored chunk vectors, not re-encoding
            sources = self._stored_cosine(vector, sources)
        top_rel = max((s.relevance for s in sources), default=0.0) if not cosine else max(cosine.values(), default=0.0)
        return Retrieval(
            question=question,
            sources=sources,
            top_relevance=top_rel,
            coverage=self.coverage(question, sources),
            seconds=time.perf_counter() - started,
        )

    def within(self, question: str, paper_ids: list[str]) -> Retrieval:
        """Only these papers (the ones under discussion), ranked for ``question`` by the cosine
        of their best chunk; the same ``Retrieval`` a fresh search returns."""

        started = time.perf_counter()
        self._sync()
        q = self.embedder.embed([question])[0]
        best: dict[str, tuple[float, str, dict, str]] = {}
        chunks: dict[str, list[str]] = {}
        for cid, meta, doc, emb in self.index.chunks_of(paper_ids):
            cos = _cosine(q, emb if emb is not None else self.embedder.embed([doc])[0])
            pid = str(meta.get("paper_id", paper_of(cid)))
            chunks.setdefault(pid, []).append(cid)
            if pid not in best or cos > best[pid][0]:
                best[pid] = (cos, cid, meta, doc)
        order = sorted(best.items(), key=lambda kv: kv[1][0], reverse=True)
        abstracts = self.index.abstracts(pid for pid, _ in order)
        sources = [
            Source(
                n=rank,
                paper_id=pid,
                title=str(meta.get("title", "")),
                abstract=abstracts.get(pid, "") or doc,
                chunk_id=cid,
                passage=doc,
                score=cos,
                relevance=cos,
                sources=tuple(s for s in str(meta.get("sources", "")).split("\n") if s),
                chunk_ids=tuple(sorted(chunks[pid])),
                meta=PaperMeta.from_metadata(meta),
            )
            for rank, (pid, (cos, cid, meta, doc)) in enumerate(order, 1)
        ]
        return Retrieval(
            question=question,
            sources=sources,
            top_relevance=max((s.relevance for s in sources), default=0.0),
            coverage=self.coverage(question, sources),
            seconds=time.perf_counter() - started,
        )

    def _dense_hits(self, vector, where: dict | None) -> list[tuple[str, float]]:  # noqa: ANN001
        """Chroma's nearest chunks as (chunk id, exp(-cosine distance)), the score llama-index's
        Chroma store gives and fusion was tuned on. Chroma is asked for ids and distances only:
        llama-index's retriever read all 40 candidates' text and metadata (3 of its 5 ms)."""
        try:
            got = self.index.collection.query(
                query_embeddings=[vector.tolist()], n_results=self.settings.candidates, where=where,
                include=["distances"],
            )
        except Exception as exc:  # the store went away mid-session: name it, keep the cause
            raise StoreUnavailableError(
                f"Chroma at {self.index.location} failed: {type(exc).__name__}: {exc}"
            ) from exc
        return [(cid, math.exp(-d)) for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    def _fuse(self, question: str, dense_hits: list[tuple[str, float]],
              lexical_hits: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """llama-index's distribution-based score fusion of the two rankings, by chunk id."""
        from llama_index.core.llms import MockLLM
        from llama_index.core.retrievers import QueryFusionRetriever

        w = self.settings.bm25_weight
        fusion = QueryFusionRetriever(
            [_fixed()(dense_hits), _fixed()(lexical_hits)],
            llm=MockLLM(),  # no query rewriting; without it llama-index reaches for OpenAI
            mode="dist_based_score",
            retriever_weights=[1.0 - w, w],
            similarity_top_k=self.settings.candidates * 2,
            num_queries=1,
            use_async=False,
        )
        return [(h.node.node_id, h.score or 0.0) for h in fusion.retrieve(question)]

    def _collapse(self, ranked: list[tuple[str, float]], cosine: dict[str, float], top_k: int) -> list[Source]:
        """Several chunks of one paper are one source; the paper takes its best chunk's score.
        Only the kept papers' text is read (``Index.passages``: one Chroma get)."""
        best: dict[str, tuple[str, float]] = {}
        chunks: dict[str, list[str]] = {}
        for cid, score in ranked:
            pid = paper_of(cid)
            chunks.setdefault(pid, []).append(cid)
            if pid not in best:
                best[pid] = (cid, score)
        order = sorted(best.items(), key=lambda kv: kv[1][1], reverse=True)[:top_k]
        read = self.index.passages(cid for _, (cid, _) in order)
        out = []
        for pid, (cid, score) in order:
            if cid not in read:  # deleted since the lexical index was read: the next question syncs
                continue
            meta, passage, abstract = read[cid]
            rel = max((cosine.get(c, -1.0) for c in chunks[pid]), default=-1.0)
            out.append(
                Source(
                    n=len(out) + 1,
                    paper_id=pid,
                    title=str(meta.get("title", "")),
                    abstract=abstract or passage,
                    chunk_id=cid,
                    passage=passage,
                    score=float(score),
                    relevance=float(rel),
                    sources=tuple(s for s in str(meta.get("sources", "")).split("\n") if s),
                    chunk_ids=tuple(chunks[pid]),
                    meta=PaperMeta.from_metadata(meta),
                )
            )
        return out

    def _stored_cosine(self, vector, sources: list[Source]) -> list[Source]:  # noqa: ANN001
        """BM25-only mode: each paper's relevance is the cosine of the question to its stored
        chunk vectors (the floor and the evidence decision read it). Re-encoding the passages
        instead cost 787 ms p50 a question on SciFact (56 ms now)."""
        if not sources:
            return sources
        import numpy as np

        q = np.asarray(vector, dtype=np.float32)
        stored = self.index.embeddings(c for s in sources for c in (s.chunk_ids or (s.chunk_id,)))

        def best(s: Source) -> float:
            ids = s.chunk_ids or (s.chunk_id,)
            if s.chunk_id not in stored:  # added by another process, not loaded yet: encode it
                stored[s.chunk_id] = self.embedder.embed([s.passage])[0]
            return max((_cosine(q, stored[c]) for c in ids if c in stored), default=-1.0)

        return [dataclasses.replace(s, relevance=best(s)) for s in sources]


def _cosine(q, vector) -> float:  # noqa: ANN001
    """Cosine of a query vector to a stored chunk vector (both may be unnormalised)."""
    import numpy as np

    v = np.asarray(vector, dtype=np.float32)
    return float(v @ q / ((np.linalg.norm(v) * np.linalg.norm(q)) or 1.0))


@functools.cache
def _fixed():  # noqa: ANN202
    """A retriever class that hands already-computed (chunk id, score) hits to the fusion
    retriever. Fusion merges hits by node hash (text and metadata), so a hit's node carries its
    chunk id as its text. Defined once: each class definition costs llama-index's
    instrumentation about 0.1 ms."""
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, TextNode

    class Fixed(BaseRetriever):
        def __init__(self, hits: list[tuple[str, float]]) -> None:
            super().__init__()
            self._hits = hits

        def _retrieve(self, query_bundle):  # noqa: ANN001, ANN202
            return [NodeWithScore(node=TextNode(id_=cid, text=cid), score=score) for cid, score in self._hits]

    return Fixed
