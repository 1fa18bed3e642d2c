"""Which LLM an engine talks to, resolved once: the configured server, OPENAI_BASE_URL, or the
local llama-cpp-python server (started on first use, never by merely reading a setting), and
the model to ask when none was named.
"""

from __future__ import annotations

import threading

from .answer.generative import DEFAULT_OPENAI_MODEL, LLMConfig, LLMError, list_models
from .settings import LLMSettings


class LLMResolver:
    """One per engine. ``config()`` is the only call that may start a server or ask one."""

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._local = None  # rag.local.LocalServer, once started
        self._models: dict[str, list[str]] = {}

    @property
    def generative(self) -> bool:
        return self.settings.generative

    def config(self) -> LLMConfig | None:
        """The LLM to call, or None for extractive answers. May start the local server (once)
        or list a server's models (once per URL); raises ``LLMError`` naming the server."""
        s = self.settings
        if not s.generative:
            return None
        base_url, model = s.resolved_base_url(), s.model
        if s.provider == "local":
            base_url, model = self._start_local()
        elif not model:
            model = self._only_model(base_url)
        return LLMConfig(
            base_url=base_url,
            model=model,
            api_key=s.resolved_api_key() if s.provider != "local" else None,
            temperature=s.temperature,
            max_tokens=s.max_tokens,
            timeout=s.timeout,
            max_retries=s.max_retries,
        )

    def explain(self, exc: LLMError) -> LLMError:
        """``exc`` as the user should read it: when the local server this resolver started has
        died, why (it is started afresh on the next question)."""
        with self._lock:
            why = self._local.crashed() if self._local is not None else ""
            if not why:
                return exc
            self._local.stop()
            self._local = None
        return LLMError(why)

    def close(self) -> None:
        """Stop the local server, if this resolver started one."""
        with self._lock:
            if self._local is not None:
                self._local.stop()
                self._local = None

    def _start_local(self) -> tuple[str, str]:
        with self._lock:
            if self._local is None:
                from .local import LocalServer

                s = self.settings
                server = LocalServer(s.local_model, n_ctx=s.local_n_ctx, n_threads=s.local_n_threads)
                server.start()
                self._local = server
            return self._local.base_url, self._local.model_name

    def _only_model(self, base_url: str | None) -> str:
        """gpt-4o-mini on OpenAI; on another server the one model it lists. Several or none:
        say which to choose."""
        if not base_url or "api.openai.com" in base_url:
            return DEFAULT_OPENAI_MODEL
        with self._lock:
            if base_url not in self._models:
                self._models[base_url] = list_models(base_url, self.settings.resolved_api_key(), self.settings.timeout)
            names = self._models[base_url]
        if len(names) == 1:
            return names[0]
        if not names:
            raise LLMError(f"LLM server {base_url} lists no models; name one with --model")
        shown = ", ".join(names[:10]) + (" …" if len(names) > 10 else "")
        raise LLMError(f"LLM server {base_url} has {len(names)} models ({shown}); choose one with --model")
