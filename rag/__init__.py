"""Ask questions of a collection of abstracts; answers cite the papers they come from.

    from rag import ask
    answer = ask("How should I re-warm a model for continual pretraining?")
    print(answer.text, answer.citations)
    ask("Which models use rotary embeddings?", filters={"year": (2022, None), "author": "Su"})
"""

from .answer.generative import LLMError
from .api import AnswerStream, Chat, Engine, QuestionError, aask, ask, ask_stream, get_engine
from .filters import FilterError, Filters
from .settings import Settings
from .store import ingest_paths, open_store
from .types import Answer, Citation, Retrieval, SentenceCheck, Source

__all__ = [
    "Answer",
    "AnswerStream",
    "Chat",
    "Citation",
    "Engine",
    "FilterError",
    "Filters",
    "LLMError",
    "QuestionError",
    "Retrieval",
    "SentenceCheck",
    "Settings",
    "Source",
    "aask",
    "ask",
    "ask_stream",
    "get_engine",
    "ingest_paths",
    "open_store",
]
