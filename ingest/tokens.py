"""tiktoken, offline: the BPE file comes from the copy llama-index-core bundles."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def encoding():  # noqa: ANN201 - tiktoken.Encoding, imported lazily
    """The cl100k_base encoding, loaded without network access."""
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        import llama_index.core

        bundled = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
        os.environ["TIKTOKEN_CACHE_DIR"] = str(bundled)
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
