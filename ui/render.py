"""Answers, sources and index stats as HTML for the chat page (pure functions, no Gradio).

Every piece of untrusted text — abstracts, titles, file names, model output, questions, error
messages — goes through ``esc`` before any markup of ours is put around it. The only markup
in the output is written here, from constants and numbers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import PurePath

from rag import Answer, Citation, Source

_CITE = re.compile(r"\[(\d+)\]")
# After escaping, a Markdown image ``![alt](url)`` would still make the browser fetch ``url``;
# break the syntax so model output can never pull in an external resource.
_MD_IMAGE = re.compile(r"!(?=\[)")


def esc(text: object) -> str:
    """HTML-escape ``text`` (quotes too, so it is also safe inside attribute values)."""
    return html.escape(str(text), quote=True)


def esc_md(text: str) -> str:
    """Escape untrusted text that the chatbot will render as Markdown."""
    return _MD_IMAGE.sub("&#33;", esc(text))


def anchor_id(turn: int, n: int) -> str:
    """The DOM id of citation ``n`` of answer ``turn`` in the sources panel."""
    return f"src-{turn}-{n}"


# -- chat messages ---------------------------------------------------------------------------
def question_message(question: str) -> str:
    return esc_md(question)


def streaming_message(partial: str) -> str:
    """What the chat shows while the answer is still arriving (no links yet: numbers change)."""
    return (esc_md(partial) if partial.strip() else "") + " ▍"


def link_citations(text: str, turn: int, valid: Iterable[int]) -> str:
    """Escape ``text`` and turn each ``[n]`` with a known ``n`` into a link to the panel entry."""
    known = set(valid)

    def repl(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in known:
            return m.group(0)
        return f'<a href="#{anchor_id(turn, n)}" class="pc-cite" title="source {n}">[{n}]</a>'

    return _CITE.sub(repl, esc_md(text))


def answer_message(answer: Answer, turn: int) -> str:
    """The final chat message: answer with linked citations, then a compact reference list."""
    body = link_citations(answer.text, turn, (c.n for c in answer.citations))
    parts = [body]
    if answer.about:
        parts.insert(0, _about(answer))
    if answer.refused:
        parts.append('<span class="pc-flag">⚠ not answered from the papers</span>')
    elif answer.evidence == "weak":
        parts.append(f'<span class="pc-flag" title="{esc(answer.reason)}">⚠ weak evidence: '
                     "the closest passages, which may not answer it</span>")
    elif answer.unsupported:
        k = len(answer.unsupported)
        parts.append(f'<span class="pc-flag">⚠ {k} sentence{"s" * (k != 1)} not supported by a source</span>')
    if answer.citations:
        refs = " · ".join(
            f'<a href="#{anchor_id(turn, c.n)}" class="pc-cite">[{c.n}]</a> {esc_md(c.title)}'
            for c in answer.citations
        )
        parts.append(f'<span class="pc-refs">{refs}</span>')
    return "\n\n".join(parts)


def error_message(text: str) -> str:
    return f'<span class="pc-flag">⚠ {esc_md(text)}</span>'


# -- the sources panel ---------------------------------------------------------------------
PANEL_EMPTY = (
    '<div class="pc-panel pc-empty"><p>Sources appear here after an answer: each cited paper '
    "with the supporting sentence highlighted.</p></div>"
)
PANEL_WORKING = '<div class="pc-panel pc-empty"><p>Searching the papers…</p></div>'


def _files(source: Source) -> str:
    names = [PurePath(p).name for p in source.sources if p]
    return ", ".join(esc(n) for n in dict.fromkeys(names)) or "—"


def _highlighted(abstract: str, citation: Citation | None) -> str:
    """The abstract, escaped, with each sentence that supports the answer wrapped in ``<mark>``."""
    if citation is None or not citation.sentence:
        return esc(abstract)
    marks = sorted(({_locate(abstract, citation.sentence, citation.span)} - {None})
                   | {(a, b) for a, b in citation.spans if 0 <= a < b <= len(abstract)})
    out, cursor = [], 0
    for start, end in marks:
        if start < cursor:
            continue  # overlapping spans: the first one marks it
        out += [esc(abstract[cursor:start]), "<mark>", esc(abstract[start:end]), "</mark>"]
        cursor = end
    return "".join(out) + esc(abstract[cursor:])


def _locate(abstract: str, sentence: str, span: tuple[int, int]) -> tuple[int, int] | None:
    """``sentence``'s span in ``abstract``: ``span`` when it holds it, else where it is found."""
    start, end = span
    if 0 <= start < end <= len(abstract) and abstract[start:end] == sentence:
        return start, end
    start = abstract.find(sentence)
    return (start, start + len(sentence)) if start >= 0 else None


