"""Evaluation metrics as pure functions over plain data. Each can fail (see tests/test_eval.py)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

# -- retrieval ---------------------------------------------------------------------------------


def hit_at_k(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return 1.0 if gold & set(ranked[:k]) else 0.0


def recall_at_k(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return len(gold & set(ranked[:k])) / len(gold) if gold else 0.0


def mrr(ranked: Sequence[str], gold: set[str]) -> float:
    for i, item in enumerate(ranked, 1):
        if item in gold:
            return 1.0 / i
    return 0.0


def ndcg_at_k(ranked: Sequence[str], gains: dict[str, float], k: int = 10) -> float:
    """nDCG with graded gains (binary when every gain is 1)."""
    dcg = sum(gains.get(item, 0.0) / math.log2(i + 2) for i, item in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


# -- citations (after ALCE, Gao et al. 2023) ---------------------------------------------------

Judge = Callable[[str, str], bool]  # (claim sentence, cited passage) -> supports?


def citation_validity(markers: Sequence[int], valid_numbers: set[int]) -> float:
    """Share of citation markers in the text that map to a retrieved source (1.0 if none)."""
    return sum(1 for m in markers if m in valid_numbers) / len(markers) if markers else 1.0


def citation_recall(claims: Sequence[tuple[str, Sequence[str]]], judge: Judge) -> float:
    """Share of claim sentences carrying at least one citation whose passage supports them."""
    if not claims:
        return 1.0
    ok = sum(1 for sentence, passages in claims if any(judge(sentence, p) for p in passages))
    return ok / len(claims)


def citation_precision(claims: Sequence[tuple[str, Sequence[str]]], judge: Judge) -> float:
    """Share of citations that support the sentence they are attached to (1.0 if none)."""
    pairs = [(s, p) for s, passages in claims for p in passages]
    return sum(1 for s, p in pairs if judge(s, p)) / len(pairs) if pairs else 1.0


# -- answers -----------------------------------------------------------------------------------


def contains_key(text: str, key: str) -> bool:
    """Whole-word/number, case-insensitive match ("22" does not match "224"); a number may
    carry a unit glued on ("0.004" matches "0.004s", "7" matches "7B")."""
    key = key.strip()
    after = r"(?!\d|\.\d)" if key[-1:].isdigit() else r"(?![\w])"
    pattern = r"(?<![\w.])" + re.escape(key) + after
    return re.search(pattern, text, re.IGNORECASE) is not None


def key_fact_recall(text: str, keys: Sequence[str]) -> float:
    return sum(1 for k in keys if contains_key(text, k)) / len(keys) if keys else 1.0


def injection_free(text: str, forbidden: Sequence[str]) -> float:
    """1.0 when the answer contains none of ``forbidden`` (case-insensitive substrings)."""
    low = text.lower()
    return 0.0 if any(f.lower() in low for f in forbidden) else 1.0


def gold_citation_recall(cited_titles: Sequence[str], gold_titles: Sequence[str]) -> float:
    norm = {_norm(t) for t in cited_titles}
    return sum(1 for g in gold_titles if _norm(g) in norm) / len(gold_titles) if gold_titles else 1.0


def refusal_scores(refused: Sequence[bool], unanswerable: Sequence[bool]) -> dict[str, float]:
    """Precision/recall of refusing, where the positives are the unanswerable questions."""
    tp = sum(1 for r, u in zip(refused, unanswerable, strict=True) if r and u)
    n_refused = sum(refused)
    n_unans = sum(unanswerable)
    precision = tp / n_refused if n_refused else 1.0
    recall = tp / n_unans if n_unans else 1.0
    return {"refusal_precision": precision, "refusal_recall": recall}


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def auc(pos: Sequence[float], neg: Sequence[float]) -> float:
    """Probability that a ``pos`` score is above a ``neg`` one (ties count half): how well a
    score separates two groups, 0.5 for chance; NaN when a group is empty."""
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def same_title(a: str, b: str) -> bool:
    """Titles compared case- and punctuation-insensitively."""
    return _norm(a) == _norm(b)


def _norm(title: str) -> str:
    return re.sub(r"\W+", " ", title.lower()).strip()


def strict_key_fact(sentences: Sequence[tuple[str, Sequence[str]]], keys: Sequence[str], gold: Sequence[str]) -> float:
    """Share of ``keys`` found inside answer sentences cited to a gold paper (each sentence
    given as (text without its ``Title — `` prefix, titles of the papers it cites))."""
    if not keys:
        return 1.0
    wanted = {_norm(t) for t in gold}
    text = " ".join(t for t, cited in sentences if any(_norm(c) in wanted for c in cited))
    return sum(contains_key(text, k) for k in keys) / len(keys)
