"""The evidence decision: one calibrated verdict (answer / weak, shown labelled / refuse) for
every path, and answers composed by the kind of question."""

from __future__ import annotations

import pytest

from rag import Engine
from rag.answer.extractive import compose
from rag.coverage import Coverage, SoftCoverage
from rag.evidence import decide
from rag.question import profile
from rag.reader import Scored
from rag.settings import AnswerSettings, EvidenceSettings
from rag.types import Retrieval, Source
from tests.fakes import HashEmbedder

FREEZENET = "FreezeNet: Full Performance by Reduced Storage Costs"


def src(n: int, title: str, abstract: str, relevance: float = 0.6) -> Source:
    return Source(n=n, paper_id=f"p{n}", title=title, abstract=abstract, chunk_id=f"p{n}#0",
                  passage=abstract, score=1.0 / n, relevance=relevance)


def sentences_of(sources: list[Source], scores: dict[str, float]) -> list[Scored]:
    out = [Scored(scores.get(s, 0.1), x.n, s) for x in sources for s in x.abstract.split(" | ")]
    return sorted(out, key=lambda s: s.score, reverse=True)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which papers pretrain GPT-style models for Arabic?", "multi-paper"),
        ("Is there anything on surgical feedback in the operating room?", "multi-paper"),
        ("Which paper cuts padding waste in BERT batches?", "which-paper"),
        ("I remember a tiny transformer that fixes dark photos. What's it called?", "which-paper"),
        ("How many photos does the cattle dataset contain?", "factoid"),
        ("Why does warm-up help continual pretraining?", "open"),
    ],
)
def test_the_question_is_read_once_into_its_kind(question, kind):
    assert profile(question).kind == kind


def test_a_paper_is_named_by_the_head_of_its_title():
    from rag.evidence import paper_name, subject_source

    assert paper_name("Llama 2: Open Foundation and Fine-Tuned Chat Models") == ("llama", "2")
    assert paper_name("Demystifying CLIP Data") == ()
    gemma = src(2, "Gemma: Open Models Based on Gemini Research", "We release Gemma models.")
    other = src(1, "360Zhinao Technical Report", "Trained on 3.4T tokens.")
    q = profile("How many tokens was the 7B Gemma model trained on?")
    assert subject_source(q, [other, gemma]) is gemma
    assert subject_source(profile("How many tokens do 7B models need?"), [other, gemma]) is None


@pytest.mark.parametrize(
    ("question", "context"),
    [
        # a family the top paper writes with its version ("YOLOv8"), another paper without
        ("How many pictures are in the barn cattle set used to test YOLO detectors?", "YOLO detectors run in real time."),
        # an acronym that is an ordinary word in lower case
        ("How many cattle photos were taken on US farms?", "Let us describe fast detectors."),
    ],
)
def test_a_name_is_found_as_a_name(question: str, context: str):
    """The paper a question names is the one that writes the name as a name: "YOLO" in its
    "YOLOv8", not a lower-ranked paper's "YOLO"; the pronoun "us" is not "US". The answer leads
    with the paper asked about and its figure."""
    colo = src(1, "COLO: A Barn Dataset for Localizing Cows",
               "We release the COLO dataset of 1254 images of cows. | We test YOLOv8 and YOLOv9 models.")
    other = src(2, "Fast Detectors Revisited", f"{context} | It reaches 51 AP at 30 frames per second.")
    sents = sentences_of([colo, other], {"We release the COLO dataset of 1254 images of cows.": 0.7,
                                         "It reaches 51 AP at 30 frames per second.": 0.6})
    q = profile(question)
    ev = decide(q, Retrieval("q", [colo, other], top_relevance=0.6, coverage=0.5), sents, EvidenceSettings())
    assert ev.subject in (None, 1)
    draft = compose(q, ev, [colo, other], AnswerSettings())
    assert draft.text.startswith("COLO: A Barn Dataset for Localizing Cows — We release the COLO dataset of 1254 images")


def test_a_model_size_after_a_papers_name_still_names_it():
    from rag.evidence import subject_source

    other = src(1, "Scaling Laws Revisited", "Compared with Qwen-7B, ours is better.")
    opt = src(2, "OPT: Open Pre-trained Transformers", "We train a 175B model.")
    assert subject_source(profile("How many GPUs trained OPT-175B?"), [other, opt]) is opt


def test_the_verdict_follows_the_calibrated_confidence():
    s = EvidenceSettings(weights={"relevance": 10.0, "reading": 0.0, "coverage": 0.0,
                                  "names_missing": 0.0, "slot_missing": 0.0},
                         bias=-5.0, answer_at=0.7, weak_at=0.3)
    papers = [src(1, "A", "Sentence one about topic.")]
    sents = sentences_of(papers, {"Sentence one about topic.": 0.9})
    q = profile("Why is the topic interesting?")
    verdicts = [decide(q, Retrieval("q", papers, top_relevance=r), sents, s) for r in (0.2, 0.5, 0.8)]
    assert [v.verdict for v in verdicts] == ["refuse", "weak", "answer"]
    assert [v.confidence for v in verdicts] == sorted(v.confidence for v in verdicts)
    assert verdicts[0].reason.startswith("The collection does not seem to cover this question")
    assert verdicts[1].reason.startswith("Weak evidence:")
    assert verdicts[2].reason == ""


