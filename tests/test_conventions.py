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
    llm = {"llm.provider": "openai", "llm.base_url": "http://127.0.0.1:9/v1"}
    one = bundled_settings.with_overrides(**llm, **{"llm.api_key": "sk-first"})
    two = bundled_settings.with_overrides(**llm, **{"llm.api_key": "sk-second"})
    assert get_engine(one) is get_engine(one)
    assert get_engine(one) is not get_engine(two)
    assert get_engine(two).llm.api_key == "sk-second"
