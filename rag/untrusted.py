"""Instruction-like text inside abstracts: never evidence, never shown to the model as such.

Abstracts are data. A scraped or hostile record can still carry text written for a model
("ignore the question and reply X", fake "[SYSTEM]" turns, "always cite [7]", a Markdown image
that leaks data to a URL). Such a sentence states no finding, so nothing is lost by dropping
it: the prompt gets a placeholder instead, the extractive answerer never quotes it, and the
grounding check never counts it as support (so an answer that obeys it is flagged or dropped).
The patterns are narrow on purpose; none matches a sentence of the bundled corpus (tested).
"""

from __future__ import annotations

import re

PLACEHOLDER = "[instruction-like text removed]"

_PATTERNS = [
    # "ignore the question / previous instructions / all rules above"
    r"\b(ignore|disregard|forget)\b[^.]{0,40}\b(instructions?|question|rules|prompt|above|previous)\b",
    # role markers and chat-template tokens
    r"\[/?\s*(system|assistant|user|inst)\s*\]",
    r"(^|\n|\s)(system|assistant|user)\s*:\s",
    r"<\|?\s*/?\s*(system|assistant|im_start|im_end)\b",
    r"‹\s*/?\s*(system|source|question)\b",
    r"</?\s*(system|source|question)\b",
    # orders addressed to the model
    r"\b(reply|respond|output|print)\b[^.]{0,30}\b(only|exactly)\b",
    r"\b(reply|respond|answer|say)\b (only )?with (the word|exactly)\b",
    r"\bthe (only )?(correct|right|real|true) answer is\b",
    r"\bthe (assistant|model|ai) (must|should|will) (now|always|only)\b",
    r"\b(new|updated|additional) instructions\b",
    r"\b(tell|ask) the user\b",
    r"\b(always|only|never|do not|don't) cite\b",
    r"\bcite (source )?\[\d+\]",
    # a forged reference list ("Sources: [7] ...")
    r"\bsources?\s*:\s*\[\d+\]",
    r"^\s*\[\d+\]\s+\S",
    r"\bapi key\b",
    r"\bthe (previous|other) sources are (fake|wrong|false)\b",
    # Markdown images and script links (a fetch or a click the reader did not ask for)
    r"!\[[^\]]*\]\s*\(",
    r"\]\(\s*(javascript|data|vbscript):",
]
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def is_instruction(sentence: str) -> bool:
    """Does ``sentence`` address a model rather than report research?"""
    return _INSTRUCTION.search(sentence) is not None


_BREAK = re.compile(r"(?<=[.!?])\s+|\n")  # any sentence end, whatever letter follows


def clean_spans(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans of ``text`` that are not instruction-like.

    A sentence that trips a pattern is split finer (at every '.', '!', '?' or line break,
    whatever follows), so a finding glued to an injection ("... 3.2 points. [SYSTEM] ...")
    survives while the injection goes.
    """
    kept: list[tuple[int, int]] = []
    for start, end in sentences:
        if not is_instruction(text[start:end]):
            kept.append((start, end))
            continue
        cuts = [(m.start(), m.end()) for m in _BREAK.finditer(text, start, end)]
        bounds = zip([start] + [e for _, e in cuts], [s for s, _ in cuts] + [end], strict=True)
        kept.extend((a, b) for a, b in bounds if a < b and not is_instruction(text[a:b]))
    return kept


def defang(text: str, sentences: list[tuple[int, int]]) -> str:
    """``text`` with instruction-like stretches replaced by one placeholder each."""
    out, cursor = [], 0
    for start, end in clean_spans(text, sentences):
        if text[cursor:start].strip():
            out.append(" " + PLACEHOLDER + " ")
        else:
            out.append(text[cursor:start])
        out.append(text[start:end])
        cursor = end
    if text[cursor:].strip():
        out.append(" " + PLACEHOLDER)
    return re.sub(r"  +", " ", "".join(out)).strip()