def test_soft_coverage_weighs_each_question_word_by_its_rarity():
    idf = {"sarcasm": 5.0, "tweets": 4.0, "detect": 1.0}
    soft = SoftCoverage(HashEmbedder(), lambda words: {w: idf.get(w, 1.0) for w in words})
    q = "Which paper can detect sarcasm in tweets?"
    full = soft.read(q, "We detect sarcasm in tweets with a small model.")
    assert full.score == pytest.approx(1.0) and full.uncovered == ()
    rare_missing = soft.read(q, "We detect irony in tweets.")  # sarcasm (5 of 10) has no match
    common_missing = soft.read(q, "Sarcasm in tweets, found.")  # detect (1 of 10) has none
    assert rare_missing.score == pytest.approx(0.5, abs=0.01) and rare_missing.uncovered == ("sarcasm",)
    assert common_missing.score == pytest.approx(0.9, abs=0.01) and common_missing.uncovered == ("detect",)
    assert soft.read(q, "").score == 0.0 and soft.read("Which one?", "Any text.").score == 0.0


def test_a_question_the_top_paper_does_not_cover_is_refused_where_a_covered_one_is_answered():
    # the shipped decision: the same best sentence, read against how much of the question the
    # top paper covers (the soft coverage carries about as much weight as the similarity)
    papers = [src(1, "A", "Sentence one about topic.")]
    sents = [Scored(0.5, 1, "Sentence one about topic.", similar=0.5)]
    q = profile("Which paper studies the topic?")
    low, high = (decide(q, Retrieval("q", papers, top_relevance=0.5), sents, EvidenceSettings(),
                        soft=Coverage(c, ("topic",) if c < 0.5 else ())) for c in (0.2, 0.6))
    assert low.verdict == "refuse" and high.verdict != "refuse"
    assert low.confidence < high.confidence
    assert "nothing in the closest paper, “A”, is about “topic”" in low.reason  # what it lacks, named
    weak = decide(q, Retrieval("q", papers, top_relevance=0.5), sents, EvidenceSettings(),
                  soft=Coverage(0.39, ("topic",)))
    assert weak.verdict == "weak" and "“topic”" not in weak.reason  # named on a refusal only
    off = EvidenceSettings(use_soft_coverage=False)  # the ablation switch drops the feature
    assert decide(q, Retrieval("q", papers, top_relevance=0.5), sents, off, soft=Coverage(0.6)).confidence == \
        decide(q, Retrieval("q", papers, top_relevance=0.5), sents, off, soft=Coverage(0.25)).confidence


def test_a_named_paper_is_never_answered_with_another_papers_figure():
    """The question names OPT-175B; only GLM-130B's abstract states a GPU count. The slot is
    missing for the paper asked about, so the answer quotes OPT's own sentences, never 8 GPUs."""
    q = profile("How many A100 GPUs were used to train OPT-175B?")
    opt = src(1, "OPT: Open Pre-trained Transformers",
              "We train OPT-175B and describe the cost of training it. | OPT-175B matches GPT-3.")
    glm = src(2, "GLM-130B", "GLM-130B outperforms OPT-175B on many benchmarks. | It runs inference on 8 A100 GPUs.")
    sents = sentences_of([opt, glm], {"It runs inference on 8 A100 GPUs.": 0.95,
                                      "We train OPT-175B and describe the cost of training it.": 0.6})
    ev = decide(q, Retrieval("q", [opt, glm], top_relevance=0.6, coverage=0.5), sents, EvidenceSettings())
    assert ev.subject == 1 and ev.features["slot_missing"] == 1.0 and ev.slot_filler is None
    draft = compose(q, ev, [opt, glm], AnswerSettings())
    assert "8 A100" not in draft.text and "[2]" not in draft.text
    assert draft.text.startswith("OPT: Open Pre-trained Transformers — ")
    if ev.verdict != "answer":
        assert "clearly answers “How many A100 GPUs were used to train OPT-175B”" in ev.reason


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("What was its best accuracy, and from which classifier?", ("What was its best accuracy", "which classifier?")),
        ("Which languages does it span, and does pooling them help?",
         ("Which languages does it span", "does pooling them help?")),
        ("Which papers train tokenizers and embeddings jointly?", ()),
        ("In DeepFool, how much smaller are the perturbations than FGSM's?", ()),  # a lead-in asks nothing
    ],
)
def test_a_compound_question_is_read_into_its_parts(question, parts):
    assert profile(question).parts == parts


def test_a_compound_factoid_quotes_the_best_sentence_for_each_part():
    # the whole question reads closest to the two sentences about accuracy; the classifier
    # that reached it is stated in a third, which the second part reads best
    q = profile("What was its best accuracy, and from which classifier?", kind="factoid")
    paper = src(1, "Injection detection", "We embed prompts with multilingual BERT. | Accuracy matters for "
                "detectors. | Logistic regression was the strongest classifier.")
    sents = [Scored(0.8, 1, "Accuracy matters for detectors.", parts=(0.8, 0.2)),
             Scored(0.7, 1, "We embed prompts with multilingual BERT.", parts=(0.4, 0.3)),
             Scored(0.5, 1, "Logistic regression was the strongest classifier.", parts=(0.3, 0.9))]
    ev = decide(q, Retrieval("q", [paper], top_relevance=0.7, coverage=0.6), sents, EvidenceSettings())
    text = compose(q, ev, [paper], AnswerSettings()).text
    assert "Logistic regression was the strongest classifier." in text
    assert "Logistic regression" not in compose(q, ev, [paper], AnswerSettings(each_part=False)).text


