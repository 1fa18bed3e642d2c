"""Markdown and self-contained HTML reports (inline SVG plots; no external assets)."""

from __future__ import annotations

import html
import json
from pathlib import Path

HEADLINE = [
    "hit@5", "recall@5", "mrr", "ndcg@10", "key_fact_recall", "strict_key_fact", "gold_citation_recall",
    "gold_first", "weak", "refused_or_weak", "repeated_previous", "focus_on_gold",
    "citation_validity", "citation_recall", "citation_precision",
    "draft_citation_recall", "draft_citation_precision",
    "refusal_precision", "refusal_recall", "false_refusal_rate", "injection_free",
    "repaired_removed_per_answer", "repaired_added_per_answer", "unsupported_sentences_per_answer",
    "total_p50_ms", "total_p95_ms", "tokens_per_answer",
]


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if v <= 1.0 else f"{v:.1f}"
    return str(v)


def markdown(summary: dict, records: list[dict], worst: int = 10, judge: str = "") -> str:
    groups = list(summary)
    metrics = [k for k in HEADLINE if any(k in summary[g] for g in groups)]
    lines = ["# paperchat evaluation", ""]
    if judge:
        lines += [f"Citation support judged by: {judge}.", ""]
    lines += ["| metric | " + " | ".join(groups) + " |", "|---|" + "---|" * len(groups)]
    for k in ["questions", *metrics, "failed", "errors"]:
        lines.append(f"| {k} | " + " | ".join(_fmt(summary[g].get(k, "")) for g in groups) + " |")
    bad = [r for r in records if r.get("failures")][:worst]
    if bad:
        lines += ["", "## Failed questions", ""]
        for r in bad:
            lines.append(f"- **{r['id']}** ({r['type']}): {r['question']}")
            lines.append(f"  - why: {'; '.join(r['failures'])}")
            lines.append(f"  - answer: {str(r.get('answer', r.get('error', '')))[:300]!s}")
    return "\n".join(lines) + "\n"


def _bars(title: str, items: list[tuple[str, float]], maximum: float = 1.0) -> str:
    width, row = 520, 22
    h = row * len(items) + 30
    parts = [f'<svg width="{width}" height="{h}" role="img" aria-label="{html.escape(title)}">',
             f'<text x="0" y="14" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 24 + i * row
        w = 0 if maximum <= 0 else max(0.0, min(1.0, value / maximum)) * 300
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label)}</text>')
        parts.append(f'<rect x="170" y="{y + 3}" width="{w:.1f}" height="14" fill="#4a7bd0"/>')
        parts.append(f'<text x="{175 + w:.1f}" y="{y + 14}" font-size="12">{_fmt(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _histogram(values: list[float], bins: int = 12) -> str:
    if not values:
        return ""
    lo, hi = min(values), max(values)
    step = (hi - lo) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - lo) / step))] += 1
    items = [(f"{(lo + i * step) * 1000:.0f}–{(lo + (i + 1) * step) * 1000:.0f} ms", float(c)) for i, c in enumerate(counts)]
    return _bars("Answer latency (count per bin)", items, max(counts))


def html_report(summary: dict, records: list[dict], worst: int = 10, judge: str = "") -> str:
    e = html.escape
    per_type = [g for g in summary if g != "overall"]
    plots = []
    for metric in ("hit@5", "key_fact_recall", "citation_recall", "citation_precision"):
        items = [(g, float(summary[g][metric])) for g in per_type if metric in summary[g]]
        if items:
            plots.append(_bars(f"{metric} by question type", items))
    plots.append(_histogram([r["timings"]["total"] for r in records if "total" in r.get("timings", {})]))
    table = "".join(
        f"<tr><td>{e(k)}</td>" + "".join(f"<td>{e(_fmt(summary[g].get(k, '')))}</td>" for g in summary) + "</tr>"
        for k in ["questions", *HEADLINE, "failed", "errors"]
        if any(k in summary[g] for g in summary)
    )
    worst_rows = []
    for r in [r for r in records if r.get("failures")][:worst]:
        sources = "".join(f"<li>[{s['n']}] {e(s['title'])} ({s['score']})</li>" for s in r.get("sources", []))
        worst_rows.append(
            f"<section><h3>{e(r['id'])} · {e(r['type'])}</h3><p><b>Q:</b> {e(r['question'])}</p>"
            f"<p><b>Why:</b> {e('; '.join(r['failures']))}</p>"
            f"<pre>{e(str(r.get('answer', r.get('error', ''))))}</pre><ol>{sources}</ol></section>"
        )
    head = "".join(f"<th>{e(g)}</th>" for g in summary)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>paperchat evaluation</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}
td:first-child{{text-align:left}}pre{{white-space:pre-wrap;background:#f5f5f5;padding:.5em}}</style>
</head><body><h1>paperchat evaluation</h1>
{f"<p>Citation support judged by: {e(judge)}.</p>" if judge else ""}
<table><tr><th>metric</th>{head}</tr>{table}</table>
<h2>Plots</h2>{''.join(plots)}
<h2>Worst questions</h2>{''.join(worst_rows) or '<p>none</p>'}
<script type="application/json" id="summary">{e(json.dumps(summary))}</script>
</body></html>"""


def write_reports(summary: dict, records: list[dict], out_dir: str | Path, judge: str = "") -> tuple[Path, Path]:
    """report.md, report.html and summary.json (``judge``: who judged citation support; a
    self-judged figure says so)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md, page = out / "report.md", out / "report.html"
    md.write_text(markdown(summary, records, judge=judge), encoding="utf-8")
    page.write_text(html_report(summary, records, judge=judge), encoding="utf-8")
    data = {"judge": judge, **summary} if judge else summary
    (out / "summary.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    return md, page


def compare(old: list[dict], new: list[dict]) -> str:
    """What changed between two results files, question by question."""
    from .runner import summarize

    so, sn = summarize(old)["overall"], summarize(new)["overall"]
    lines = ["| metric | old | new | Δ |", "|---|---|---|---|"]
    for k in sorted(set(so) | set(sn)):
        a, b = so.get(k), sn.get(k)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            lines.append(f"| {k} | {_fmt(a)} | {_fmt(b)} | {b - a:+.3f} |")
    old_by = {r["id"]: r for r in old}
    flips = []
    for r in new:
        o = old_by.get(r["id"])
        if o is None:
            continue
        was, now = bool(o.get("failures")), bool(r.get("failures"))
        if was != now:
            flips.append(f"- {r['id']}: {'fixed' if was else 'broke'}" + (f" ({'; '.join(r['failures'])})" if now else ""))
    return "\n".join(lines + ([""] + flips if flips else [])) + "\n"