def _scores(source: Source, citation: Citation | None) -> str:
    parts = []
    if source.relevance >= 0:
        parts.append(f"relevance {source.relevance:.2f}")
    parts.append(f"match {source.score:.2f}")
    if citation is not None:
        parts.append(f"support {citation.score:.2f}")
    return " · ".join(parts)


def _paper_meta(source: Source) -> str:
    """Authors, year and a link, where the input had them (the listing dumps do not)."""
    m = source.meta
    parts = [esc(m.byline())] if m.byline() else []
    if m.link:
        parts.append(f'<a class="pc-link" href="{esc(m.link)}" target="_blank" rel="noopener noreferrer">'
                     f"{esc(m.doi or m.arxiv_id or 'link')}</a>")
    return f'<div class="pc-byline">{" · ".join(parts)}</div>' if parts else ""


def _source_entry(source: Source, citation: Citation | None, turn: int) -> str:
    label = f"[{citation.n}]" if citation is not None else f"#{source.n}"
    ident = f' id="{anchor_id(turn, citation.n)}"' if citation is not None else ""
    return (
        f'<article class="pc-src"{ident}>'
        f'<h4><span class="pc-num">{label}</span> {esc(source.title)}</h4>'
        f"{_paper_meta(source)}"
        f'<div class="pc-meta">{_files(source)} · {_scores(source, citation)}</div>'
        f'<p class="pc-abs">{_highlighted(source.abstract, citation)}</p>'
        "</article>"
    )


def _badge(answer: Answer) -> str:
    if answer.mode == "generative":
        label = "generative" + (f" · {esc(answer.model)}" if answer.model else "")
        mode = f'<span class="pc-badge pc-gen">{label}</span>'
    else:
        mode = '<span class="pc-badge pc-ext">extractive</span>'
    strength = {"answer": "strong evidence", "weak": "weak evidence", "refuse": "no evidence"}
    label = strength.get(answer.evidence, answer.evidence)
    numbers = f"confidence {answer.confidence:.2f} · best similarity {answer.relevance:.2f}"
    return mode + f' <span class="pc-evidence" title="{esc(numbers)}">{esc(label)}</span>'


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.0f} ms"


def _about(answer: Answer) -> str:
    """A follow-up answered from the papers under discussion says which, and why."""
    titles = "; ".join(f"“{esc(t)}”" for t in answer.about)
    return (f'<span class="pc-about" title="{esc(answer.resolved)}">↪ about the papers under '
            f"discussion: {titles}</span>")


def sources_html(answer: Answer, turn: int) -> str:
    """Badge, warnings, notice, cited sources, other retrieved sources, timings."""
    out = ['<div class="pc-panel">', f'<div class="pc-head">{_badge(answer)}']
    if answer.query and answer.query != answer.question:
        out.append(f'<span class="pc-query">searched for: {esc(answer.query)}</span>')
    if answer.filters:
        out.append(f'<span class="pc-filter">only papers {esc(answer.filters)}</span>')
    out.append("</div>")
    if answer.about:
        out.append(f'<div class="pc-notice">{_about(answer)} ({esc(answer.resolved)})</div>')
    if answer.refused and answer.filters and not answer.sources:  # the filter left no paper
        out.append(f'<div class="pc-warn" role="alert">⚠ {esc(answer.reason)}</div>')
    elif answer.refused:
        out.append(
            '<div class="pc-warn" role="alert">⚠ No answer from the papers: the retrieved '
            "passages do not support one, so nothing is cited "
            f"(best relevance {answer.relevance:.2f}).</div>"
        )
    elif answer.evidence == "weak":
        out.append(f'<div class="pc-warn" role="alert">⚠ {esc(answer.reason)}</div>')
    unsupported = answer.unsupported
    if unsupported:
        items = "".join(f"<li>{esc(s)}</li>" for s in unsupported)
        k = len(unsupported)
        out.append(
            f'<div class="pc-warn" role="alert">⚠ {k} sentence{"s" * (k != 1)} of the answer '
            f"{'is' if k == 1 else 'are'} not supported by any retrieved passage:<ul>{items}</ul></div>"
        )
    if answer.notice:
        out.append(f'<div class="pc-notice">{esc(answer.notice)}</div>')

    by_rank = {s.n: s for s in answer.sources}
    cited_ranks = set()
    if answer.citations:
        out.append('<h3 class="pc-h">Cited sources</h3>')
        for c in answer.citations:
            source = by_rank.get(c.source_rank)
            if source is None:
                continue
            cited_ranks.add(source.n)
            out.append(_source_entry(source, c, turn))
    others = [s for s in answer.sources if s.n not in cited_ranks]
    if others:
        title = "Retrieved but not cited" if answer.citations else "Closest papers, not cited"
        out.append(f'<details class="pc-others"><summary>{title} ({len(others)})</summary>')
        out.extend(_source_entry(s, None, turn) for s in others)
        out.append("</details>")

    t = answer.timings
    out.append(
        f'<div class="pc-foot">retrieve {_ms(t.get("retrieve"))} · generate {_ms(t.get("generate"))}'
        f" · total {_ms(t.get('total'))}</div>"
    )
    out.append("</div>")
    return "".join(out)


