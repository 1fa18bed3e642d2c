"""Real fixtures: the offline embedding model, temp Chroma indexes, the bundled corpus index,
and a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.pop("OPENAI_API_KEY", None)  # tests never reach a real provider

from rag import Engine, Settings  # noqa: E402
from rag.settings import BUNDLED_DATA  # noqa: E402
from tests.openai_stub import ScriptedOpenAIServer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def make_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings on a private index directory, extractive unless told otherwise."""
    base = {
        "data_dir": BUNDLED_DATA,
        "chroma.path": tmp / "chroma",
        "llm.provider": "extractive",
    }
    base.update(overrides)
    return Settings().with_overrides(**base)


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def bundled_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled corpus, ingested once per test session into a temp index."""
    from rag import ingest_paths

    settings = make_settings(tmp_path_factory.mktemp("bundled"))
    report = ingest_paths(settings)
    assert report.papers_read == 911
    return settings


@pytest.fixture(scope="session")
def engine(bundled_settings: Settings) -> Engine:
    return Engine(bundled_settings, auto_ingest=False)


@pytest.fixture
def llm_server():
    with ScriptedOpenAIServer(models=("stub-model",)) as server:
        yield server


@pytest.fixture
def generative_engine(bundled_settings: Settings, llm_server: ScriptedOpenAIServer) -> Engine:
    settings = bundled_settings.with_overrides(
        **{
            "llm.provider": "openai",
            "llm.base_url": llm_server.base_url,
            "llm.model": "stub-model",
            "llm.api_key": "sk-test-secret-123",
            "llm.timeout": 2.0,
            "llm.max_retries": 1,
        }
    )
    return Engine(settings, auto_ingest=False)


# -- tiers ----------------------------------------------------------------------------------
# The fast tier (`pytest -m "not slow"`) is the pure-logic tests and tests/test_fast_pipeline.py
# (fake embedder, 20 papers). Everything that loads the real encoder, ingests the bundled corpus,
# starts a server or a browser, or runs the CLI in a subprocess is the slow tier.
_REAL_FIXTURES = {"engine", "bundled_settings", "generative_engine"}
_FAST_MODULES = {"test_fast_pipeline", "test_kind", "test_evidence", "test_names", "test_slots", "test_readers", "test_conversation", "test_filters", "test_text", "test_lexical", "test_parallel", "test_sentence_vectors", "test_token_store", "test_untrusted", "test_checked", "test_spelling"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if module not in _FAST_MODULES or _REAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
