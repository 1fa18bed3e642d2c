"""The learned question-kind reader (``rag.kind``, ``models/kind.json``): read where the
question-kind patterns do not fire, checked against its sha256, switchable in settings."""

from __future__ import annotations

import pytest

from rag.kind import shipped
from rag.question import profile, rule_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Name the paper that introduced dropout for recurrent layers.", "which-paper"),
        ("Where can I find the study that measured coffee and liver enzymes?", "which-paper"),
    ],
)
def test_the_model_reads_a_wording_no_pattern_lists(question: str, kind: str):
    assert rule_kind(question) is None and profile(question).kind == "open"  # the patterns alone miss it
    assert profile(question, learned=shipped()).kind == kind


@pytest.mark.parametrize(
    "question",
    [
        "How many photos does the cattle dataset contain?",
        "What dose of aspirin was given in the stroke trial?",
        "Why does warm-up help continual pretraining?",
    ],
)
def test_a_question_asking_for_a_fact_keeps_its_kind(question: str):
    assert profile(question, learned=shipped()).kind == profile(question).kind


def test_the_patterns_are_read_first():
    # "Which papers …" is a set of papers whatever the model would say
    q = "Which papers pretrain GPT-style models for Arabic?"
    assert profile(q, learned=shipped()).kind == "multi-paper"
