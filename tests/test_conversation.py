"""What a follow-up refers to (rag.conversation), on hand-made answers: pure logic, fast tier.
The same exchanges against the real index are in tests/test_retrieve_answer.py and the page's
in tests/test_ui_browser.py; the blind conversation set measures it (eval/conversations.jsonl)."""

from __future__ import annotations

import pytest

from eval.runner import as_reader_sees, repeated_previous
from rag.conversation import Turn, resolve, spelled_out, without_topic_change
from rag.question import profile
from rag.types import Answer, Citation, SentenceCheck, Source

PAPERS = {
    "dpot": ("DPOT: Auto-Regressive Denoising Operator Transformer", "DPOT trains a 0.5B model on 100k trajectories."),
    "pos": ("Poseidon: Efficient Foundation Models for PDEs", "Poseidon is evaluated on 15 downstream tasks."),
    "rasat": ("RASAT: Relational Structures for Text-to-SQL", "RASAT reaches 75.5% EX on Spider."),
}


def answer(question: str, ids: list[str], refused: bool = False) -> Answer:
    """An answer citing ``ids`` as [1], [2], … in that order (as grounding numbers them)."""
    sources = [Source(n=i, paper_id=p, title=PAPERS[p][0], abstract=PAPERS[p][1], chunk_id=f"{p}#0",
                      passage=PAPERS[p][1], score=1.0, relevance=0.5) for i, p in enumerate(ids, 1)]
    lines = [f"{PAPERS[p][0]} — {PAPERS[p][1]} [{i}]" for i, p in enumerate(ids, 1)]
    return Answer(
        question=question,
        text="\n".join(lines),
        refused=refused,
        sources=sources,
        citations=[] if refused else [Citation(n=i, paper_id=p, title=PAPERS[p][0], chunk_id=f"{p}#0", source_rank=i,
                                               sentence=PAPERS[p][1], span=(0, 1), score=1.0) for i, p in enumerate(ids, 1)],
        sentences=[SentenceCheck(text=t, citations=(i,), support=1.0, supported=True, claim=True)
                   for i, t in enumerate(lines, 1)],
    )


def turn(question: str, ids: list[str], refused: bool = False) -> Turn:
    return Turn(profile(question), answer(question, ids, refused))


LIST = turn("Which papers build foundation models for PDEs?", ["dpot", "pos"])
ONE = turn("Which paper adds relational structures to text-to-SQL?", ["rasat"])


def focus_of(question: str, *history: Turn):  # noqa: ANN201
    return resolve(profile(question), list(history))


@pytest.mark.parametrize(
    ("question", "papers", "cue"),
    [
        ("How large is the second one's model?", ["pos"], "position"),
        ("And the first one?", ["dpot"], "position"),
        ("What does the latter report?", ["pos"], "position"),
        ("What does [2] say about data?", ["pos"], "position"),
        ("How do both compare on data size?", ["dpot", "pos"], "all"),
        ("The one that is evaluated downstream - on how many tasks?", ["dpot", "pos"], "one-of"),
        ("Which of them uses the most data?", ["dpot", "pos"], "one-of"),
        ("Which one is bigger?", ["dpot", "pos"], "one-of"),
        ("Which one is evaluated downstream?", ["dpot", "pos"], "one-of"),
        ("For the one working on trajectories, what is its model size?", ["dpot", "pos"], "one-of"),
        ("What results do they report?", ["dpot", "pos"], "plural"),
        ("Did the other one put its code online?", ["pos"], "other"),  # the one the list did not lead with
        # a count of something else is not a position
        ("Which one observed that tuning mainly alters the last couple of layers?", ["dpot", "pos"], "one-of"),
        ("Which of them freezes the first two layers?", ["dpot", "pos"], "one-of"),
    ],
)
def test_a_follow_up_to_a_list(question: str, papers: list[str], cue: str):
    f = focus_of(question, LIST)
    assert (list(f.papers), f.cue) == (papers, cue)
    assert f.plural == (cue in ("all", "plural"))


