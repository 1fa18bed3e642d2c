"""Token vectors stored at ingest (``ingest.tokenstore``): soft coverage reads each paper's from
the store instead of encoding the paper on every question. They come from the pass that embeds
a paper's first chunk, so they cost the ingest no pass of its own; they follow their papers
through updates and prunes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from ingest.chunking import chunk_paper
from ingest.embed import CachedEmbedder, Int8MiniLM
from ingest.readers import read_paths
from ingest.tokenstore import TokenStore, coverage_text, states_name
from ingest.words import split_sentences
from rag import Engine, ingest_paths
from rag.store import open_store
from tests.conftest import make_settings, write_jsonl
from tests.fakes import HashEmbedder
from tests.test_fast_pipeline import EVIDENCE, FIXTURE, RASAT

QUESTION = "Which text-to-SQL model adds relational structures such as schema linking to a seq2seq model?"
LIST = "Which papers study text-to-SQL parsing?"


class CountingStates(HashEmbedder):
    """The fake embedder, remembering every text whose token vectors it computed."""

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def token_states(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        self.encoded.append(text)
        return super().token_states(text)


def papers(path: Path = FIXTURE) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ingest(tmp: Path, path: Path = FIXTURE, embedder: HashEmbedder | None = None, **overrides: object):  # noqa: ANN201
    settings = make_settings(tmp, data_dir=path.parent, **EVIDENCE, **overrides)
    report = ingest_paths(settings, [path], embedder=CachedEmbedder(embedder or HashEmbedder()), prune=True)
    return settings, report


def stored_papers(settings) -> set[str]:  # noqa: ANN001
    """The papers (by title) whose current title and abstract have stored token vectors."""
    index = open_store(settings, embedder=CachedEmbedder(HashEmbedder()))
    name = states_name(HashEmbedder())
    texts = {coverage_text(str(m["title"]), str(m["abstract"])): str(m["title"])
             for _, m, _ in index.records(["metadatas"]) if m.get("chunk_no") == 0}
    return {texts[t] for t in index.tokens.get_many(list(texts), name)}


def test_ingest_stores_every_papers_token_vectors_as_the_encoder_gives_them(tmp_path: Path):
    settings, report = ingest(tmp_path)
    assert report.token_papers_written == 20 and "token vectors of 20 papers" in report.summary()
    assert stored_papers(settings) == {p["title"] for p in papers()}
    index = open_store(settings, embedder=CachedEmbedder(HashEmbedder()))
    paper = read_paths([FIXTURE]).papers[0]
    text = coverage_text(paper.title, paper.abstract)
    got = index.tokens.get_many([text], states_name(HashEmbedder()))[text]
    chunks = chunk_paper(paper, settings.chunking.size, settings.chunking.overlap, settings.chunking.unit)
    _, want = HashEmbedder().token_states(chunks[0].text)  # the first chunk, as embedded
    assert got.shape == want.shape and np.allclose(got, want, atol=0.005)  # int8, each token scaled to ±127
    _, again = ingest(tmp_path)  # nothing changed: nothing encoded again
    assert again.token_papers_written == 0


def test_a_question_encodes_no_stored_paper_and_answers_the_same(tmp_path: Path):
    answers = {}
    for stored in (True, False):
        settings, _ = ingest(tmp_path / str(stored), **{"chunking.token_vectors": stored})
        counting = CountingStates()
        engine = Engine(settings, auto_ingest=False, embedder=CachedEmbedder(counting))
        answers[stored] = [engine.ask(q) for q in (QUESTION, LIST)]
        titles = {p["title"] for p in papers()}
        encoded = [t for t in counting.encoded if t.split(". ", 1)[0] in titles]
        if stored:  # only the questions themselves
            assert encoded == [], f"{len(encoded)} stored papers were encoded again"
        else:  # the rerank reads the list question's 15 best papers
            assert len(encoded) >= 10
    assert answers[True][0].citations[0].title == RASAT
    for a, b in zip(answers[True], answers[False], strict=True):
        assert (a.text, a.evidence, a.confidence) == (b.text, b.evidence, b.confidence)


def test_an_updated_or_pruned_paper_takes_its_token_vectors_with_it(tmp_path: Path):
    rows = papers()
    (tmp_path / "corpus").mkdir()
    corpus = write_jsonl(tmp_path / "corpus" / "papers.jsonl", rows)
    settings, _ = ingest(tmp_path, corpus)
    old_text = coverage_text(rows[0]["title"], rows[0]["abstract"])
    rows[0]["abstract"] = rows[0]["abstract"] + " We add this sentence for the test."
    write_jsonl(corpus, [r for i, r in enumerate(rows) if i != 1])
    _, report = ingest(tmp_path, corpus)
    assert report.updated == 1 and report.pruned == 1 and report.token_papers_written == 1
    assert stored_papers(settings) == {r["title"] for i, r in enumerate(rows) if i != 1}
    index = open_store(settings, embedder=CachedEmbedder(HashEmbedder()))
    assert index.tokens.get_many([old_text], states_name(HashEmbedder())) == {}
    kept = index.tokens._connect(create=False).execute("SELECT COUNT(*) FROM vectors").fetchone()[0]  # noqa: SLF001
    assert kept == 19  # the old version's rows and the pruned paper's are gone


def test_an_index_built_without_token_vectors_gets_them_on_the_next_ingest(tmp_path: Path):
    settings, report = ingest(tmp_path, **{"chunking.token_vectors": False})
    assert report.token_papers_written == 0 and stored_papers(settings) == set()
    _, again = ingest(tmp_path)
    assert again.new == again.updated == again.chunks_written == 0 and again.token_papers_written == 20
    assert len(stored_papers(settings)) == 20


def test_a_store_of_the_earlier_row_layout_is_refilled_by_the_next_ingest(tmp_path: Path):
    """Stop 40's stores kept a scale per token in a table named ``states``: such a store is not
    complete for any index, so the next ingest empties it and writes every paper again."""
    settings, _ = ingest(tmp_path)
    path = open_store(settings, embedder=CachedEmbedder(HashEmbedder())).tokens.path
    db = sqlite3.connect(path)
    with db:
        db.execute("DROP TABLE vectors")
        db.execute("CREATE TABLE states (key TEXT PRIMARY KEY, paper_id TEXT NOT NULL, n INTEGER NOT NULL, "
                   "scales BLOB NOT NULL, data BLOB NOT NULL)")
        db.execute("DELETE FROM meta WHERE k = 'format'")
    db.close()
    assert stored_papers(settings) == set()
    _, again = ingest(tmp_path)
    assert again.new == again.chunks_written == 0 and again.token_papers_written == 20
    assert len(stored_papers(settings)) == 20
    db = sqlite3.connect(path)
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'states'").fetchone() is None
    db.close()


def test_vectors_of_another_encoder_or_an_unreadable_store_are_not_used(tmp_path: Path):
    """A store written by another encoder (the int8 MiniLM falling back to fp32 on a CPU where
    its build falls short) is not read; a damaged file only costs time: papers are encoded."""
    settings, _ = ingest(tmp_path)
    index = open_store(settings, embedder=CachedEmbedder(HashEmbedder()))
    text = coverage_text(papers()[0]["title"], papers()[0]["abstract"])
    assert index.tokens.get_many([text], "another-encoder") == {}
    path = index.tokens.path
    index.tokens.close()
    path.write_bytes(b"not a database" * 100)
    counting = CountingStates()
    engine = Engine(settings, auto_ingest=False, embedder=CachedEmbedder(counting))
    answer = engine.ask(QUESTION)
    assert answer.citations[0].title == RASAT and any(t.startswith(RASAT) for t in counting.encoded)


def test_token_store_round_trip_keeps_each_vector_to_int8_precision(tmp_path: Path):
    rng = np.random.default_rng(0)
    states = rng.normal(size=(50, 384)).astype(np.float32)
    states /= np.linalg.norm(states, axis=1, keepdims=True)
    store = TokenStore(tmp_path / "t.sqlite3")
    assert store.get_many(["some text"], "m") == {}  # no file yet, and none made by reading
    assert not store.path.exists()
    store.begin("m")
    store.put([("p1", "some text", states)])
    got = store.get_many(["some text"], "m")["some text"]
    assert got.shape == states.shape and float(np.min(np.sum(got * states, axis=1))) > 0.9999
    assert store.get_many(["some text", "some other text"], "m").keys() == {"some text"}
    store.begin("n")  # another encoder's vectors replace these
    assert store.get_many(["some text"], "n") == {}


def test_the_bundled_index_gets_its_token_vectors_when_the_engine_starts(tmp_path: Path, monkeypatch):
    """Upgrading with an index of the bundled corpus built before token vectors existed: the
    next start fills them in (no chunk embedded again) and answers; where that ingest fails
    (a read-only index), the engine still starts and encodes papers when asked."""
    import rag.api

    settings, _ = ingest(tmp_path, **{"chunking.token_vectors": False})
    monkeypatch.setattr(rag.api, "BUNDLED_DATA", FIXTURE.parent)  # the fixture stands in for data/
    settings = settings.with_overrides(**{"chunking.token_vectors": True})
    real = rag.api.ingest_paths
    monkeypatch.setattr(rag.api, "ingest_paths", lambda *a, **k: (_ for _ in ()).throw(
        rag.api.IngestError("the index directory is read-only")))
    engine = Engine(settings, embedder=CachedEmbedder(HashEmbedder()))  # auto_ingest, as the page starts it
    assert RASAT in engine.ask(QUESTION).text and stored_papers(settings) == set()
    monkeypatch.setattr(rag.api, "ingest_paths", real)
    counting = CountingStates()
    engine = Engine(settings, embedder=CachedEmbedder(counting))
    assert len(stored_papers(settings)) == 20
    assert RASAT in engine.ask(QUESTION).text


def test_a_pools_coverage_read_at_once_equals_each_papers_own(tmp_path: Path):
    """The rerank reads its pool's vectors in one query and one product (``SoftCoverage.scores``):
    the same scores as reading each paper alone, empty texts scoring 0."""
    settings, _ = ingest(tmp_path)
    engine = Engine(settings, auto_ingest=False, embedder=CachedEmbedder(HashEmbedder()))
    texts = [coverage_text(p["title"], p["abstract"]) for p in papers()] + ["", "   "]
    for question in (QUESTION, LIST, "the"):
        together = engine.coverage.scores(question, texts)
        engine.coverage.forget()
        alone = [engine.coverage.read(question, t).score for t in texts]
        assert np.allclose(together, alone, atol=1e-6) and together[-2:] == [0.0, 0.0]
    assert max(engine.coverage.scores(QUESTION, texts)) > 0.3


def test_the_real_encoder_runs_once_per_chunk_and_stores_the_first_chunks_tokens(tmp_path: Path):
    """With the int8 MiniLM, an ingest runs the encoder once per chunk (and once per batch of
    sentences): a paper's token vectors come from the pass that embeds its first chunk, none of
    their own. Soft coverage reads them as it reads a question-time pass over the same paper."""
    filler = ("We study sparse attention for long documents and compare the memory cost of "
              "several transformer variants on summarisation benchmarks with many long inputs. ")
    rows = [{"title": "Sparse attention for long documents", "abstract": filler * 9},
            {"title": "A short paper", "abstract": "We train a small parser for text-to-SQL queries on Spider."}]
    corpus = write_jsonl(tmp_path / "long.jsonl", rows)
    settings = make_settings(tmp_path, data_dir=corpus.parent)
    encoder = Int8MiniLM()  # the encoder `paperchat prepare` built
    encoder.embed(["load the model outside the count"])
    runs = []
    real = encoder._session.run  # noqa: SLF001 - counting the encoder's passes
    encoder._session.run = lambda *a, **k: runs.append(1) or real(*a, **k)  # noqa: SLF001
    report = ingest_paths(settings, [corpus], embedder=CachedEmbedder(encoder))
    papers_read = read_paths([corpus]).papers
    chunks = {p.title: chunk_paper(p, settings.chunking.size, settings.chunking.overlap) for p in papers_read}
    n_chunks = sum(len(c) for c in chunks.values())
    n_sentences = sum(len(split_sentences(p.abstract)) for p in papers_read)
    assert report.chunks_written == n_chunks and n_chunks >= 3 and report.token_papers_written == 2
    assert len(runs) == n_chunks + -(-n_sentences // settings.embedding.batch_size)  # nothing more

    index = open_store(settings, embedder=CachedEmbedder(encoder))
    for paper in papers_read:
        text = coverage_text(paper.title, paper.abstract)
        got = index.tokens.get_many([text], states_name(encoder))[text]
        _, want = encoder.token_states(chunks[paper.title][0].text)
        assert got.shape == want.shape and float(np.min(np.sum(got * want, axis=1))) > 0.999
    engine = Engine(settings, auto_ingest=False, embedder=CachedEmbedder(encoder))
    question = "Which parser turns questions into SQL on the Spider benchmark?"
    texts = [coverage_text(p.title, p.abstract) for p in papers_read]
    stored = engine.coverage.scores(question, texts)
    engine.coverage._stored = None  # noqa: SLF001 - encoded at question time, as without a store
    engine.coverage.forget()
    encoded = engine.coverage.scores(question, texts)
    assert stored[1] > stored[0] + 0.2 and np.allclose(stored, encoded, atol=0.03), (stored, encoded)