def test_a_detail_its_paper_does_not_state_is_never_a_plain_answer():
    # the Llama 2 case: the paper is found and reads well, but no sentence states tokens
    q = profile("How many tokens was Llama 2 pretrained on?")
    llama = src(1, "Llama 2: Open Foundation and Fine-Tuned Chat Models",
                "We release Llama 2, models from 7 billion to 70 billion parameters. | Llama 2-Chat is safer.",
                relevance=0.8)
    sents = [Scored(0.9, 1, "We release Llama 2, models from 7 billion to 70 billion parameters.", similar=0.9),
             Scored(0.7, 1, "Llama 2-Chat is safer.", similar=0.7)]
    covers = Coverage(0.7)  # the paper covers what the question asks about
    ev = decide(q, Retrieval("q", [llama], top_relevance=0.8, coverage=0.8), sents, EvidenceSettings(),
                soft=covers)
    assert ev.features["slot_missing"] == 1.0 and ev.confidence >= EvidenceSettings().answer_at
    assert ev.verdict == "weak" and "clearly answers “How many tokens was Llama 2 pretrained on”" in ev.reason
    uncapped = decide(q, Retrieval("q", [llama], top_relevance=0.8, coverage=0.8), sents,
                      EvidenceSettings(slot_caps_answer=False), soft=covers)
    assert uncapped.verdict == "answer"  # the cap, not the confidence, is what labels it
    stated = [Scored(0.9, 1, "Llama 2 was pretrained on 1.4 trillion tokens.", similar=0.9)]
    assert decide(q, Retrieval("q", [llama], top_relevance=0.8, coverage=0.8), stated,
                  EvidenceSettings(), soft=covers).verdict == "answer"


def test_a_multi_paper_question_lists_every_paper_that_reads_well():
    q = profile("Which papers pretrain language models for Arabic?")
    papers = [src(i, f"Paper {i}", f"Finding {i} about Arabic. | Other detail {i}.") for i in range(1, 6)]
    scores = {"Finding 1 about Arabic.": 0.9, "Finding 2 about Arabic.": 0.8, "Finding 3 about Arabic.": 0.7,
              "Finding 4 about Arabic.": 0.2}
    ev = decide(q, Retrieval("q", papers, top_relevance=0.7, coverage=0.6), sentences_of(papers, scores),
                EvidenceSettings())
    draft = compose(q, ev, papers, AnswerSettings())
    assert [line.split(" — ")[0] for line in draft.text.splitlines()] == ["Paper 1", "Paper 2", "Paper 3"]


def test_a_multi_paper_list_follows_the_retrieval_ranking_not_one_sentences_score():
    # paper 3's best sentence reads best, but the retriever, which read whole abstracts, ranked
    # it third: the list (and so reference [1], "the first one") starts with paper 1
    q = profile("Which papers pretrain language models for Arabic?")
    papers = [src(i, f"Paper {i}", f"Finding {i} about Arabic. | Other detail {i}.") for i in range(1, 4)]
    scores = {"Finding 1 about Arabic.": 0.7, "Finding 2 about Arabic.": 0.6, "Finding 3 about Arabic.": 0.9}
    ev = decide(q, Retrieval("q", papers, top_relevance=0.7, coverage=0.6), sentences_of(papers, scores),
                EvidenceSettings())
    heads = {order: [line.split(" — ")[0] for line in compose(q, ev, papers, AnswerSettings(list_order=order))
                     .text.splitlines()] for order in ("retrieval", "reading")}
    assert heads["retrieval"] == ["Paper 1", "Paper 2", "Paper 3"]
    assert heads["reading"] == ["Paper 3", "Paper 1", "Paper 2"]  # the order before, for the ablation


def test_a_which_paper_answer_quotes_the_name_the_paper_gives_its_contribution():
    # the sentences that read best describe the contest; the name is in two others
    q = profile("Which paper organises a contest where update rules race to a target on identical machines?")
    abstract = ("Training algorithms race to a quality target on fixed hardware. | The contest settles which "
                "update rule is faster. | We call the benchmark AlgoPerf and release it. | AlgoPerf has eight "
                "workloads. | Adam variants did well.")
    scores = {"Training algorithms race to a quality target on fixed hardware.": 0.9,
              "The contest settles which update rule is faster.": 0.8, "Adam variants did well.": 0.5,
              "We call the benchmark AlgoPerf and release it.": 0.3, "AlgoPerf has eight workloads.": 0.2}

    def answer(title: str, **settings: object) -> str:
        papers = [src(1, title, abstract), src(2, "Other", "Unrelated words here.")]
        ev = decide(q, Retrieval("q", papers, top_relevance=0.7, coverage=0.6), sentences_of(papers, scores),
                    EvidenceSettings())
        return compose(q, ev, papers, AnswerSettings(**settings)).text

    named = answer("Benchmarking Neural Network Training Algorithms")
    assert "We call the benchmark AlgoPerf" in named and "eight workloads" not in named  # one sentence, the best
    assert "AlgoPerf" not in answer("Benchmarking Neural Network Training Algorithms", which_paper_name=False)
    titled = answer("AlgoPerf: a benchmark")  # the title names it already: no sentence added for it
    assert "We call the benchmark" not in titled and "eight workloads" not in titled


