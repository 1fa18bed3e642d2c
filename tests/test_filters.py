"""Filters by year and author: the API, the CLI and both halves of retrieval see the same papers.

Fast tier: a fake embedder and real Chroma, over papers in the arXiv snapshot's shape (authors,
``update_date``) and the JSON shape (``year``), beside the 20-paper fixture that has neither.
"""

from __future__ import annotations

import json

import pytest

from ingest.embed import CachedEmbedder
from rag import Engine, FilterError, Filters, ingest_paths
from tests.conftest import make_settings, write_jsonl
from tests.fakes import HashEmbedder
from tests.test_fast_pipeline import EVIDENCE, FIXTURE

PRUNING = [  # one topic across the years, so a year filter has to change what is found
    {"id": "1803.03635", "authors": "Jonathan Frankle, Michael Carbin", "update_date": "2019-03-04",
     "title": "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks",
     "abstract": "Pruning removes most weights of a trained network. We find that dense networks contain "
                 "sparse subnetworks, winning tickets, that trained in isolation reach the accuracy of "
                 "the original network when pruning keeps their initial weights."},
    {"id": "2002.07376", "authors": "Alex Renda, Jonathan Frankle, Michael Carbin", "update_date": "2020-02-18",
     "title": "Comparing Rewinding and Fine-tuning in Neural Network Pruning",
     "abstract": "We compare fine-tuning after pruning with weight rewinding and learning rate rewinding. "
                 "Rewinding the weights of sparse networks to an early training point matches the accuracy "
                 "of fine-tuning after pruning on ImageNet."},
    {"id": "2301.00774", "authors": "Elias Frantar, Dan Alistarh", "update_date": "2023-03-22",
     "title": "SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot",
     "abstract": "We show that large language models can be pruned to 50% sparsity in one shot, without "
                 "any retraining, at minimal loss of accuracy. Pruning OPT-175B takes under 4.5 hours."},
    {"title": "Wanda: A Simple and Effective Pruning Approach for Large Language Models", "year": 2024,
     "authors": "Mingjie Sun, Zhuang Liu, Anna Bair, J. Zico Kolter",
     "abstract": "Wanda prunes weights with the smallest magnitudes multiplied by the input activation "
                 "norms, on a per-output basis. Pruning LLaMA this way needs no retraining or weight update "
                 "and keeps accuracy close to the dense network."},
]
Q = "Which pruning methods keep the accuracy of the dense network without retraining?"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("filters")
    embedder = CachedEmbedder(HashEmbedder())
    src = write_jsonl(tmp / "pruning.jsonl", PRUNING)
    settings = make_settings(tmp, data_dir=tmp, **EVIDENCE)
    ingest_paths(settings, [src, FIXTURE], embedder=embedder)
    return settings, embedder, src


@pytest.fixture(scope="module")
def filtered(corpus) -> Engine:
    settings, embedder, _ = corpus
    return Engine(settings, auto_ingest=False, embedder=embedder)


def years(retrieval) -> list[str]:
    return [s.meta.year for s in retrieval.sources]


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_a_year_filter_changes_what_each_half_retrieves(filtered: Engine, mode: str):
    unfiltered = filtered.retriever.retrieve(Q, top_k=8, mode=mode)
    assert {"2019", "2020"} & set(years(unfiltered)), "the unfiltered search finds the older papers"
    since = filtered.retriever.retrieve(Q, top_k=8, mode=mode, filters=Filters(since=2021))
    assert since.sources and sorted(years(since)) == ["2023", "2024"]
    assert [s.n for s in since.sources] == list(range(1, len(since.sources) + 1))
    until = filtered.retriever.retrieve(Q, top_k=8, mode=mode, filters=Filters(until=2020))
    assert sorted(years(until)) == ["2019", "2020"]


def test_an_author_filter_is_case_and_punctuation_blind(filtered: Engine):
    got = filtered.retriever.retrieve(Q, top_k=8, filters=Filters.parse({"author": "FRANKLE"}))
    assert sorted(s.title[:24] for s in got.sources) == [
        "Comparing Rewinding and ", "The Lottery Ticket Hypot"]
    both = filtered.retriever.retrieve(Q, top_k=8, filters=Filters.parse({"author": "frankle", "year": 2020}))
    assert [s.meta.year for s in both.sources] == ["2020"]


def test_ask_takes_filters_and_the_answer_says_so(filtered: Engine):
    answer = filtered.ask(Q, filters={"year": (2023, None)})
    assert answer.filters == "since 2023"
    assert answer.citations and all(c.meta.year in ("2023", "2024") for c in answer.citations)
    assert all(s.meta.year in ("2023", "2024") for s in answer.sources)


def test_a_filter_no_paper_passes_says_so_instead_of_refusing_on_relevance(filtered: Engine):
    answer = filtered.ask(Q, filters={"year": (2030, None)})
    assert answer.refused and not answer.sources and not answer.citations
    assert answer.text.startswith("No paper in the collection matches the filter (since 2030)")
    assert "4 of its 24 papers list a year" in answer.text  # the listing fixture has none
    from ui.render import sources_html

    assert "matches the filter" in sources_html(answer, 1) and "best relevance" not in sources_html(answer, 1)


@pytest.mark.parametrize(("given", "message"), [
    ({"year": "last year"}, "'since' must be a year"),
    ({"since": 2024, "until": 2020}, "run backwards"),
    ({"venue": "NeurIPS"}, "unknown filter field"),
    ({"author": 7}, "'author' must be text"),
    ({"year": (2020, 2021, 2022)}, "one year or a"),
])
def test_a_malformed_filter_is_named(filtered: Engine, given: dict, message: str):
    with pytest.raises(FilterError, match=message):
        filtered.ask(Q, filters=given)


def test_empty_filters_are_no_filter():
    assert Filters.parse({}) is None and Filters.parse({"author": " ", "year": None}) is None
    assert Filters.parse({"since": 2021.0}) == Filters(since=2021)  # a number box's value


def test_a_corrected_year_is_rewritten_without_re_embedding(corpus, tmp_path):
    settings, embedder, src = corpus
    fixed = [dict(p) for p in PRUNING]
    fixed[3]["year"] = 2022
    report = ingest_paths(settings, [write_jsonl(tmp_path / "pruning.jsonl", fixed), FIXTURE], embedder=embedder)
    assert (report.new, report.updated, report.unchanged) == (0, 0, 24)  # nothing re-embedded
    fresh = Engine(settings, auto_ingest=False, embedder=embedder)
    got = fresh.retriever.retrieve(Q, top_k=8, filters=Filters(since=2022, until=2022))
    assert [s.title.split(":")[0] for s in got.sources] == ["Wanda"]
    ingest_paths(settings, [src, FIXTURE], embedder=embedder)  # put it back for the other tests


def test_the_cli_takes_since_until_and_author(corpus, capsys):
    from ui.cli import main

    settings, _, _ = corpus
    # a malformed filter is refused before the index (and the real encoder) is opened
    assert main(["ask", Q, "--since", "2030", "--until", "2020", "--index-path", str(settings.chroma.path)]) == 2
    assert "run backwards" in capsys.readouterr().err
    from ui.cli import _filters, build_parser

    parsed = build_parser().parse_args(["ask", Q, "--since", "2021", "--author", "Frantar"])
    assert _filters(parsed) == {"since": 2021, "author": "Frantar"}
    assert json.loads(json.dumps(_filters(parsed)))  # plain data for the API
