"""What a question asks for (its slot): a detail the abstract leaves out is never answered
plainly with an on-topic sentence; a detail that is there leads the answer."""

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
        # "What was its / the …" asks what "What's the …" asks
        ("What was its best accuracy, and from which classifier?", ("accuracy",), True),
        ("What is the quantizer in the second one?", ("quantizer",), False),
        ("What's the quantizer in the second one?", ("quantizer",), False),
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


@pytest.mark.parametrize(
    ("query", "words", "states"),
    [
        ("Gemma tokenizer vocabulary size", ("vocabulary",), "The vocabulary has 256k entries."),
        ("number of older adults enrolled in the GSH fat-burning trial", (), "In all, 412 older adults enrolled."),
        ("predicted length, in residues, of L32", ("length",), "Its predicted length is 105 residues."),
    ],
)
def test_a_search_box_query_naming_a_measure_asks_for_a_figure(query, words, states):
    # typed without a wh-word: its opening noun phrase is what it asks for, a figure
    slot = asked_slot(query)
    assert slot is not None and slot.words == words and slot.number
    assert slot.filled_by(states, query)
    assert not slot.filled_by("The trial enrolled older adults in two towns.", query)  # no figure


@pytest.mark.parametrize(
    "query",
    ["city traffic flow forecasting using graph neural networks", "open-source licence that applies to MesoRD",
     "speech therapy outcomes for children who stutter"],
)
def test_a_search_box_query_about_a_topic_asks_for_no_slot(query):
    # only a measure makes a query's opening phrase a slot: a topic is no detail to check
    assert asked_slot(query) is None


def test_a_query_with_a_wh_word_keeps_its_wh_reading():
    # "how many-fold" with no question mark still asks for a quantity (the query reading is
    # only for text with no wh-word at all)
    slot = asked_slot("how many-fold more mouse OSM than LIF did the cultures need")
    assert slot is not None and slot.number


def test_a_number_the_question_already_contains_does_not_fill_a_quantity_slot():
    q = "How many training tokens were the 2B and 7B models pretrained on?"
    slot = asked_slot(q)
    assert not slot.filled_by("We release 2B and 7B models trained on many tokens.", q)
    assert slot.filled_by("The 7B model was trained on 6T tokens.", q)
    # spelling variants and plurals name the same slot
    assert asked_slot("Which optimiser trained it?").filled_by("We train with the Adam optimizer.", "x")


def test_detail_the_abstract_omits_is_answered_only_from_the_paper_asked_about(engine):
    """The slot is missing for YuLan-Mini: whatever the verdict, no other paper's batch size is
    offered, and a label, when there is one, says what is missing."""
    from rag.evidence import features
    from rag.question import profile

    q = "What batch size was used to pretrain YuLan-Mini?"
    asked = profile(q)
    retrieval = engine.retriever.retrieve(q)
    f, subject, filler = features(asked, retrieval, engine.read(asked, retrieval))
    assert f["slot_missing"] == 1.0 and subject.title.startswith("YuLan-Mini") and filler is None
    answer = engine.ask(q)
    assert answer.refused or {c.title for c in answer.citations} == {subject.title}
    if answer.evidence != "answer":
        assert "clearly answers “What batch size was used to pretrain YuLan-Mini”" in answer.reason and "YuLan-Mini" in answer.reason


def test_detail_the_abstract_states_leads_the_answer(engine):
    answer = engine.ask("How many parameters does YuLan-Mini have?")
    assert not answer.refused
    first = answer.text.splitlines()[0]
    assert "2.42B parameters" in first and "[1]" in first
    assert answer.citations[0].title.startswith("YuLan-Mini")


def test_digits_of_names_and_reference_years_are_not_figures():
    q = "What ImageNet top-1 accuracy does the method reach?"
    slot = asked_slot(q)
    assert not slot.filled_by("State of the art on CIFAR-10/100 with ResNet-50 and GPT-3 accuracy.", q)
    assert not slot.filled_by("Accuracy is better than FitNets (Romero et al. (2015)).", q)
    assert slot.filled_by("It reaches 80.0% top-1 accuracy on ImageNet.", q)


def test_a_lists_numbering_is_not_a_figure():
    from rag.answer.slots import states_quantity

    assert not states_quantity("We explore three hypotheses: (1) lighting matters; (2) size does not.")
    assert not states_quantity("We find that 1) scaling helps and 2) data matters.")
    assert states_quantity("The dataset holds 1254 images (see Section 3).")


def test_a_cue_the_title_names_is_the_subject_not_the_figure():
    q = "What LoRA rank r was used for GPT-3?"
    line = "LoRA reduces the number of trainable parameters by 10,000 times."
    assert asked_slot(q).filled_by(line, q)  # without the paper's title "LoRA" looks like a cue
    assert not asked_slot(q).filled_by(line, q, "LoRA: Low-Rank Adaptation of Large Language Models")


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("What end-point error on MPI Sintel did it get?", "We achieve EPE=4.26 on the Sintel benchmark."),
        ("What robust accuracies are reported?", "LTD reaches a robust accuracy of 58.19%."),
        ("What speed-up is reported on SQuAD?", "The pruned BERT is 2.4x faster on SQuAD."),
    ],
)
def test_a_slot_is_filled_by_its_acronym_singular_or_adjective(question, sentence):
    assert asked_slot(question).filled_by(sentence, question)


def test_a_missing_detail_is_named_in_the_readers_own_words():
    # the wh-phrase cut at a stop word ends inside a verb phrase ("dialect text went into the");
    # a message naming it so would read as broken, so the question's own clause is quoted
    slot = asked_slot("Which dialect text went into the pretraining mix of the Bavarian model?")
    assert slot is not None and slot.describe() == "answers “Which dialect text went into the pretraining mix of the Bavarian model”"
    long = asked_slot("For the model that uses adapters, how many GPUs did it need and what was the batch size "
                      "in the final pretraining stage of the whole run?")
    assert long is not None and long.describe().startswith("answers “how many GPUs did it need") and long.describe().endswith("…”")
    abbreviated = asked_slot("which SSM flavour, e.g. Mamba or S4, inherited the shared modules. Thanks")
    assert abbreviated is not None and abbreviated.describe() == "answers “which SSM flavour, e.g. Mamba or S4, inherited the shared modules”"
    typed = asked_slot("Gemma tokenizer vocabulary size")
    assert typed is not None and typed.describe() == "answers “Gemma tokenizer vocabulary size”"
