"""What a question asks for, so the extractive answerer can tell "on topic" from "answers it".

A question about a paper in the collection can ask for a detail its abstract leaves out
("Which optimizer trained Compacter?"). Retrieval finds the right paper and its sentences are
on topic, so similarity cannot tell that nothing answers. The question's own wording can: the
words after "which"/"what"/"how many" name the slot an answer must fill ("optimizer",
"A100 GPUs"), and quantity questions need a number the question does not already contain.
A sentence that answers normally names its slot; when no retrieved sentence does, the honest
answer is a refusal. Generic heads ("method", "paper", "size") name no checkable slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Which paper/method/model ..." asks for a paper: its title answers, no slot to check.
_ASKS_FOR_PAPER = frozenset(
    "paper papers method methods work works approach approaches technique techniques framework "
    "frameworks system systems study studies model models algorithm algorithms".split()
)
# Words that ask "which one" without naming anything a sentence would repeat.
_GENERIC = _ASKS_FOR_PAPER | frozenset(
    """
    idea ideas thing things one ones way ways kind kinds type types sort new proposed main key
    two three the a an its their this these that those
    size sizes number numbers amount fraction percentage percent proportion share count value
    values ratio extent degree level much many
    """.split()
)

# Measures: "what <measure> ..." asks for a number.
_MEASURES = (
    "percentage|percent|fraction|share|proportion|number|size|rate|ratio|accuracy|score|scores|"
    "accuracies|error|errors|auroc|auc|fid|bleu|rouge|perplexity|f1|speed-?up|latency|throughput|learning rate|"
    "batch size|rank|depth|width|dimension|budget|cost|count|amount|improvement|reduction|gain|"
    "margin|temperature|length|duration|win rate|pass rate|pass ratio|parameters|tokens"
)
# Words that end the wh-phrase: auxiliaries, prepositions, conjunctions and common verbs.
_STOP_WORDS = frozenset(
    """
    was were is are does do did has have had can could would should will of in on for to from
    by when and or with at than as that which who whose where while after before under over
    achieves reaches uses gives makes proposes introduces takes removes compares combines
    describes improves releases produces provides enables outperforms discovers shows learns
    trains reports gets runs needs helps lets allows keeps finds obtains attains presents
    studies addresses predicts generates supplies applies reduces increases requires scales
    beats matches surpasses yields achieve reach use give make it they we you he she its their
    """.split()
)
_ASKS = re.compile(r"\b(?:which|what|how)\b", re.I)  # a wh-word: the question says what it asks
_HOW_QUANTITY = re.compile(r"\b(?:how (?:many|much|long|large|big|fast|often|small)|by how)\b", re.I)
_MEASURE_WORDS = re.compile(r"^(?:" + _MEASURES + r")$")
_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*|[?,;:()]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A measure is often stated by its adjective: "2.4x faster" states a speed-up.
_SAME_MEASURE = {
    "speedup": {"faster", "speedups", "accelerates", "accelerated", "acceleration"},
    "reduction": {"smaller", "fewer", "less", "reduces", "reduced", "reducing"},
    "improvement": {"improves", "improved", "better", "higher", "gain", "gains"},
}
_CITATION_YEAR = re.compile(r"\((?:[^()]*?[A-Za-z.,]\s+)?(?:19|20)\d\d[a-z]?\)")
# "(1) Model generalization …; (2) …", "1) …": a list's numbering, not an amount
_ENUMERATOR = re.compile(r"\(\s*\d{1,2}\s*\)|(?<![\w.,])\d{1,2}\)")
_RUN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.,/+]|-(?=[A-Za-z0-9]))*")
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Slot:
    """The thing an answer must state.

    ``words``: the wh-phrase's head noun ("optimizer"), which a sentence that answers names.
    ``number``: a quantity is asked for; the sentence must state a number the question does
    not, next to the head or another word of the wh-phrase (``cues``: "91.3% on iNaturalist-18"
    answers "what iNaturalist-18 accuracy").
    """

    words: tuple[str, ...]
    number: bool
    cues: tuple[str, ...] = ()
    acronym: str = ""  # initials of a multi-word head ("end-point error" → "epe"), also a match
    asked: str = ""  # the question's words from its wh-word ("how many tokens was it trained on")

    def describe(self) -> str:
        """What a sentence must do to fill the slot, for messages ("no sentence of X clearly
        …"): answer the question's own words. The wh-phrase cut at a stop word, which the
        messages used to name, can end inside a verb phrase ("the dialect text went into the
        asked for")."""
        return f"answers “{self.asked}”"

    def filled_by(self, sentence: str, question: str, title: str = "") -> bool:
        """Whether ``sentence`` states the slot. A cue the paper's ``title`` names is the
        paper's subject ("LoRA"), on every line of it, so it cues nothing."""
        tokens = set(_TOKEN.findall(sentence.lower().replace("-", "")))
        named = all(_variants(w) & tokens for w in self.words) or self.acronym in tokens
        if not self.number:
            return named
        in_title = set(_TOKEN.findall(title.lower().replace("-", "")))
        cues = [w for w in self.cues if not _variants(w) & in_title]
        cued = named or any(_variants(w) & tokens for w in cues) or not (self.words or self.cues)
        return cued and bool(_quantities(sentence) - _numbers(question))


def asked_slot(question: str) -> Slot | None:
    """The slot ``question`` asks to fill, or None when it names none we can check."""
    phrase = _wh_phrase(question)
    query = not phrase and "?" not in question and not _ASKS.search(question)
    if query:
        # Typed as a search box ("Gemma tokenizer vocabulary size", "number of adults enrolled
        # in …"): no wh-word, so its opening noun phrase is what it asks for
        phrase = _phrase(_WORDS.findall(question))
    measured = any(_MEASURE_WORDS.match(" ".join(phrase[i : i + k]).lower()) for k in (1, 2) for i in range(len(phrase)))
    if query and not measured:
        return None  # a query opening with a topic asks for no detail to check
    if any(t.lower() in _ASKS_FOR_PAPER for t in phrase):
        return None  # "which paper/method ...": the title answers
    number = bool(_HOW_QUANTITY.search(question)) or measured
    content = [t for t in phrase if t.lower() not in _GENERIC]
    head = tuple(t.lower().replace("-", "") for t in content[-1:])
    # Only names ("ImageNet", "iNaturalist-18", "A100") cue a figure; "training" would not.
    cues = tuple(t.lower().replace("-", "") for t in content[:-1] if _is_name(t))
    if not number and not head:
        return None
    pieces = [p for t in content if t.isalpha() or "-" in t for p in t.lower().split("-") if p]
    acronym = "".join(p[0] for p in pieces) if len(pieces) >= 3 else ""
    return Slot(head, number, cues, acronym, _asked_words(question))


# a full stop after a word of three or more characters; "e.g.", "i.e.", "vs.", "al." go on
_CLAUSE_END = re.compile(r"[?;!]|(?<=[A-Za-z0-9]{3})\.(?:\s|$)")
_ASKED_MAX_WORDS = 14


def _asked_words(question: str) -> str:
    """The question as asked, from its first wh-word to the end of that clause (all of it when
    it has none: a search-box query), at most ``_ASKED_MAX_WORDS`` words."""
    m = _ASKS.search(question)
    text = question[m.start():] if m else question
    text = _CLAUSE_END.split(text, maxsplit=1)[0]
    words = text.split()
    clipped = " ".join(words[:_ASKED_MAX_WORDS]).strip(" ,:")
    return clipped + (" …" if len(words) > _ASKED_MAX_WORDS else "")


def _is_name(word: str) -> bool:
    return any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:])


