"""Sentence vectors stored at ingest (``Index.sentence_vectors``): the reader and the grounding
check read them instead of encoding every sentence of the retrieved papers on each question.
They only save time: with a deterministic encoder the answers are the same with and without
them (the int8 encoder's vectors move by its batch noise, cosine ~0.995 either way, README), and
they must follow their papers through updates, prunes and an index built before they existed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingest.embed import CachedEmbedder
from ingest.index import Index
from ingest.words import split_sentences
from rag import Engine, ingest_paths
from rag.store import open_store
from tests.conftest import make_settings, write_jsonl
from tests.fakes import HashEmbedder
from tests.test_fast_pipeline import EVIDENCE, FIXTURE, RASAT

QUESTION = "Which text-to-SQL model adds relational structures such as schema linking to a seq2seq model?"


class CountingEmbedder(HashEmbedder):
    """The fake embedder, remembering every text it was asked to encode."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed(texts)


def papers(path: Path = FIXTURE) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def stored_sentences(index: Index) -> dict[str, str]:
    """Every abstract sentence the index holds a vector for, with its paper id."""
    ids = sorted({str(m["paper_id"]) for _, m, _ in index.records(["metadatas"])})
    pairs = [(pid, s.text) for pid, text in index.abstracts(ids).items() for s in split_sentences(text)]
    found = index.sentence_vectors(pairs)
    return {text: pid for pid, text in pairs if text in found}


def ingest(tmp: Path, path: Path = FIXTURE, **overrides: object):  # noqa: ANN201 - (settings, report)
    settings = make_settings(tmp, data_dir=path.parent, **EVIDENCE, **overrides)
    return settings, ingest_paths(settings, [path], embedder=CachedEmbedder(HashEmbedder()), prune=True)


def test_ingest_stores_each_abstract_sentence_as_the_encoder_reads_it(tmp_path: Path):
    settings, report = ingest(tmp_path)
    index = open_store(settings, embedder=CachedEmbedder(HashEmbedder()))
    sentences = [s.text for p in papers() for s in split_sentences(p["abstract"])]
    assert report.sentences_written == len(sentences) and "sentence vectors" in report.summary()
    assert index.sentences_complete() and len(stored_sentences(index)) == len(set(sentences))
    ids = sorted({str(m["paper_id"]) for _, m, _ in index.records(["metadatas"])})
    pairs = [(pid, s.text) for pid, text in index.abstracts(ids).items() for s in split_sentences(text)]
    found = index.sentence_vectors(pairs)
    texts = list(found)
    assert np.allclose(np.stack([found[t] for t in texts]), HashEmbedder().embed(texts), atol=1e-6)


def test_a_question_encodes_no_stored_sentence_and_answers_the_same(tmp_path: Path):
    answers = {}
    for stored in (True, False):
        settings, _ = ingest(tmp_path / str(stored), **{"chunking.sentence_vectors": stored})
        counting = CountingEmbedder()
        engine = Engine(settings, auto_ingest=False, embedder=CachedEmbedder(counting))  # an empty cache
        answer = engine.ask(QUESTION)
        sentences = {s.text for src in answer.sources for s in split_sentences(src.abstract)}
        encoded = set(counting.texts) & sentences
        answers[stored] = answer
        if stored:
            assert not encoded, f"{len(encoded)} stored sentences were encoded again"
        else:
            assert len(encoded) > 20  # without them, every sentence of the five papers is
    assert answers[True].citations[0].title == RASAT
    assert answers[True].text == answers[False].text and answers[True].evidence == answers[False].evidence