def test_a_multi_paper_answer_quotes_what_each_paper_calls_its_method():
    # paper 1's best sentence describes the detector without its name; paper 2's line names it
    q = profile("Which papers tell machine-written text apart without training a classifier?")
    one = src(1, "Detecting machine text by local entropy",
              "Detectors score text with a language model. | We propose EntroDetect, a training-free detector. "
              "| EntroDetect beats six baselines. | It runs fast.")
    two = src(2, "Zero-shot detection with curvature", "DetectGPT uses the curvature of the log probability. "
              "| DetectGPT needs no training.")
    scores = {"Detectors score text with a language model.": 0.9, "It runs fast.": 0.5,
              "We propose EntroDetect, a training-free detector.": 0.4, "EntroDetect beats six baselines.": 0.3,
              "DetectGPT uses the curvature of the log probability.": 0.8, "DetectGPT needs no training.": 0.2}
    ev = decide(q, Retrieval("q", [one, two], top_relevance=0.7, coverage=0.6), sentences_of([one, two], scores),
                EvidenceSettings())
    lines = compose(q, ev, [one, two], AnswerSettings()).text.splitlines()
    assert lines == ["Detecting machine text by local entropy — Detectors score text with a language model. [1]",
                     "We propose EntroDetect, a training-free detector. [1]",  # its best sentence writing the name
                     "Zero-shot detection with curvature — DetectGPT uses the curvature of the log probability. [2]"]
    assert "EntroDetect" not in compose(q, ev, [one, two], AnswerSettings(multi_paper_name=False)).text


def test_a_follow_up_about_both_papers_says_something_new_about_each():
    # the conversation already quoted paper 1's best sentence: its line is its next best
    q = profile("What did fine-tuning buy them in both cases?", kind="multi-paper")
    papers = [src(1, "Music", "We pretrain on 1.5 million songs. | Fine-tuning adds genre control."),
              src(2, "PassTSL", "We model passwords. | Fine-tuning on 0.1% more data helps.")]
    scores = {"We pretrain on 1.5 million songs.": 0.9, "Fine-tuning adds genre control.": 0.6,
              "We model passwords.": 0.5, "Fine-tuning on 0.1% more data helps.": 0.4}
    ev = decide(q, Retrieval("q", papers, top_relevance=0.7, coverage=0.6), sentences_of(papers, scores),
                EvidenceSettings())
    first = compose(q, ev, papers, AnswerSettings(multi_floor=0.0)).text
    assert "1.5 million songs" in first and "We model passwords" in first
    again = compose(q, ev, papers, AnswerSettings(multi_floor=0.0),
                    shown=frozenset({"We pretrain on 1.5 million songs.", "We model passwords."})).text
    assert [line.split(" — ")[0] for line in again.splitlines()] == ["Music", "PassTSL"]
    assert "genre control" in again and "0.1% more data" in again


def test_a_follow_up_quotes_again_the_sentence_an_earlier_answer_quoted_when_it_answers_it():
    # "And what happened after training it with RL?": the sentence stating it was quoted by an
    # earlier answer; asked for now, it is quoted again, and the rest of the answer is new
    q = profile("And what happened after training it with RL?", kind="factoid")
    paper = src(1, "Alignment faking", "We give the model a system prompt. | RL training raises alignment faking to 78%. "
                "| We did not instruct the model to fake alignment. | We study a realistic setting. | The model copies its weights.")
    scores = {"We give the model a system prompt.": 0.9, "RL training raises alignment faking to 78%.": 0.8,
              "We did not instruct the model to fake alignment.": 0.7, "We study a realistic setting.": 0.6,
              "The model copies its weights.": 0.5}
    ev = decide(q, Retrieval("q", [paper], top_relevance=0.7, coverage=0.6), sentences_of([paper], scores),
                EvidenceSettings())
    before = frozenset({"RL training raises alignment faking to 78%.", "We study a realistic setting."})
    follow_up = AnswerSettings(per_source=3)
    lines = compose(q, ev, [paper], follow_up, shown=before).text.splitlines()
    assert "78%" in lines[1] and len(lines) == 4  # and two new ones
    assert "realistic setting" not in " ".join(lines)  # only one sentence quoted before comes back
    assert "78%" not in compose(q, ev, [paper], follow_up.model_copy(update={"follow_up_requote": 0}), shown=before).text
    # a lead quoted before already repeats one: nothing more comes back
    led = frozenset({"We give the model a system prompt.", "RL training raises alignment faking to 78%."})
    again = compose(q, ev, [paper], follow_up, shown=led).text
    assert "system prompt" in again and "78%" not in again


