"""A conversation taken away: Markdown (each answer with its numbered references) and BibTeX
(every cited paper once). Only what the input said about a paper is written; nothing made up."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .types import Answer, Citation

_KEY = re.compile(r"[^A-Za-z0-9]+")


def reference(c: Citation) -> str:
    """``Title. Authors (Year). <link>`` with what is known."""
    parts = [c.title.rstrip(".") + "."]
    if c.meta.byline():
        parts.append(c.meta.byline() + ".")
    if c.meta.link:
        parts.append(f"<{c.meta.link}>")
    return " ".join(parts)


def markdown(turns: Sequence[tuple[str, Answer]]) -> str:
    """The conversation: each question, its answer as shown (with its label when the evidence
    was weak or the question refused), and its references numbered as in the answer."""
    lines = ["# paperchat conversation", ""]
    for i, (question, answer) in enumerate(turns, 1):
        lines += [f"## {i}. {_one_line(question)}", ""]
        if answer.about:
            lines += [f"*About the papers under discussion: {'; '.join(answer.about)}*", ""]
        lines += [answer.text.strip(), ""]
        if answer.refused:
            lines += ["*Not answered from the papers.*", ""]
        elif answer.evidence == "weak":
            lines += [f"*{answer.reason}*", ""]
        if answer.notice:
            lines += [f"*{answer.notice}*", ""]
        if answer.citations:
            lines += ["References:", ""]
            lines += [f"{c.n}. {reference(c)}" for c in answer.citations]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def bibtex(turns: Sequence[tuple[str, Answer]]) -> str:
    """One ``@misc`` (``@article`` with a DOI) entry per cited paper, in order of first citation."""
    seen: dict[str, Citation] = {}
    for _, answer in turns:
        for c in answer.citations:
            seen.setdefault(c.paper_id, c)
    entries, keys = [], set()
    for c in seen.values():
        key = _key(c, keys)
        fields = {"title": c.title}
        if c.meta.authors:
            fields["author"] = " and ".join(a.strip() for a in re.split(r",\s*(?:and\s+)?|\s+and\s+", c.meta.authors) if a.strip())
        if c.meta.year:
            fields["year"] = c.meta.year
        if c.meta.doi:
            fields["doi"] = c.meta.doi
        if c.meta.arxiv_id:
            fields.update(eprint=c.meta.arxiv_id, archiveprefix="arXiv")
        if c.meta.link:
            fields["url"] = c.meta.link
        kind = "article" if c.meta.doi else "misc"
        body = ",\n".join(f"  {k} = {{{_brace_safe(v)}}}" for k, v in fields.items())
        entries.append(f"@{kind}{{{key},\n{body}\n}}")
    return "\n\n".join(entries) + ("\n" if entries else "")


def _key(c: Citation, taken: set[str]) -> str:
    first = _KEY.sub("", (c.meta.authors.split(",")[0].split()[-1:] or [""])[0]) if c.meta.authors else ""
    word = next((w for w in _KEY.split(c.title) if len(w) > 3), "paper")
    key = (first or word).lower() + (c.meta.year or "") + (word.lower() if first else "")
    base, n = key, 2
    while key in taken:
        key, n = f"{base}{n}", n + 1
    taken.add(key)
    return key


def _brace_safe(value: str) -> str:
    """BibTeX values are brace-delimited: drop braces that would not balance."""
    depth, out = 0, []
    for ch in value.replace("\n", " "):
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                continue
            depth -= 1
        out.append(ch)
    return "".join(out) + "}" * depth


def _one_line(text: str) -> str:
    return " ".join(text.split())