def test_an_updated_or_pruned_paper_takes_its_sentence_vectors_with_it(tmp_path: Path):
    rows = papers()
    (tmp_path / "corpus").mkdir()
    corpus = write_jsonl(tmp_path / "corpus" / "papers.jsonl", rows)
    settings, _ = ingest(tmp_path, corpus)
    index = open_store(settings, embedder=CachedEmbedder(HashEmbedder()))
    pid = {str(m["title"]): str(m["paper_id"]) for _, m, _ in index.records(["metadatas"])}
    first, second = pid[rows[0]["title"]], pid[rows[1]["title"]]
    old = split_sentences(rows[0]["abstract"])[0].text
    gone = {s.text for s in split_sentences(rows[1]["abstract"])}
    rows[0]["abstract"] = rows[0]["abstract"].replace(old, "We replace this sentence for the test.")
    write_jsonl(corpus, [r for i, r in enumerate(rows) if i != 1])
    _, report = ingest(tmp_path, corpus)
    assert report.updated == 1 and report.pruned == 1
    have = stored_sentences(open_store(settings, embedder=CachedEmbedder(HashEmbedder())))
    assert old not in have and "We replace this sentence for the test." in have
    assert not gone & set(have)
    index = open_store(settings, embedder=CachedEmbedder(HashEmbedder()))
    assert index.sentence_vectors([(first, old), *((second, t) for t in gone)]) == {}


def test_an_index_built_without_sentence_vectors_gets_them_on_the_next_ingest(tmp_path: Path):
    settings, report = ingest(tmp_path, **{"chunking.sentence_vectors": False})
    index = open_store(settings, embedder=CachedEmbedder(HashEmbedder()))
    assert report.sentences_written == 0 and not index.sentences_complete() and stored_sentences(index) == {}
    _, again = ingest(tmp_path)  # nothing changed but the setting
    assert again.new == again.updated == 0 and again.unchanged == 20
    index = open_store(settings, embedder=CachedEmbedder(HashEmbedder()))
    assert index.sentences_complete()
    assert again.sentences_written == sum(len(split_sentences(p["abstract"])) for p in papers())
    assert len(stored_sentences(index)) == len({s.text for p in papers() for s in split_sentences(p["abstract"])})


def test_vectors_left_by_another_collection_of_the_same_name_are_not_used(tmp_path: Path):
    """A collection deleted and built again (by hand, on a server) must not read the old one's
    sentence vectors, which may come from another model."""
    settings, _ = ingest(tmp_path)
    index = open_store(settings, embedder=CachedEmbedder(HashEmbedder()))
    index._client.delete_collection("paperchat")  # noqa: SLF001 - what a user does with Chroma's own API
    settings2, report = ingest(tmp_path, **{"chunking.sentence_vectors": False})
    assert report.new == 20
    fresh = open_store(settings2, embedder=CachedEmbedder(HashEmbedder()))
    assert not fresh.sentences_complete() and stored_sentences(fresh) == {}


def test_the_bundled_index_gets_its_sentence_vectors_when_the_engine_starts(tmp_path: Path, monkeypatch):
    """Upgrading with an index of the bundled corpus built before sentence vectors existed: the
    next start of the page or CLI fills them in (encoding the sentences only, no chunk again)
    and answers; another corpus is left for `paperchat ingest` and still answers."""
    import rag.api

    for bundled, where in ((True, "bundled"), (False, "other")):
        settings, _ = ingest(tmp_path / where, **{"chunking.sentence_vectors": False})
        # the fixture's folder stands in for data/ (or, for "other", some other folder does)
        monkeypatch.setattr(rag.api, "BUNDLED_DATA", FIXTURE.parent if bundled else tmp_path)
        counting = CountingEmbedder()
        settings = settings.with_overrides(**{"chunking.sentence_vectors": True})
        engine = Engine(settings, embedder=CachedEmbedder(counting))  # auto_ingest, as the page starts it
        sentences = {s.text for p in papers() for s in split_sentences(p["abstract"])}
        assert engine.index.sentences_complete() is bundled
        assert len(stored_sentences(engine.index)) == (len(sentences) if bundled else 0)
        if bundled:  # the chunks were unchanged: only sentences were encoded
            assert set(counting.texts) == sentences
        assert RASAT in engine.ask(QUESTION).text