def test_a_follow_up_about_both_papers_quotes_two_sentences_of_each():
    # "Did both release their models, and where?": each paper's second sentence may be the one
    # stating it, so a follow-up about several papers quotes two of each; a first question, one
    q = profile("Did both make their models available, and where?", kind="multi-paper")
    papers = [src(1, "Prithvi", "Foundation models matter for Earth science. | The 100M model is released on Hugging Face. "
                  "| It beats a GAN."),
              src(2, "SSL4EO", "We release models at github.com/zhu-xlab. | Most EO pretraining uses ImageNet. | It excels.")]
    scores = {"Foundation models matter for Earth science.": 0.9, "The 100M model is released on Hugging Face.": 0.6,
              "It beats a GAN.": 0.5, "We release models at github.com/zhu-xlab.": 0.8,
              "Most EO pretraining uses ImageNet.": 0.4, "It excels.": 0.3}
    ev = decide(q, Retrieval("q", papers, top_relevance=0.7, coverage=0.6), sentences_of(papers, scores),
                EvidenceSettings())
    follow_up = AnswerSettings(multi_floor=0.0, multi_per_paper=2)
    text = compose(q, ev, papers, follow_up, shown=frozenset({"It excels."})).text
    assert "Hugging Face" in text and "zhu-xlab" in text and len(text.splitlines()) == 4
    assert "It beats a GAN" not in text and "It excels" not in text
    first = compose(q, ev, papers, AnswerSettings(multi_floor=0.0)).text
    assert "Hugging Face" not in first and len(first.splitlines()) == 2


def test_a_multi_paper_question_asking_a_figure_quotes_each_papers_sentence_stating_it():
    # "how many parameters do both have": each paper's line is the sentence that states its
    # parameter count, not the sentence that reads closest to the question as a whole
    q = profile("How many parameters do the models of these papers have?", kind="multi-paper")
    llama = src(1, "Llama", "We release Llama models and their parameters. | Llama ranges from 7B to 70B parameters.")
    cpm = src(2, "CPM", "The code and parameters are available online. | CPM has 2.6 billion parameters.")
    scores = {"We release Llama models and their parameters.": 0.9, "The code and parameters are available online.": 0.8,
              "Llama ranges from 7B to 70B parameters.": 0.5, "CPM has 2.6 billion parameters.": 0.4}
    ev = decide(q, Retrieval("q", [llama, cpm], top_relevance=0.7, coverage=0.6), sentences_of([llama, cpm], scores),
                EvidenceSettings())
    lines = compose(q, ev, [llama, cpm], AnswerSettings()).text.splitlines()
    assert lines == ["Llama — Llama ranges from 7B to 70B parameters. [1]", "CPM — CPM has 2.6 billion parameters. [2]"]
    assert ev.features["slot_missing"] == 0.0  # the decision reads the slot for factoids only


def test_a_quantity_question_quotes_the_papers_figure_when_no_sentence_names_the_slot():
    # the COLO case, paraphrased: "photos" is asked, the abstract counts "images"; the word
    # check finds no slot filler, and numbered hypotheses "(1) … (2) …" are not a figure
    q = profile("How many photos does the indoor cattle collection contain?")
    colo = src(1, "COLO dataset", "We study cow detection in barns with YOLO. | We test three hypotheses: (1) lighting "
               "matters; (2) bigger models generalise. | Side views are hard. | We release COLO with 1254 images.")
    other = src(2, "YOLOE", "YOLOE detects anything in real time.")
    scores = {"We study cow detection in barns with YOLO.": 0.9, "We test three hypotheses: (1) lighting matters; "
              "(2) bigger models generalise.": 0.8, "Side views are hard.": 0.7, "We release COLO with 1254 images.": 0.3}
    ev = decide(q, Retrieval("q", [colo, other], top_relevance=0.6, coverage=0.5), sentences_of([colo, other], scores),
                EvidenceSettings())
    assert ev.slot_filler is None and ev.papers[0] == 1
    lines = compose(q, ev, [colo, other], AnswerSettings()).text.splitlines()
    assert lines[0].startswith("COLO dataset — We study cow detection") and "1254 images" in lines[1]
    assert "1254" not in compose(q, ev, [colo, other], AnswerSettings(factoid_figure="")).text
    third = compose(q, ev, [colo, other], AnswerSettings(factoid_figure="third")).text.splitlines()
    assert "1254 images" in third[2] and "(1) lighting" in third[1]


def test_a_factoid_naming_no_paper_also_shows_the_runner_up_papers_figure_under_its_own_title():
    # two abstracts read alike for a paraphrased factoid and each states a model size: the lead
    # is a guess, so the runner-up's sentence stating the slot is shown too, named by its title
    q = profile("How many parameters does the small Llama distilled from two teachers have?")
    genba = src(1, "Llama-GENBA-10B", "Llama-GENBA-10B is a trilingual model. | It has 10B parameters.")
    baby = src(2, "BabyLlama-2", "BabyLlama-2 has 345 million parameters, distilled from two teachers. | It wins.")
    scores = {"Llama-GENBA-10B is a trilingual model.": 0.7, "It has 10B parameters.": 0.65,
              "BabyLlama-2 has 345 million parameters, distilled from two teachers.": 0.5}
    ev = decide(q, Retrieval("q", [genba, baby], top_relevance=0.6, coverage=0.6), sentences_of([genba, baby], scores),
                EvidenceSettings())
    assert ev.subject is None and ev.papers[0] == 1
    lines = compose(q, ev, [genba, baby], AnswerSettings()).text.splitlines()
    assert lines[0].startswith("Llama-GENBA-10B — ")
    assert lines[-1] == "BabyLlama-2 — BabyLlama-2 has 345 million parameters, distilled from two teachers. [2]"
    assert "[2]" not in compose(q, ev, [genba, baby], AnswerSettings(factoid_runner_up="")).text
    # a question that calls its paper by the name the abstract keeps using shows no runner-up
    q = profile("How many parameters does SnowLM have?")
    snow = src(1, "A small model for the snow", "SnowLM is small. | SnowLM has 10B parameters.")
    ev = decide(q, Retrieval("q", [snow, baby], top_relevance=0.6, coverage=0.6), sentences_of([snow, baby], {}),
                EvidenceSettings())
    assert "[2]" not in compose(q, ev, [snow, baby], AnswerSettings()).text


