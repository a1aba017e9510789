"""Settings: the environment (with the official SDK's names) and command-line flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
DEMO_KEY = "sim-demo-key"
DEMO_FOLDER = "demo"
"""Demo mode keeps its conversations in this subfolder of the data folder, apart from the
user's own."""


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where Loom keeps its data: `--data-dir`, then `LOOM_DATA_DIR`, then the platform's
    data directory (`$XDG_DATA_HOME/loom` on Linux)."""
    chosen = explicit or os.environ.get("LOOM_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("loom", appauthor=False))


class BadSetting(ValueError):
    """A setting that cannot be used; the message names it and says what to write."""


def check_base_url(text: str, *, name: str = "--base-url") -> str:
    """A base URL as Loom uses it (no trailing slash), or BadSetting saying what is wrong."""
    value = text.strip()
    example = "write it like http://localhost:11434/v1 or https://api.openai.com/v1"
    try:
        parts = urlsplit(value)
        port = parts.port  # raises for a port out of range or not a number
    except ValueError as error:
        raise BadSetting(f"{name}: {text!r} is not a valid URL ({error}); {example}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadSetting(f"{name}: {text!r} is not an http(s) URL with a host; {example}")
    if port == 0 or any(c.isspace() for c in value):
        raise BadSetting(f"{name}: {text!r} is not a usable URL; {example}")
    if parts.query or parts.fragment:
        raise BadSetting(f"{name}: {text!r} has a query or fragment; {example}")
    return value.rstrip("/")


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
    def store_dir(self) -> Path:
        """The folder of the conversation store: the data folder, or its demo subfolder."""
        folder = data_dir(self.data_dir)
        return folder / DEMO_FOLDER if self.demo else folder

    def secrets(self) -> list[str]:
        """Every secret these settings hold, to be masked wherever text is shown."""
        return [value for value in (self.api_key,) if value]

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
        """Settings from the environment, then flags on top; BadSetting names a value that
        cannot be used."""
        env = os.environ if environ is None else environ
        if base_url is not None:
            base_url = check_base_url(base_url)
        elif env.get("OPENAI_BASE_URL"):
            base_url = check_base_url(env["OPENAI_BASE_URL"], name="OPENAI_BASE_URL")
        settings = cls(
            base_url=base_url or DEFAULT_BASE_URL,
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
