"""The two engines the dev-split probes read through: the bundled corpus and SciFact, each on an
index the caller names (``--bundled-index``, ``--scifact-index``, ``--scifact-collection``)."""

from __future__ import annotations

import argparse

from rag import Engine, Settings


def dev_engines(description: str) -> tuple[Engine, Engine, Settings]:
    """Parse the index arguments; (bundled engine, SciFact engine, their extractive settings)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--bundled-index", required=True)
    ap.add_argument("--scifact-index", required=True)
    ap.add_argument("--scifact-collection", default="beir-scifact-beir")
    args = ap.parse_args()
    base = Settings().with_overrides(**{"llm.provider": "extractive"})
    bundled = Engine(base.with_overrides(**{"chroma.path": args.bundled_index}), auto_ingest=False)
    scifact = Engine(base.with_overrides(**{"chroma.path": args.scifact_index,
                                            "chroma.collection": args.scifact_collection}), auto_ingest=False)
    return bundled, scifact, base