def test_a_name_many_abstracts_write_does_not_say_which_paper_a_factoid_is_about():
    # "YouTube" is written by the second paper only, as a source of its comparison clips: the
    # question is about the top-ranked paper, which says "online videos". The answer quotes the
    # top paper's game; the earlier rule (subject_by "mention") answered from the paper that
    # writes "YouTube", as the blind dev splits showed it doing (README, stop 43)
    q = profile("From which video game did the team take YouTube-style play footage to pretrain an acting policy?")
    vpt = src(1, "Video PreTraining: Learning to Act by Watching Unlabeled Online Videos",
              "We pretrain an agent on unlabeled online videos of Minecraft play. | It then crafts diamond tools.")
    hvm = src(2, "HVM-1: Large-scale video models", "We compare with clips from YouTube (Kinetics-700). | "
              "We pretrain on egocentric video.")
    scores = {"We pretrain an agent on unlabeled online videos of Minecraft play.": 0.60,
              "We compare with clips from YouTube (Kinetics-700).": 0.62}
    sents = sentences_of([vpt, hvm], scores)
    retrieval = Retrieval("q", [vpt, hvm], top_relevance=0.6, coverage=0.6)
    ev = decide(q, retrieval, sents, EvidenceSettings())
    assert ev.subject is None and ev.papers[0] == 1
    first = compose(q, ev, [vpt, hvm], AnswerSettings()).text.splitlines()[0]
    assert first.startswith("Video PreTraining") and "Minecraft" in first
    old = decide(q, retrieval, sents, EvidenceSettings(subject_by="mention"))
    assert old.subject == 2
    assert compose(q, old, [vpt, hvm], AnswerSettings()).text.startswith("HVM-1")


def test_a_paper_called_by_its_own_name_is_the_subject_unless_others_write_that_name_too():
    # "SnowLM" is the name the second paper keeps using: the question is about it, even below
    # a paper that reads better. "LM" is written by both: it names neither
    snow = src(2, "A small model for the snow", "SnowLM is small. | SnowLM has 10B parameters. | It is an LM.")
    other = src(1, "Scaling laws for an LM", "Our LM has 7B parameters. | We scale LMs.")
    scores = {"Our LM has 7B parameters.": 0.8, "SnowLM has 10B parameters.": 0.5, "It is an LM.": 0.4}
    for question, subject in (("How many parameters does SnowLM have?", 2), ("How many parameters does the LM have?", None)):
        q = profile(question)
        ev = decide(q, Retrieval("q", [other, snow], top_relevance=0.6, coverage=0.6),
                    sentences_of([other, snow], scores), EvidenceSettings())
        assert ev.subject == subject
        first = compose(q, ev, [other, snow], AnswerSettings()).text.splitlines()[0]
        assert ("10B parameters" if subject else "7B parameters") in first


@pytest.mark.parametrize("kind", ["which-paper", "factoid"])
def test_the_answer_leads_with_the_retrieved_paper_unless_another_reads_clearly_better(kind: str):
    # a sentence of the third-ranked paper reads a little better than the top paper's best one:
    # the ranking saw the whole abstract, so the top paper leads; a clear margin still wins
    q = profile("Which work trains a passage retriever without labelled pairs?", kind=kind)
    papers = [src(1, "ART", "ART trains a retriever from questions alone. | It needs no labelled pairs."),
              src(2, "Other", "A second detail. | More."),
              src(3, "DPR", "Dense passage retrieval uses labelled pairs. | It trains a retriever.")]
    close = {"ART trains a retriever from questions alone.": 0.60, "Dense passage retrieval uses labelled pairs.": 0.64}
    ev = decide(q, Retrieval("q", papers, top_relevance=0.6, coverage=0.6), sentences_of(papers, close), EvidenceSettings())
    assert ev.papers[0] == 1
    assert compose(q, ev, papers, AnswerSettings()).text.startswith("ART — ART trains a retriever")
    reading_only = EvidenceSettings(rank_step=0.0)
    ev = decide(q, Retrieval("q", papers, top_relevance=0.6, coverage=0.6), sentences_of(papers, close), reading_only)
    assert compose(q, ev, papers, AnswerSettings()).text.startswith("DPR — ")
    clear = {**close, "Dense passage retrieval uses labelled pairs.": 0.75}
    ev = decide(q, Retrieval("q", papers, top_relevance=0.6, coverage=0.6), sentences_of(papers, clear), EvidenceSettings())
    assert compose(q, ev, papers, AnswerSettings()).text.startswith("DPR — ")