@pytest.mark.parametrize(
    ("question", "papers", "cue"),
    [
        ("What results does it report?", ["rasat"], "pronoun"),
        ("And what about its accuracy on Spider?", ["rasat"], "pronoun"),
        ("How did the authors evaluate this model?", ["rasat"], "pronoun"),
        ("How much faster is inference?", ["rasat"], "ellipsis"),  # no subject of its own
        ("What GPU was that timing measured on?", ["rasat"], "pronoun"),  # "that" as a determiner
        ("Is there work that reaches 80% on Spider?", [], "seek"),  # a relative "that" points nowhere
        ("How many tokens was Llama 2 pretrained on?", [], "fresh"),  # names something else
        ("Which paper proposes LoRA?", [], "fresh"),  # asks for a paper
        ("What about diffusion models?", [], "seek"),
        ("Is there work on hiding a signal in generated text so it can be detected?", [], "seek"),
        ("Unrelated question: which method geolocates photos?", [], "seek"),
        ("On another topic, how are photos geolocated?", [], "seek"),
    ],
)
def test_a_follow_up_to_one_paper(question: str, papers: list[str], cue: str):
    f = focus_of(question, ONE)
    assert (list(f.papers), f.cue) == (papers, cue)


def test_positions_reach_back_to_the_last_list_and_refusals_are_skipped():
    # "the first one" after a one-paper answer means the list before it
    after_one = turn("How large is the second one's model?", ["pos"])
    assert focus_of("And the first one?", LIST, after_one).papers == ("dpot",)
    # a refused answer cited nothing: "it" reaches the answer before
    refused = turn("What GPU did it use?", ["rasat"], refused=True)
    assert focus_of("What results does it report?", ONE, refused).papers == ("rasat",)
    # nothing to refer to
    assert not focus_of("What results does it report?").refers
    assert focus_of("What results does it report?", refused).cue == "fresh"
    # no third paper in any list: not resolved to a wrong one
    assert focus_of("And the third one?", LIST).papers != ("pos",)


def test_the_other_one_is_the_paper_of_the_list_not_just_discussed():
    # "which of them …" picked Poseidon; "the other" is then DPOT, though the list led with it
    picked = turn("Which of them uses the most data?", ["pos"])
    other = focus_of("And the other: how large is its model?", LIST, picked)
    assert (other.papers, other.cue) == (("dpot",), "other")
    assert "reference [1]" in other.how
    picked = turn("Which of them is pretrained on fluid dynamics?", ["dpot"])
    assert focus_of("What fix does the other paper suggest?", LIST, picked).papers == ("pos",)
    assert focus_of("What did they report on the other one?", LIST, picked).papers == ("pos",)
    # not a reference to one paper: a turn of phrase, or a plural
    assert focus_of("On the other hand, is there work on weather?", LIST).cue == "seek"
    assert focus_of("What do the other papers report?", LIST).cue != "other"


def test_which_of_them_and_both_narrow_to_the_papers_that_fit():
    assert focus_of("Which of them is evaluated on downstream tasks?", LIST).limit == 1
    assert focus_of("Which one is bigger?", LIST).limit == 1  # not a search for "one"
    both = focus_of("Do both rely on the same data?", LIST)
    assert (both.papers, both.limit) == (("dpot", "pos"), 0)
    assert focus_of("What do all of them report?", LIST).limit == 0
    # a description may fit a paper the last answer retrieved but did not cite
    retrieved = Turn(profile("Which paper adds relational structures to text-to-SQL?"),
                     answer("Which paper adds relational structures to text-to-SQL?", ["rasat"]))
    retrieved.answer.sources.append(Source(n=2, paper_id="pos", title=PAPERS["pos"][0], abstract=PAPERS["pos"][1],
                                           chunk_id="pos#0", passage="", score=0.5, relevance=0.4))
    assert focus_of("The one about PDEs - how many tasks?", retrieved).papers == ("rasat", "pos")


def test_shown_sentences_travel_with_the_focus():
    f = focus_of("What results does it report?", ONE)
    assert f.shown == {PAPERS["rasat"][1]}