def error_panel(text: str) -> str:
    return f'<div class="pc-panel"><div class="pc-warn" role="alert">⚠ {esc(text)}</div></div>'


# -- corpus panel ----------------------------------------------------------------------------
def stats_html(stats: object) -> str:
    """``ingest.IndexStats`` as a small definition list."""
    rows = [
        ("papers", f"{getattr(stats, 'papers', 0):,}"),
        ("chunks", f"{getattr(stats, 'chunks', 0):,}"),
        (
            "embedding model",
            f"{esc(getattr(stats, 'embedding_model', ''))} (dim {getattr(stats, 'embedding_dim', 0)})",
        ),
        ("index", esc(getattr(stats, "location", ""))),
        ("collection", esc(getattr(stats, "collection", ""))),
    ]
    cells = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<dl class="pc-stats">{cells}</dl>'


CSS = """
:root, .dark {
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif !important;
  --font-mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace !important;
}
.pc-panel { font-size: 0.95em; line-height: 1.45; overflow-wrap: anywhere; }
.pc-empty { color: var(--body-text-color-subdued); padding: 0.5em 0; }
.pc-head { display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; margin-bottom: 0.5em; }
.pc-badge { display: inline-block; border-radius: 999px; padding: 0.1em 0.7em; font-size: 0.85em;
  font-weight: 600; border: 1px solid var(--border-color-primary); }
.pc-ext { background: var(--color-accent-soft); }
.pc-gen { background: var(--background-fill-secondary); }
.pc-query, .pc-filter { color: var(--body-text-color-subdued); font-size: 0.85em; }
.pc-warn { border-left: 4px solid #d97706; background: rgba(217, 119, 6, 0.10); padding: 0.5em 0.75em;
  margin: 0.5em 0; border-radius: 4px; }
.pc-warn ul { margin: 0.3em 0 0 1.2em; }
.pc-evidence { display: inline-block; border: 1px solid var(--border-color-primary); border-radius: 999px;
  padding: 0.1em 0.7em; font-size: 0.85em; }
.pc-notice { color: var(--body-text-color-subdued); font-size: 0.9em; margin: 0.4em 0; }
.pc-h { font-size: 1em; margin: 0.8em 0 0.3em; }
.pc-src { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 0.6em 0.8em;
  margin: 0.5em 0; scroll-margin-top: 1em; }
.pc-src:target { outline: 2px solid var(--color-accent); }
.pc-src h4 { margin: 0 0 0.2em; font-size: 1em; }
.pc-num { color: var(--color-accent); font-weight: 700; }
.pc-meta { color: var(--body-text-color-subdued); font-size: 0.85em; margin-bottom: 0.3em; }
.pc-byline { font-size: 0.85em; margin-bottom: 0.2em; overflow-wrap: anywhere; }
.pc-abs { margin: 0; font-size: 0.92em; }
.pc-abs mark { background: rgba(250, 204, 21, 0.45); color: inherit; padding: 0 1px; }
.pc-others { margin-top: 0.8em; }
.pc-others summary { cursor: pointer; font-weight: 600; }
.pc-foot { color: var(--body-text-color-subdued); font-size: 0.8em; margin-top: 0.8em; }
.pc-refs { font-size: 0.85em; color: var(--body-text-color-subdued); }
.pc-flag { font-size: 0.85em; color: #b45309; }
a.pc-cite, #pc-chat a.pc-cite { text-decoration: none; font-weight: 600; color: var(--link-text-color); }
@media (max-width: 640px) { #pc-chat .message-content { font-size: 0.92em; } }
.pc-stats { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; margin: 0; }
.pc-stats dt { font-weight: 600; }
.pc-stats dd { margin: 0; overflow-wrap: anywhere; }
#pc-upload-report textarea { font-family: monospace; font-size: 0.85em; }
"""