def _wh_phrase(question: str) -> list[str]:
    """The words after the first which/what/how many/how much, up to a verb or preposition."""
    original = [w.removesuffix("'s") for w in _WORDS.findall(question)]
    words = [w.lower() for w in original]
    for i, w in enumerate(words):
        if w in ("which", "what") or (w == "how" and i + 1 < len(words) and words[i + 1] in ("many", "much")):
            start = i + (2 if w == "how" else 1)
            if w == "what" and words[start : start + 1] in (["is"], ["was"], ["are"], ["were"]):
                # "What was the / its best accuracy" asks what "What's the best accuracy" asks
                if words[start + 1 : start + 2] == ["the"]:
                    start += 1
                elif words[start + 1 : start + 2] in (["its"], ["their"]):
                    start += 2
            return _phrase(original[start:])
    return []


def _phrase(words: list[str]) -> list[str]:
    """Up to five words, ending at a verb, a preposition or a punctuation mark."""
    phrase: list[str] = []
    for t in [w.removesuffix("'s") for w in words[:5]]:
        if t.lower() in _STOP_WORDS or not t[0].isalnum():
            break
        if phrase and t.lower().endswith("ed"):  # a past-tense verb ends the phrase
            break
        phrase.append(t)
    return phrase


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _quantities(text: str) -> set[str]:
    """Numbers that state an amount: "95M", "3-layer", "88.9%", "10,000" — not the digits of a
    name ("CIFAR-10/100", "GPT-3", "A100", "top-1"), which a run starting with a letter is."""
    text = _CITATION_YEAR.sub(" ", text)  # "(Romero et al. (2015))": a reference, not a result
    text = _ENUMERATOR.sub(" ", text)
    return {n for run in _RUN.findall(text) if run[0].isdigit() for n in _numbers(run)}


def states_quantity(text: str) -> bool:
    """Whether a sentence states an amount ("88.9%", "1.5 million songs"), not only a name's digits."""
    return bool(_quantities(text))


def states_new_quantity(text: str, question: str) -> bool:
    """Whether a sentence states an amount the question does not already contain."""
    return bool(_quantities(text) - _numbers(question))


def _variants(word: str) -> set[str]:
    """Plural and British/American spellings: the same slot, however a sentence writes it."""
    forms = {word, word + "s", word + "es"} | _SAME_MEASURE.get(word, set())
    if word.endswith("s"):
        forms.add(word[:-1])
    if word.endswith("ies"):
        forms.add(word[:-3] + "y")  # "accuracies" → "accuracy"
    for a, b in (("ise", "ize"), ("isa", "iza"), ("our", "or"), ("licence", "license")):
        forms |= {f.replace(a, b) for f in forms} | {f.replace(b, a) for f in forms}
    return forms
