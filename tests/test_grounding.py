"""Citation parsing, validation, post-hoc attribution and renumbering (real embeddings)."""

from __future__ import annotations

import re

import pytest

from rag.grounding import Grounder, ground
from rag.settings import Settings
from rag.store import embedder_for
from rag.text import parse_markers, split_sentences
from rag.types import Source


def src(n: int, title: str, abstract: str) -> Source:
    return Source(n=n, paper_id=f"p{n}", title=title, abstract=abstract, chunk_id=f"p{n}#0",
                  passage=abstract, score=1.0 / n, relevance=0.6)


SOURCES = [
    src(1, "Warmup", "Re-warming the learning rate is necessary when continuing pre-training. We train Pythia 410M models."),
    src(2, "Experts", "Our model routes each token to 64 experts. Routing uses a learned top-2 gate."),
    src(3, "Proteins", "We predict protein structures from sequences. Accuracy reaches 92 GDT on CASP14."),
]


@pytest.fixture(scope="module")
def grounder() -> Grounder:
    return Grounder(embedder_for(Settings()), threshold=0.5)


@pytest.mark.parametrize(
    "text, numbers",
    [("a [1]", [1]), ("a [1, 2]", [1, 2]), ("a [1][2]", [1, 2]), ("a [1-3]", [1, 2, 3]),
     ("a [2–4] b [7]", [2, 3, 4, 7]), ("a [1; 3]", [1, 3]), ("no markers", [])],
)
def test_marker_forms(text: str, numbers: list[int]):
    assert parse_markers(text) == numbers


def test_sentence_spans_are_exact():
    text = "First claim [1]. Second, e.g. with 5.3% gains. [2][3]\nThird line"
    for s in split_sentences(text):
        assert text[s.start:s.end] == s.text
    assert len(split_sentences(text)) == 3


def test_hallucinated_citation_is_removed_and_right_one_attached(grounder: Grounder):
    g = ground("Each token is routed to 64 experts [7].", SOURCES, grounder)
    assert g.removed == 1 and g.added == 1
    assert g.text == "Each token is routed to 64 experts [1]."
    assert [(c.n, c.paper_id) for c in g.citations] == [(1, "p2")]
    assert "64 experts" in g.citations[0].sentence


def test_renumbered_densely_in_order_of_first_use(grounder: Grounder):
    text = "Proteins reach 92 GDT on CASP14 [3]. Re-warming the learning rate is necessary [1]. Tokens go to 64 experts [2, 3]."
    g = ground(text, SOURCES, grounder)
    assert [c.paper_id for c in g.citations] == ["p3", "p1", "p2"]
    assert re.findall(r"\[(\d+)\]", g.text) == ["1", "2", "3"]
    assert g.sentences[2].citations == (3,)  # the unsupported [3] on the experts claim was dropped


def test_unsupported_sentence_is_flagged_and_cites_nothing(grounder: Grounder):
    g = ground("Quantum annealing solves the travelling salesman problem in linear time [1].", SOURCES, grounder)
    assert g.citations == [] and g.sentences[0].claim and not g.sentences[0].supported
    assert "[" not in g.text


def test_uncited_supported_sentence_gets_post_hoc_citation(grounder: Grounder):
    g = ground("The routing uses a learned top-2 gate.", SOURCES, grounder)
    assert g.added == 1 and g.text.endswith("[1].") and g.citations[0].paper_id == "p2"


def test_an_answer_quoting_two_sentences_of_a_paper_marks_both_on_the_page(grounder: Grounder):
    from ui.render import _highlighted

    g = ground("Experts — Our model routes each token to 64 experts [2].\nRouting uses a learned top-2 gate [2].",
               SOURCES, grounder)
    (cite,) = g.citations
    abstract = SOURCES[1].abstract
    assert [abstract[a:b] for a, b in cite.spans] == ["Our model routes each token to 64 experts.",
                                                      "Routing uses a learned top-2 gate."]
    page = _highlighted(abstract, cite)
    assert page.count("<mark>") == 2 and "<mark>Routing uses a learned top-2 gate.</mark>" in page
    one = ground("Each token is routed to 64 experts [2].", SOURCES, grounder).citations[0]
    assert _highlighted(abstract, one).count("<mark>") == 1  # a sentence the answer did not quote stays plain