@pytest.mark.parametrize("kind", ["which-paper", "factoid"])
def test_the_answer_leads_with_the_paper_that_covers_the_question_when_the_reading_is_close(kind: str):
    # the second paper's best sentence reads a little worse than the top paper's, but its
    # abstract covers the question (soft coverage 0.8 against 0.4): it leads; without coverage
    # (``lead_coverage`` 0, or none measured) the top paper does, as before
    q = profile("Which work trains a passage retriever without labelled pairs?", kind=kind)
    papers = [src(1, "DPR", "Dense passage retrieval uses labelled pairs. | It trains a retriever."),
              src(2, "ART", "ART trains a retriever from questions alone. | It needs no labelled pairs.")]
    close = {"Dense passage retrieval uses labelled pairs.": 0.64, "ART trains a retriever from questions alone.": 0.62}
    r = Retrieval("q", papers, top_relevance=0.6, coverage=0.6)
    covered = {1: 0.4, 2: 0.8}
    ev = decide(q, r, sentences_of(papers, close), EvidenceSettings(), covered=covered)
    assert ev.papers[0] == 2 and compose(q, ev, papers, AnswerSettings()).text.startswith("ART — ")
    for settings, cov in ((EvidenceSettings(lead_coverage=0.0), covered), (EvidenceSettings(), None)):
        ev = decide(q, r, sentences_of(papers, close), settings, covered=cov)
        assert ev.papers[0] == 1 and compose(q, ev, papers, AnswerSettings()).text.startswith("DPR — ")
    far = {**close, "Dense passage retrieval uses labelled pairs.": 0.95}  # reading far apart, coverage close
    assert decide(q, r, sentences_of(papers, far), EvidenceSettings(), covered={1: 0.7, 2: 0.8}).papers[0] == 1


def test_the_lead_reads_the_coverage_of_the_top_papers_only_when_it_chooses_one(engine: Engine):
    which = "Which work keeps most weights frozen at their random values and only trains a handful?"
    asked = profile(which)
    r = engine.retriever.retrieve(which)
    covered = engine.lead_coverage(asked, r)
    assert list(covered) == [s.n for s in r.sources[:3]] and all(0.0 < c <= 1.0 for c in covered.values())
    for question in ("Which papers study grokking in neural networks?",  # a list: no single lead
                     "How many tokens was the 7B Gemma model pretrained on?"):  # names its paper
        asked = profile(question)
        r = engine.retriever.retrieve(question)
        assert engine.lead_coverage(asked, r) == {}


class ScriptedReader:
    """A reader that gives the scores it is told (0 for anything else) and counts what it read."""

    name = "learned"

    def __init__(self, scores: dict[str, float]) -> None:
        self.scores, self.read = scores, []

    def score(self, question, sentences):
        import numpy as np

        self.read.extend(sentences)
        return np.array([self.scores.get(s, 0.0) for s in sentences], dtype=np.float32)


def test_a_factoids_paper_quotes_first_the_sentence_both_readers_agree_on():
    from dataclasses import replace

    from rag.reader import blend_paper

    q = profile("What did they feed the recogniser during training?", kind="factoid")  # no slot to look for
    fact = "Training used 680,000 hours of audio from the web."
    papers = [src(1, "ASR", f"We train a recogniser. | {fact} | It is robust."),
              src(2, "TTS", "A speech synthesiser. | It sounds natural.")]
    similar = {"We train a recogniser.": 0.62, "A speech synthesiser.": 0.6, fact: 0.5}
    ranked = [replace(s, similar=s.score) for s in sentences_of(papers, similar)]
    ev = decide(q, Retrieval("q", papers, top_relevance=0.6, coverage=0.6), ranked, EvidenceSettings())
    assert compose(q, ev, papers, AnswerSettings()).text.startswith("ASR — We train")  # similarity alone
    reader = ScriptedReader({fact: 0.9, "We train a recogniser.": 0.2})
    blended = blend_paper(q, ranked, 1, reader, 0.5)
    assert set(reader.read) == {s.text for s in ranked if s.n == 1}  # only that paper's sentences are read
    assert [s.score for s in blended] == [s.score for s in ranked]  # places kept: the lead paper is unchanged
    assert [s.n for s in blended] == [s.n for s in ranked]
    ev = decide(q, Retrieval("q", papers, top_relevance=0.6, coverage=0.6), blended, EvidenceSettings())
    assert compose(q, ev, papers, AnswerSettings()).text.startswith(f"ASR — {fact}")
    assert blend_paper(q, ranked, 1, reader, 0.0) == ranked  # weight 0: similarity alone


