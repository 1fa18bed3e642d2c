"""The eval harness's support judge (eval/judge.py) on the shipped model: it tells a passage that
states a claim's finding from an unrelated one, and refuses a model that is not the trained one."""

from __future__ import annotations

import shutil

import pytest

from eval.judge import MODEL, JudgeError, SupportJudge

CLAIM = "Regular aspirin use reduces the risk of colorectal cancer."
SUPPORTING = (
    "We followed 47,000 adults for twenty years. "
    "Regular aspirin use was associated with a significantly lower incidence of colorectal cancer "
    "(hazard ratio 0.72). Adverse events were rare."
)
UNRELATED = (
    "Transformers rely on self-attention instead of recurrence. "
    "We evaluate the model on English-German machine translation benchmarks and report BLEU."
)


@pytest.fixture(scope="module")
def judge() -> SupportJudge:
    return SupportJudge()


def test_a_passage_stating_the_finding_supports_the_claim(judge):
    assert judge.supports(CLAIM, SUPPORTING)
    assert judge(CLAIM, SUPPORTING) is True
    # the best sentence decides: the finding alone scores as the whole passage does
    from rag.text import split_sentences

    each = judge.score_sentences(CLAIM, [s.text for s in split_sentences(SUPPORTING)])
    assert judge.score(CLAIM, SUPPORTING) == pytest.approx(float(each.max()), abs=1e-6)
    assert int(each.argmax()) == 1  # the finding, not the cohort or the safety sentence


def test_an_unrelated_passage_does_not(judge):
    assert not judge.supports(CLAIM, UNRELATED)
    assert judge.score(CLAIM, UNRELATED) < judge.threshold <= judge.score(CLAIM, SUPPORTING)
    assert judge.score(CLAIM, "") == 0.0 and not judge(CLAIM, "")


def test_a_tampered_or_missing_model_is_refused(tmp_path):
    for name in (MODEL.name, MODEL.name + ".sha256", "judge.json"):
        shutil.copy(MODEL.with_name(name), tmp_path / name)
    model = tmp_path / MODEL.name
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(JudgeError, match="does not match"):
        SupportJudge(model).score(CLAIM, SUPPORTING)
    model.unlink()
    with pytest.raises(JudgeError, match="missing"):
        SupportJudge(model).score(CLAIM, SUPPORTING)


def test_a_gate_on_its_citation_precision_fails_when_answers_cite_the_wrong_paper(judge):
    """The CI gates citation precision under this judge; an answer quoting paper A but citing
    paper B (a renumbering bug) must fall well below the gate, a faithful one stay above it."""
    from eval import metrics as m
    from rag.text import split_sentences
    from tests.test_grounding import SOURCES

    quoted = [(s.text, k) for k, src in enumerate(SOURCES) for s in split_sentences(src.abstract)]
    right = [(text, [SOURCES[k].abstract]) for text, k in quoted]
    wrong = [(text, [SOURCES[(k + 1) % len(SOURCES)].abstract]) for text, k in quoted]
    assert m.citation_precision(right, judge) >= 0.95
    assert m.citation_precision(wrong, judge) < 0.5
