"""The config file's schema, in pydantic: what `config.toml` may hold, with its defaults.

Imported only when a config file has changed since it was last checked (see
tui.config.file): pydantic costs about a third of Loom's start-up.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Profile(_Strict):
    """One server Loom can talk to, and how to get its key."""

    base_url: str = "https://api.openai.com/v1"
    api_key_env: str | None = None
    """The name of an environment variable holding the key (e.g. "OPENAI_API_KEY")."""
    api_key_command: str | None = None
    """A command that prints the key (e.g. "pass show openai")."""
    api_key: str | None = Field(default=None, repr=False)
    """The key itself; only in a file nobody else can read (mode 0600)."""
    organization: str | None = None
    project: str | None = None
    admin_key_env: str | None = None
    admin_key_command: str | None = None
    admin_key: str | None = Field(default=None, repr=False)
    default_model: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra request headers (an Azure api-key, an OpenRouter HTTP-Referer)."""
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        from tui.config.urls import BadSetting, check_base_url

        try:
            return check_base_url(value, name="base_url")
        except BadSetting as error:
            raise ValueError(str(error).removeprefix("base_url: ")) from None


class Price(_Strict):
    """Dollars per million tokens for a model (and the ids that start with it)."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)


class ModelFact(_Strict):
    """What Loom should know of a model (and the ids that start with it) that the server
    does not say; laid over the facts Loom ships."""

    kind: (
        Literal["chat", "reasoning", "embedding", "image", "audio", "moderation", "unknown"] | None
    ) = None
    context_window: int | None = Field(default=None, gt=0)
    max_output: int | None = Field(default=None, gt=0)
    deprecated: str | None = None
    """The date it was deprecated, as YYYY-MM-DD."""
    shutdown: str | None = None
    """The date it stops working, as YYYY-MM-DD."""
    replacement: str | None = None


class ChatDefaults(_Strict):
    """What a new conversation starts with."""

    model: str | None = None
    system_prompt: str = ""
    params: dict[str, Any] = Field(default_factory=dict)


class Ui(_Strict):
    """How Loom draws: what it costs in a terminal over SSH (see README, "Over SSH")."""

    cursor_blink: bool = False
    low_bandwidth: bool | None = None
    """None: not said; over SSH, Loom then offers it."""
    terminal_erase: Literal["auto", "on", "off"] = "auto"
    glyphs: Literal["auto", "unicode", "plain"] = "auto"


class LedgerSettings(_Strict):
    """Loom's own record of every request it makes (the usage screen's "ledger")."""

    enabled: bool = True
    keep_bodies: bool = False
    """Keep request and response bodies in the store too (cut at 64 KB, keys masked);
    otherwise only the last requests' bodies are kept, in memory, for the inspector."""


class ConfigFile(_Strict):
    """The whole of `config.toml`."""

    default_profile: str | None = None
    theme: str | None = None
    profiles: dict[str, Profile] = Field(default_factory=dict)
    chat: ChatDefaults = Field(default_factory=ChatDefaults)
    prices: dict[str, Price] = Field(default_factory=dict)
    models: dict[str, ModelFact] = Field(default_factory=dict)
    """Facts about models by id (see tui/data/models.toml)."""
    ui: Ui = Field(default_factory=Ui)
    ledger: LedgerSettings = Field(default_factory=LedgerSettings)
    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id to keys, e.g. "chat.chats" = "ctrl+l" (see the help screen)."""
