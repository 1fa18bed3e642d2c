"""Conventions a user brings from other tools: `python -m`, `--version`, per-key engines."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

from rag import get_engine
from rag.settings import Settings
from tests.conftest import ROOT


def test_python_dash_m_and_the_script_agree_on_the_version(tmp_path):
    want = f"paperchat {version('paperchat')}"
    via_module = subprocess.run([sys.executable, "-m", "paperchat", "--version"], capture_output=True,
                                text=True, cwd=tmp_path, timeout=120)  # not the checkout: installed
    script = subprocess.run([str(ROOT / ".venv" / "bin" / "paperchat"), "--version"], capture_output=True,
                            text=True, timeout=120) if (ROOT / ".venv" / "bin" / "paperchat").exists() else via_module
    assert via_module.returncode == 0 and via_module.stdout.strip() == want
    assert script.stdout.strip() == want


def test_settings_that_differ_only_in_their_api_key_get_their_own_engine(bundled_settings: Settings):
    llm = {"llm.provider": "openai", "llm.base_url": "http://127.0.0.1:9/v1", "llm.model": "m"}
    one = bundled_settings.with_overrides(**llm, **{"llm.api_key": "sk-first"})
    two = bundled_settings.with_overrides(**llm, **{"llm.api_key": "sk-second"})
    assert get_engine(one) is get_engine(one)
    assert get_engine(one) is not get_engine(two)
    assert get_engine(two).llm_config().api_key == "sk-second"


# -- OpenAI conventions for local servers ----------------------------------------------------
RASAT_Q = "Which text-to-SQL model adds relational structures like schema linking to a seq2seq transformer?"


def test_openai_base_url_alone_turns_generation_on_with_the_servers_only_model(bundled_settings, monkeypatch):
    """Ollama, llama.cpp and vLLM need no key: OPENAI_BASE_URL is enough, and with no --model the
    server's one listed model is used (not gpt-4o-mini, which it does not have)."""
    from rag import Engine
    from tests.openai_stub import Reply, ScriptedOpenAIServer

    with ScriptedOpenAIServer(models=("qwen2.5:7b",)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        settings = bundled_settings.with_overrides(**{"llm.provider": "auto", "llm.model": ""})
        assert settings.llm.generative and settings.llm.resolved_api_key() is None
        engine = Engine(settings, auto_ingest=False)
        server.script(Reply("RASAT adds relational structures to a seq2seq model [1]."))
        answer = engine.ask(RASAT_Q)
        assert answer.mode == "generative" and answer.model == "qwen2.5:7b"
        assert server.chat_requests and server.chat_requests[-1]["model"] == "qwen2.5:7b"
        assert engine.llm_config().base_url == server.base_url  # messages name the URL actually used


def test_a_server_with_several_models_and_none_chosen_says_which_exist(bundled_settings):
    import pytest

    from rag import Engine, LLMError
    from tests.openai_stub import ScriptedOpenAIServer

    with ScriptedOpenAIServer(models=("llama3:8b", "qwen2.5:7b")) as server:
        settings = bundled_settings.with_overrides(
            **{"llm.provider": "openai", "llm.base_url": server.base_url, "llm.model": ""})
        # default: the extractive answer, with a notice that says what to choose
        answer = Engine(settings, auto_ingest=False).ask(RASAT_Q)
        assert answer.mode == "extractive" and answer.citations
        for part in (server.base_url, "llama3:8b, qwen2.5:7b", "--model"):
            assert part in answer.notice
        # no fallback: the error itself
        strict = Engine(settings.with_overrides(**{"llm.fallback_extractive": False}), auto_ingest=False)
        with pytest.raises(LLMError) as err:
            strict.ask(RASAT_Q)
        assert server.base_url in str(err.value) and "llama3:8b, qwen2.5:7b" in str(err.value)
        assert server.chat_requests == []  # nothing was sent to a model that may not exist


def test_a_refusal_resolves_no_llm(bundled_settings):
    """Reading settings or refusing starts no server and asks none: only answering does."""
    from rag import Engine
    from tests.openai_stub import ScriptedOpenAIServer

    with ScriptedOpenAIServer(models=("a", "b")) as server:
        settings = bundled_settings.with_overrides(
            **{"llm.provider": "openai", "llm.base_url": server.base_url, "llm.model": ""})
        engine = Engine(settings, auto_ingest=False)
        assert engine.settings.llm.generative
        answer = engine.ask("What hydration suits a sourdough rye loaf baked in a cast iron pot?")
        assert answer.refused and answer.mode == "generative"
        assert server.requests == []  # not even GET /models
