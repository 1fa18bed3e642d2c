"""Retrieval: dense (Chroma) + lexical (BM25 in the on-disk tantivy index the ingest keeps,
``ingest.lexical``), fused by llama-index, collapsed to papers.

Fusion is llama-index's distribution-based score fusion (each retriever's scores scaled by
their mean ± 3σ, then weighted and summed) — the z-normalised fusion that measured best on
SciFact here (see README). The relevance floor uses the dense cosine, the one absolute score.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Iterable
from typing import Any

from ingest import Index, StoreUnavailableError
from ingest.embed import CachedEmbedder

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
        self._dense: tuple[Any, Any] | None = None
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
            self.index.reopen()
            with self._lock:
                self._dense = None  # rebuilt on the new client
        except Exception:  # noqa: BLE001 - the old client keeps serving; the next question retries
            pass
        finally:
            self._reopening = None

    def _dense_retriever(self):  # noqa: ANN202
        """(retriever, its index) on the current client; a pair, so a reopen that swaps them
        mid-question cannot split them."""
        pair = self._dense
        if pair is None:
            from llama_index.core import VectorStoreIndex
            from llama_index.vector_stores.chroma import ChromaVectorStore

            store = ChromaVectorStore(chroma_collection=self.index.collection)
            # transformations given, so llama-index does not build its default splitter (and
            # load tiktoken's BPE, 0.3 s of a cold open) for an index we never insert into
            vindex = VectorStoreIndex.from_vector_store(
                store, embed_model=_LlamaEmbedding(self.embedder), transformations=[_read_only()]
            )
            pair = self._dense = (vindex.as_retriever(similarity_top_k=self.settings.candidates), vindex)
        return pair

    def _lexical_hits(self, question: str, filters: Filters | None, allowed: frozenset[str] | None):  # noqa: ANN202
        """BM25 hits from the lexical index as llama-index nodes (text and metadata read back
        from Chroma, hashed like the dense hits so fusion merges them)."""
        from llama_index.core.schema import NodeWithScore

        lex = self.index.lexical
        if lex is None:
            return []
        found = lex.search(
            question,
            self.settings.candidates,
            since=filters.since if filters else None,
            until=filters.until if filters else None,
            papers=allowed,
        )
        chunks = self.index.chunks([cid for cid, _ in found])
        return [
            NodeWithScore(node=_node(cid, chunks[cid][1], chunks[cid][0]), score=score)
            for cid, score in found
            if cid in chunks
        ]

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

    def idf(self, words: Iterable[str]) -> dict[str, float]:
        """Each content word's inverse document frequency in this collection (from the lexical
        index; 1.0 each without one)."""
        lex = self.index.lexical
        if lex is None:
            return dict.fromkeys(words, 1.0)
        n = self._stat("papers", lex.paper_count) or 1
        return {w: math.log((n + 1) / (self._stat(f"df:{w}", lambda w=w: lex.doc_freq(w)) + 0.5)) for w in words}

    def narrow(self, question: str, retrieval: Retrieval, limit: int) -> Retrieval:
        """The ``limit`` papers a description fits best ("the Portuguese one", "which of them
        trains on one GPU"): dense cosine plus the IDF-weighted share of the question's words
        each paper has. The cosine alone follows the rest of the question ("how big did their
        models get?"); the rare words are the description."""
        if len(retrieval.sources) <= limit:
            return retrieval
        ranked = sorted(retrieval.sources, key=lambda s: s.relevance + self.coverage(question, [s]), reverse=True)
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
        self._dense_retriever()
        self.embedder.embed(["warm up"])

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
        from llama_index.core.schema import QueryBundle

        started = time.perf_counter()
        top_k = top_k or self.settings.top_k
        mode = mode or self.settings.mode
        self._sync()  # one metadata lookup: the index's revision
        filters = filters if filters is not None and filters.active else None
        allowed = self.allowed(filters) if filters is not None else None
        bundle = QueryBundle(query_str=question, embedding=self.embedder.embed([question])[0].tolist())
        # both halves see the same papers: the year range and an author's papers, in Chroma's
        # where and in the lexical query, before fusion scales the scores
        where = filters.where(allowed) if filters is not None else None

        dense_hits = self._dense_hits(bundle, where) if mode in ("hybrid", "dense") else []
        lexical_hits = self._lexical_hits(question, filters, allowed) if mode in ("hybrid", "bm25") else []
        cosine = {h.node.node_id: _cosine_from_chroma(h.score) for h in dense_hits}
        if mode == "dense":
            ranked = [(h.node, cosine[h.node.node_id]) for h in dense_hits]
        elif mode == "bm25":
            ranked = [(h.node, h.score or 0.0) for h in lexical_hits]
        elif not lexical_hits:
            ranked = [(h.node, cosine[h.node.node_id]) for h in dense_hits]
        else:
            ranked = self._fuse(bundle, dense_hits, lexical_hits)

        sources = self._collapse(ranked, cosine, top_k)
        if not cosine:  # BM25 mode: the cosines from the stored chunk vectors, not re-encoding
            sources = self._stored_cosine(bundle, sources)
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
            pid = str(meta.get("paper_id", cid.split("#")[0]))
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

    def _dense_hits(self, bundle, where: dict | None = None):  # noqa: ANN001, ANN202
        try:
            retriever, vindex = self._dense_retriever()
            if where is not None:  # a filtered search: the same index, Chroma's own where
                filtered = vindex.as_retriever(
                    similarity_top_k=self.settings.candidates, vector_store_kwargs={"where": where}
                )
                return filtered.retrieve(bundle)
            return retriever.retrieve(bundle)
        except Exception as exc:  # the store went away mid-session: name it, keep the cause
            raise StoreUnavailableError(
                f"Chroma at {self.index.location} failed: {type(exc).__name__}: {exc}"
            ) from exc

    def _fuse(self, bundle, dense_hits, lexical_hits):  # noqa: ANN001, ANN202
        from llama_index.core.llms import MockLLM
        from llama_index.core.retrievers import QueryFusionRetriever

        w = self.settings.bm25_weight
        fusion = QueryFusionRetriever(
            [_fixed(dense_hits), _fixed(lexical_hits)],
            llm=MockLLM(),  # no query rewriting; without it llama-index reaches for OpenAI
            mode="dist_based_score",
            retriever_weights=[1.0 - w, w],
            similarity_top_k=self.settings.candidates * 2,
            num_queries=1,
            use_async=False,
        )
        return [(h.node, h.score or 0.0) for h in fusion.retrieve(bundle)]

    def _collapse(self, ranked, cosine: dict[str, float], top_k: int) -> list[Source]:  # noqa: ANN001
        """Several chunks of one paper are one source; the paper takes its best chunk's score."""
        best: dict[str, tuple[Any, float]] = {}
        chunks: dict[str, list[str]] = {}
        for node, score in ranked:
            pid = str(node.metadata.get("paper_id", node.node_id.split("#")[0]))
            chunks.setdefault(pid, []).append(node.node_id)
            if pid not in best:
                best[pid] = (node, score)
        order = sorted(best.items(), key=lambda kv: kv[1][1], reverse=True)[:top_k]
        abstracts = self.index.abstracts(pid for pid, _ in order)
        out = []
        for rank, (pid, (node, score)) in enumerate(order, 1):
            meta = node.metadata
            rel = max((cosine.get(c, -1.0) for c in chunks[pid]), default=-1.0)
            out.append(
                Source(
                    n=rank,
                    paper_id=pid,
                    title=str(meta.get("title", "")),
                    abstract=abstracts.get(pid, "") or node.get_content(),
                    chunk_id=node.node_id,
                    passage=node.get_content(),
                    score=float(score),
                    relevance=float(rel),
                    sources=tuple(s for s in str(meta.get("sources", "")).split("\n") if s),
                    chunk_ids=tuple(chunks[pid]),
                    meta=PaperMeta.from_metadata(meta),
                )
            )
        return out

    def _stored_cosine(self, bundle, sources: list[Source]) -> list[Source]:  # noqa: ANN001
        """BM25-only mode: each paper's relevance is the cosine of the question to its stored
        chunk vectors (the floor and the evidence decision read it). Re-encoding the passages
        instead cost 787 ms p50 a question on SciFact (56 ms now)."""
        if not sources:
            return sources
        import numpy as np

        q = np.asarray(bundle.embedding, dtype=np.float32)
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


def _node(chunk_id: str, text: str, metadata: dict):  # noqa: ANN202
    """A llama-index node whose hash is the same from either retriever.

    The fusion retriever merges hits by ``node.hash`` (text + str(metadata)); Chroma's query
    and get return metadata keys in different orders, so both sides sort them.
    """
    from llama_index.core.schema import TextNode

    return TextNode(id_=chunk_id, text=text, metadata=dict(sorted(metadata.items())))


def _fixed(hits):  # noqa: ANN001, ANN202
    """A retriever that hands already-computed dense hits to the fusion retriever (no second
    Chroma query), as nodes hashed the same way as BM25's."""
    from llama_index.core.retrievers import BaseRetriever

    class Fixed(BaseRetriever):
        def _retrieve(self, query_bundle):  # noqa: ANN001, ANN202
            return [
                type(h)(node=_node(h.node.node_id, h.node.get_content(), h.node.metadata), score=h.score)
                for h in hits
            ]

    return Fixed()


def _read_only():  # noqa: ANN202
    """The retrieval side's only transformation: papers enter through ``ingest`` (manifest,
    lexical index, revision), never through llama-index's insert."""
    from llama_index.core.schema import TransformComponent

    class ReadOnly(TransformComponent):
        def __call__(self, nodes, **kwargs):  # noqa: ANN001, ANN003, ANN204
            raise TypeError("the retrieval index is read-only; add papers with `paperchat ingest`")

    return ReadOnly()


def _LlamaEmbedding(embedder: CachedEmbedder):  # noqa: ANN202, N802
    """Our embedder as a llama-index embed model (only queries go through it)."""
    from llama_index.core.embeddings import BaseEmbedding

    class Wrapped(BaseEmbedding):
        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.embed([text])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return Wrapped(model_name=embedder.model_name, embed_batch_size=32)