def test_a_factoid_quotes_more_of_its_paper_only_while_the_answer_type_model_is_unsure():
    # answer.factoid_sure (off by default, measured: README stop 48): the model's probability
    # that a quoted sentence states the answer decides whether a third sentence is quoted
    from dataclasses import replace

    from rag.answer_type import shipped
    from rag.reader import blend_paper

    # three sentences state a count of people (the model cannot be sure which is asked); a
    # background sentence reads closest to the topic
    q = profile("How many patients completed the interview?", kind="factoid")
    background = "BACKGROUND Following up bowel cancer patients years later is hard."
    third = "Of 976 patients registered, 744 were interested."
    lines = [background, "Sixty sites took part, with 2,408 potential patients.", third,
             "In all, 708 completed the interview.", "Most were men.", "Records help."]
    paper = src(1, "Survivors", " | ".join(lines))
    similar = dict(zip(lines, (0.66, 0.6, 0.58, 0.57, 0.3, 0.2), strict=True))
    ranked = [replace(s, similar=s.score) for s in sentences_of([paper], similar)]

    def quoted(places: int, **answer: object) -> list[str]:
        typed = blend_paper(q, ranked, 1, ScriptedReader({}), 0.0, shipped(), lines, places)
        ev = decide(q, Retrieval("q", [paper], top_relevance=0.6, coverage=0.6), typed, EvidenceSettings())
        return compose(q, ev, [paper], AnswerSettings(factoid_figure="", **answer)).text.splitlines()

    typed = blend_paper(q, ranked, 1, ScriptedReader({}), 0.0, shipped(), lines, 3)
    assert abs(sum(s.typed for s in typed) - 1.0) < 1e-6  # a distribution over the paper's sentences
    sure = sum(s.typed for s in typed[:2])  # what the two quoted sentences hold
    assert 0.05 < sure < 0.95
    off = quoted(3)
    assert len(off) == 2 and not any(background in line for line in off)
    assert quoted(3, factoid_sure=sure - 0.01) == off  # sure enough: two
    below = quoted(3, factoid_sure=min(1.0, sure + 0.01))
    assert below[:2] == off and len(below) == 3
    assert third in below[2]  # the model's third choice, not the background the readers put next
    assert background in quoted(2, factoid_sure=min(1.0, sure + 0.01))[2]  # with two typed places


# -- on the bundled corpus, with the shipped reader -------------------------------------------

def test_a_question_in_a_readers_own_words_is_not_refused(engine: Engine):
    answer = engine.ask("Which work keeps most weights frozen at their random values and only trains a handful?")
    assert not answer.refused and answer.evidence in ("answer", "weak")
    assert answer.citations[0].title == FREEZENET
    assert answer.text.startswith(FREEZENET + " — ")  # which-paper: the paper first


def test_a_named_papers_missing_detail_does_not_borrow_another_papers_figure(engine: Engine):
    # "Gemma" is a plain capitalised word, not an acronym: the paper is named by its title's head
    answer = engine.ask("How many training tokens were used for the 7B Gemma model?")
    assert "3.4T" not in answer.text and "164B" not in answer.text  # 360Zhinao's, Llama-GENBA's
    if not answer.refused:
        assert {c.title for c in answer.citations} == {"Gemma: Open Models Based on Gemini Research and Technology"}
    if answer.evidence != "answer":
        assert "Gemma" in answer.reason and "no sentence of" in answer.reason


def test_a_multi_paper_question_cites_every_qualifying_paper(engine: Engine):
    answer = engine.ask("Which papers try to explain delayed generalization ('grokking') in neural networks?")
    cited = {c.title for c in answer.citations}
    assert {"Grokking as the Transition from Lazy to Rich Training Dynamics",
            "Deep Networks Always Grok and Here is Why"} <= cited
    assert len(answer.text.splitlines()) == len(cited)  # one line per paper


def test_soft_coverage_reads_a_paraphrase_as_covered_and_a_neighbouring_topic_as_not(engine: Engine):
    # real MiniLM token vectors: the paraphrase shares almost no words with FreezeNet's abstract
    # but its words have close tokens there; seismograms have none in the paper retrieved for them
    para = "Which work keeps most weights frozen at their random values and only trains a handful?"
    off = "Which paper picks earthquake arrival times out of seismograms?"
    covered, uncovered = (engine.soft_coverage(profile(q), engine.retriever.retrieve(q), force=True).score
                          for q in (para, off))
    assert covered > uncovered + 0.15
    answer = engine.ask(off)
    assert answer.refused and "does not seem to cover" in answer.reason
    assert "seismograms" in answer.reason  # the reason names what the closest paper lacks


def test_an_off_topic_question_is_refused_before_any_answer_is_composed(engine: Engine):
    answer = engine.ask("What is the best sourdough hydration for a rye loaf?")
    assert answer.refused and answer.evidence == "refuse" and not answer.citations
    assert answer.text == answer.reason and "confidence" in answer.reason


# -- the learned reader (models/reader-int8.onnx, real weights) ------------------------------

def test_the_learned_reader_ranks_the_sentence_that_states_a_paraphrased_idea_first():
    from rag.reader import LearnedReader

    sentences = ["Transformers scale quadratically with sequence length.",
                 "We replace self-attention with a gated linear recurrence that runs in linear time.",
                 "On documents of 16k tokens it is 5 times faster at equal perplexity.",
                 "Code is released."]
    scores = LearnedReader(threads=1).score(
        "Which paper swaps a transformer's attention for a cheap recurrent layer to speed up long inputs?", sentences)
    assert scores.argmax() == 1 and ((0.0 <= scores) & (scores <= 1.0)).all()


def test_a_reader_model_that_is_not_the_trained_one_is_refused_with_the_command_that_rebuilds_it(tmp_path):
    from rag.reader import MODEL, LearnedReader, ReaderError

    copy = tmp_path / MODEL.name
    copy.write_bytes(MODEL.read_bytes()[:-16] + b"\0" * 16)  # a damaged download or a stray edit
    (tmp_path / (MODEL.name + ".sha256")).write_text(MODEL.with_name(MODEL.name + ".sha256").read_text())
    with pytest.raises(ReaderError, match="train_reader.py"):
        LearnedReader(copy).score("a question?", ["a sentence."])
    (tmp_path / (MODEL.name + ".sha256")).unlink()
    with pytest.raises(ReaderError, match="cannot be checked"):
        LearnedReader(copy).score("a question?", ["a sentence."])
