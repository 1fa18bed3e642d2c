"""Mistyped question words read as meant (``rag.spelling``), against a small collection's words."""

from __future__ import annotations

from rag.spelling import Speller, edits

# papers writing each word, as the lexical index would count them
WRITTEN = {"transformer": 40, "model": 60, "module": 8, "parameters": 30, "tokens": 25,
           "pretraining": 20, "languages": 12, "schema": 3, "linking": 5, "mice": 9, "gaping": 2,
           "raping": 2, "rich": 4, "fibrates": 2}


def speller() -> Speller:
    return Speller(lambda w: WRITTEN.get(w, 0), lambda: 100)


def test_slips_are_read_as_the_collections_words():
    sp = speller()
    assert sp.correct("trasnformer w/ fewer paramters") == "transformer w/ fewer parameters"
    assert sp.correct("how many tokkens of prretraining text") == "how many tokens of pretraining text"
    assert sp.correct("which two langueges were covered") == "which two languages were covered"


def test_a_function_word_is_read_as_one():
    # "wich" is one slip from "which", "with" and "rich"; a letter left out is the likeliest slip
    assert speller().correct("wich paper adds schema linkng") == "which paper adds schema linking"
    assert speller().correct("Wich paper") == "Which paper"


def test_many_more_papers_outweigh_a_likelier_slip():
    # "modle": "module" is a letter left out, "model" two letters swapped and written 7x as often
    assert speller().correct("modle distillation") == "model distillation"


def test_words_english_has_stay_as_typed_whatever_the_collection_is_about():
    sp = speller()
    for text in ("rabies in children", "head lice treatment", "login flow", "vaping teens",
                 "recognising speech", "the centre of the tumour"):
        assert sp.correct(text) == text


def test_a_slip_no_hand_makes_is_never_a_candidate():
    assert "raping" not in edits("vaping")  # v and r are not neighbouring keys
    assert "transformer" in edits("trasnformer") and "tokens" in edits("tokkens")


def test_names_short_words_and_measures_are_left_alone():
    sp = speller()
    assert sp.correct("What did Minh et al. report?") == "What did Minh et al. report?"
    assert sp.correct("conv layers of 7b-modle") == "conv layers of 7b-modle"
    # a word nothing explains stays as typed (a topic the collection lacks stays absent)
    assert sp.correct("speaker diarizaton") == "speaker diarizaton"
