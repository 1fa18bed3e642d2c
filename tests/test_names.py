"""A question about something the collection never mentions is refused, naming what is missing;
a named thing the papers do mention keeps the question answerable."""

from __future__ import annotations

import pytest

from rag import Engine
from rag.names import question_names, text_words


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Which GNN is best on the METR-LA benchmark?", ["GNN", "METR-LA"]),
        ("Do ViTs beat CycleGAN on ImageNet-1K?", ["ViTs", "CycleGAN", "ImageNet-1K"]),
        ("How does Llama-2 compare with ResNet-50 on A100 GPUs and a URL?", ["Llama-2", "ResNet-50", "A100"]),
        # quantities, plain capitalised words and lower-case words are not names
        ("Was the 175B model 8x faster than Adam in 2023 with 3-layer, sub-1M-parameter nets on a GPU?", []),
    ],
)
def test_names_are_acronyms_camel_case_and_alphanumerics(question, names):
    assert [n.text for n in question_names(question)] == names


def missing_names(question: str, texts: list[str]) -> list[str]:
    """The question's names when no text mentions any of them (as the evidence decision reads it)."""
    names = question_names(question)
    words = set().union(*(text_words(t) for t in texts)) if texts else set()
    return [] if not names or any(n.found_in(words) for n in names) else [n.text for n in names]


def test_one_name_found_is_enough_and_forms_are_normalised():
    texts = ["We pretrain a ViT on ImageNet-1k with JPEG augmentation.", "Graph models for traffic."]
    assert missing_names("Which ViTs use CIFAR-100 and METR-LA?", texts) == []  # ViT found (plural)
    assert missing_names("Which model is best on METR-LA?", texts) == ["METR-LA"]
    assert missing_names("Which model is best on METR-LA?", ["results on the METR-LA dataset"]) == []
    assert missing_names("Which model is best on METR-LA?", ["results on METRLA"]) == []
    assert missing_names("What is retrieval-augmented generation?", texts) == []  # no names: no check
    # an abstract that writes out what the question abbreviates mentions it
    assert missing_names("How much does MoE routing drop?", ["Sparse mixture-of-experts routing."]) == []
    assert missing_names("Why RLHF?", ["Reinforcement Learning from Human Feedback helps."]) == []
    assert missing_names("Why RLHF?", ["Reinforcement learning helps humans give feedback."]) == ["RLHF"]


def test_question_about_an_unmentioned_benchmark_is_not_answered_plainly_and_names_it(engine: Engine):
    answer = engine.ask("Which model forecasts road traffic best on METR-LA?")
    assert answer.evidence in ("weak", "refuse")
    assert "none of the 5 most relevant abstracts mentions METR-LA" in answer.reason
    assert answer.sources  # what was searched is still shown


def test_a_mentioned_name_keeps_the_question_answerable(engine: Engine):
    answer = engine.ask("How many parameters does YuLan-Mini have, compared with METR-LA models?")
    assert not answer.refused and answer.citations  # YuLan-Mini is found: METR-LA is context
    assert "mentions" not in answer.reason
    assert answer.citations[0].title.startswith("YuLan-Mini")


def test_the_name_feature_lowers_confidence_and_can_be_switched_off(engine: Engine):
    # the fitted weight is 0 (no signal on blind dev); give it one so the switch is what is tested
    weights = {**engine.settings.evidence.weights, "names_missing": -2.0}
    named = engine.settings.with_overrides(**{"evidence.weights": weights})
    strict = Engine(named, auto_ingest=False).ask("Which model forecasts road traffic best on METR-LA?")
    loose = Engine(named.with_overrides(**{"evidence.use_names": False}), auto_ingest=False)
    answer = loose.ask("Which model forecasts road traffic best on METR-LA?")
    assert answer.confidence > strict.confidence
