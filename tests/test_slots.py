"""A question about a detail the abstract leaves out is refused, not answered with an on-topic
sentence; a question whose detail is there gets the sentence that states it first."""

from __future__ import annotations

import pytest

from rag.answer.slots import asked_slot


@pytest.mark.parametrize(
    ("question", "words", "number"),
    [
        ("How many A100 GPUs were used to train OPT-175B?", ("gpus",), True),
        ("Which optimizer was used to train Compacter?", ("optimizer",), False),
        ("What batch size was used to pre-train WRAP?", ("batch",), True),
        ("Under which licence are the GLM-130B weights released?", ("licence",), False),
        ("What fraction of the pretraining data must be poisoned?", (), True),
    ],
)
def test_the_slot_is_the_head_of_the_wh_phrase(question, words, number):
    slot = asked_slot(question)
    assert slot is not None and slot.words == words and slot.number is number


@pytest.mark.parametrize(
    "question",
    [
        "Which paper removes the positive pair from the InfoNCE denominator?",
        "Which reinforcement learning method discovers skills without a reward?",
        "What is retrieval-augmented generation?",
        "How does t-SNE avoid crowding?",
    ],
)
def test_questions_that_ask_for_a_paper_or_an_explanation_have_no_slot(question):
    assert asked_slot(question) is None


def test_a_number_the_question_already_contains_does_not_fill_a_quantity_slot():
    q = "How many training tokens were the 2B and 7B models pretrained on?"
    slot = asked_slot(q)
    assert not slot.filled_by("We release 2B and 7B models trained on many tokens.", q)
    assert slot.filled_by("The 7B model was trained on 6T tokens.", q)
    # spelling variants and plurals name the same slot
    assert asked_slot("Which optimiser trained it?").filled_by("We train with the Adam optimizer.", "x")


def test_detail_the_abstract_omits_is_refused_naming_what_is_missing(engine):
    answer = engine.ask("What batch size was used to pretrain YuLan-Mini?")
    assert answer.refused and not answer.citations
    assert "do not state the batch size asked for" in answer.text
    assert "YuLan-Mini" in answer.text  # the paper found is named, so the user sees why


def test_detail_the_abstract_states_leads_the_answer(engine):
    answer = engine.ask("How many parameters does YuLan-Mini have?")
    assert not answer.refused
    first = answer.text.splitlines()[0]
    assert "2.42B parameters" in first and "[1]" in first
    assert answer.citations[0].title.startswith("YuLan-Mini")


def test_the_check_can_be_switched_off(engine):
    loose = engine.settings.with_overrides(**{"answer.check_slot": False})
    from rag import Engine

    answer = Engine(loose, auto_ingest=False).ask("What batch size was used to pretrain YuLan-Mini?")
    assert not answer.refused  # the old behaviour: on-topic sentences quoted