def test_the_pointer_is_spelled_out_with_the_papers_name():
    f = focus_of("How many tokens did it see, and what does its model do?", ONE)
    assert spelled_out("How many tokens did it see, and what does its model do?", f) == (
        "How many tokens did RASAT see, and what does its model do?")
    assert spelled_out("How large is the second one's model?", focus_of("How large is the second one's model?", LIST)) == (
        "How large is Poseidon's model?")
    both = focus_of("What do both report?", LIST)
    assert spelled_out("What do both report?", both) == "What do both report?"


def test_the_harness_asks_positions_as_a_reader_of_our_list_would():
    ours = answer("Which papers build foundation models for PDEs?", ["dpot", "pos"])
    # the set's writer listed Poseidon first; our answer lists it second
    assert as_reader_sees("And the first one?", [PAPERS["pos"][0]], [ours]) == "And the second one?"
    assert as_reader_sees("And the first one?", [PAPERS["dpot"][0]], [ours]) == "And the first one?"
    assert as_reader_sees("And the first one?", [PAPERS["rasat"][0]], [ours]) == "And the first one?"
    assert as_reader_sees("What does it report?", [PAPERS["pos"][0]], [ours]) == "What does it report?"
    # a count of something else is no position to renumber
    assert as_reader_sees("Which of them freezes the first two layers?", [PAPERS["pos"][0]], [ours]) == (
        "Which of them freezes the first two layers?")


def test_repeating_the_previous_answer_is_measured():
    before = answer("q", ["dpot", "pos"])
    assert repeated_previous(answer("q", ["pos"]), before) == 1.0  # all of it was said before
    assert repeated_previous(answer("q", ["rasat"]), before) == 0.0
    assert repeated_previous(answer("q", ["pos", "rasat"]), before) == 1.0  # half is enough
    assert repeated_previous(answer("q", ["pos"], refused=True), before) == 0.0


def test_both_after_a_longer_list_means_the_two_it_led_with():
    # the answer lists its most relevant papers first; "both" is the two a reader saw at the top,
    # not whichever two read best for the follow-up's words (RASAT states a figure; it is third)
    three = turn("Which papers build foundation models for PDEs?", ["dpot", "pos", "rasat"])
    f = focus_of("How many parameters do both models have?", three)
    assert (f.papers, f.plural, f.limit) == (("dpot", "pos"), True, 0)
    assert "[1] and [2]" in f.how
    assert focus_of("What do all of them report?", three).papers == ("dpot", "pos", "rasat")


def test_both_after_two_one_paper_answers_means_those_two_papers():
    # "Which paper models passwords …?" → one paper; "Different topic: is there work on …?" →
    # another; "In both cases, what did fine-tuning buy them?" asks about the two, not the last
    first = turn("Which paper adds relational structures to text-to-SQL?", ["rasat"])
    second = turn("Different topic: is there a foundation model for PDEs?", ["pos"])
    f = focus_of("In both cases, what did the fine-tuning stage buy them?", first, second)
    assert (f.papers, f.plural) == (("pos", "rasat"), True)
    assert set(f.titles) == {PAPERS["pos"][0], PAPERS["rasat"][0]} and "last two answers" in f.how
    # a list, then one of it picked: "both" is the picked paper and the list's lead
    picked = turn("Which of them is evaluated downstream?", ["pos"])
    assert focus_of("Did both release their code?", LIST, picked).papers == ("pos", "dpot")


@pytest.mark.parametrize(
    ("question", "rest"),
    [
        ("Switching gears: is there work on watermarking?", "Is there work on watermarking?"),
        ("Unrelated question: which method geolocates photos?", "Which method geolocates photos?"),
        ("On another topic, what about diffusion models?", "What about diffusion models?"),
        ("Different angle — is there work on X?", "Is there work on X?"),
        ("And the first one: what does it report?", "And the first one: what does it report?"),
        ("Is there work on switching gears in cars?", "Is there work on switching gears in cars?"),
        ("Unrelated: x", "Unrelated: x"),  # nothing would be left
    ],
)
def test_a_spoken_topic_change_is_not_searched_for(question: str, rest: str):
    assert without_topic_change(question) == rest
