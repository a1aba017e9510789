"""Settings: the environment (with the official SDK's names) and command-line flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
DEMO_KEY = "sim-demo-key"


@dataclass(slots=True)
class Settings:
    """Where to connect and with what; the key is never part of `repr`."""

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    organization: str | None = None
    project: str | None = None
    model: str = DEFAULT_MODEL
    demo: bool = False
    sim_tokens_per_second: float = 80.0
    sim_seed: int = 0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retries: int = 2
    data_dir: str | None = None
    """Where conversations are kept; None: LOOM_DATA_DIR, then the platform's data folder."""

    @property
    def has_key(self) -> bool:
        """Whether a key is configured."""
        return bool(self.api_key)

    @property
    def needs_key(self) -> bool:
        """OpenAI needs a key; a server of your own (vLLM, Ollama, LM Studio) may not."""
        return self.base_url.rstrip("/") == DEFAULT_BASE_URL

    @property
    def can_send(self) -> bool:
        """Whether requests can go out: a key, or a server that may not need one."""
        return self.has_key or not self.needs_key

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        base_url: str | None = None,
        model: str | None = None,
        demo: bool = False,
        data_dir: str | None = None,
    ) -> Settings:
        """Settings from the environment, then flags on top."""
        env = os.environ if environ is None else environ
        settings = cls(
            base_url=(base_url or env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            api_key=env.get("OPENAI_API_KEY") or None,
            organization=env.get("OPENAI_ORG_ID") or None,
            project=env.get("OPENAI_PROJECT_ID") or None,
            model=model or env.get("LOOM_MODEL") or DEFAULT_MODEL,
            demo=demo,
            data_dir=data_dir,
        )
        if demo:
            # The simulator's address is known only once it runs; no real key ever leaves.
            settings.api_key = DEMO_KEY
            settings.organization = None
            settings.project = None
        return settings
