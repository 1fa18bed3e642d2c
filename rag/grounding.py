"""Citation parsing, validation, support checks, post-hoc attribution and renumbering.

Runs on every answer, generated or extractive: a marker that maps to no source is removed;
each sentence is scored against the abstract sentences of the papers it cites (embedding
cosine + lexical overlap); a supported sentence with a missing or wrong citation gets the
right one; sentences nothing supports are flagged; numbers are renumbered densely by first use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ingest.embed import CachedEmbedder

from .text import (
    Sentence,
    content_words,
    evidence_sentences,
    parse_markers,
    split_sentences,
    strip_markers,
)
from .types import Citation, SentenceCheck, Source


def lexical_support(claim: str, passage: str) -> float:
    """Share of the claim's content words that the passage contains."""
    claim_words = content_words(claim)
    if not claim_words:
        return 0.0
    return len(claim_words & content_words(passage)) / len(claim_words)


class Grounder:
    """Scores claims against source sentences; one instance per embedder."""

    def __init__(self, embedder: CachedEmbedder, threshold: float = 0.4) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def source_sentences(self, sources: Sequence[Source]) -> dict[int, list[Sentence]]:
        """Each source's sentences that can count as evidence."""
        return {s.n: list(evidence_sentences(s.abstract)) for s in sources}

    def support_matrix(
        self, claims: Sequence[str], sentences: dict[int, list[Sentence]]
    ) -> dict[int, np.ndarray]:
        """For each source n, a (claims × its sentences) matrix of support scores in 0..1."""
        flat = [(n, s) for n, sents in sentences.items() for s in sents]
        if not claims or not flat:
            return {n: np.zeros((len(claims), len(s))) for n, s in sentences.items()}
        vectors = self.embedder.embed(list(claims) + [s.text for _, s in flat])
        cq, cs = vectors[: len(claims)], vectors[len(claims) :]
        cos = np.clip(cq @ cs.T, 0.0, 1.0)
        lex = np.array([[lexical_support(c, s.text) for _, s in flat] for c in claims])
        score = 0.5 * cos + 0.5 * lex
        out: dict[int, np.ndarray] = {}
        col = 0
        for n, sents in sentences.items():
            out[n] = score[:, col : col + len(sents)]
            col += len(sents)
        return out


@dataclass
class Grounded:
    text: str
    citations: list[Citation]
    sentences: list[SentenceCheck]
    removed: int
    added: int


def ground(draft_text: str, sources: Sequence[Source], grounder: Grounder) -> Grounded:
    """Validate, repair and renumber the citations of ``draft_text`` against ``sources``."""
    by_n = {s.n: s for s in sources}
    pieces = split_sentences(draft_text)
    claims = [strip_markers(p.text) for p in pieces]
    # "Title — quoted sentence": the title names the paper; only the rest is a claim to check
    prefixes = tuple(f"{s.title} — " for s in sources)
    checked = [next((c[len(p) :] for p in prefixes if c.startswith(p)), c) for c in claims]
    is_claim = [len(content_words(c)) >= 3 for c in checked]
    sent_map = grounder.source_sentences(sources)
    matrix = grounder.support_matrix(checked, sent_map)

    removed = added = 0
    per_sentence: list[tuple[list[int], float, bool]] = []
    best_support: dict[int, tuple[float, Sentence]] = {}
    supports: dict[int, set[tuple[int, int]]] = {}
    for i, piece in enumerate(pieces):
        cited = list(dict.fromkeys(parse_markers(piece.text)))
        valid = [n for n in cited if n in by_n]
        removed += len(cited) - len(valid)
        scores = {n: float(matrix[n][i].max()) if matrix[n].shape[1] else 0.0 for n in by_n}
        keep = [n for n in valid if scores[n] >= grounder.threshold]
        if is_claim[i] and not keep and scores:
            best = max(scores, key=scores.get)
            if scores[best] >= grounder.threshold:
                keep = [best]  # post-hoc attribution: the passage that does support it
                added += 1
        if not keep and not is_claim[i]:
            keep = valid  # connective sentences keep what the writer put
        pool = keep or valid
        support = max((scores[n] for n in pool), default=0.0)
        per_sentence.append((keep, support, bool(keep) and support >= grounder.threshold))
        for n in keep:
            if not sent_map[n]:
                continue  # nothing in this source can be evidence (all of it was instruction-like)
            j = int(matrix[n][i].argmax()) if matrix[n].shape[1] else 0
            if is_claim[i]:
                supports.setdefault(n, set()).add((sent_map[n][j].start, sent_map[n][j].end))
            if n not in best_support or scores[n] > best_support[n][0]:
                best_support[n] = (scores[n], sent_map[n][j])

    # Renumber densely in order of first use and rebuild the text with clean markers.
    renumber: dict[int, int] = {}
    for keep, _, _ in per_sentence:
        for n in keep:
            renumber.setdefault(n, len(renumber) + 1)
    rebuilt: list[str] = []
    checks: list[SentenceCheck] = []
    cursor = 0
    for i, piece in enumerate(pieces):
        keep, support, supported = per_sentence[i]
        new = [renumber[n] for n in keep]
        body = claims[i]
        markers = "".join(f"[{m}]" for m in new)
        if markers:
            trail = re.search(r"[.!?:;]+[\"”’)]*$", body)
            body = (body[: trail.start()] + " " + markers + body[trail.start() :]) if trail else f"{body} {markers}"
        rebuilt.append(draft_text[cursor : piece.start] + body)
        cursor = piece.end
        checks.append(SentenceCheck(claims[i], tuple(new), round(support, 4), supported, is_claim[i]))
    rebuilt.append(draft_text[cursor:])

    citations = []
    for old, new in sorted(renumber.items(), key=lambda kv: kv[1]):
        src = by_n[old]
        score, sent = best_support.get(old, (0.0, Sentence("", 0, 0)))
        citations.append(
            Citation(
                n=new,
                paper_id=src.paper_id,
                title=src.title,
                chunk_id=src.chunk_id,
                source_rank=src.n,
                sentence=sent.text,
                span=(sent.start, sent.end),
                score=round(score, 4),
                meta=src.meta,
                spans=tuple(sorted(supports.get(old, ()))),
            )
        )
    return Grounded("".join(rebuilt).strip(), citations, checks, removed, added)
