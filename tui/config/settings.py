"""Settings: a profile of the config file, the environment (with the official SDK's names)
and command-line flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.config.paths import data_dir
from tui.config.urls import BadSetting, check_base_url

__all__ = ["BadSetting", "Settings", "check_base_url"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
DEMO_KEY = "sim-demo-key"
DEMO_FOLDER = "demo"
"""Demo mode keeps its conversations in this subfolder of the data folder, apart from the
user's own."""


@dataclass(slots=True)
class Settings:
    """Where to connect and with what, and the choices that shape the app. Keys are never
    part of `repr`."""

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    organization: str | None = None
    project: str | None = None
    admin_key: str | None = field(default=None, repr=False)
    """For the organisation's usage and costs (OPENAI_ADMIN_KEY, or a profile's)."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra request headers from the profile."""
    model: str = DEFAULT_MODEL
    demo: bool = False
    sim_tokens_per_second: float = 80.0
    sim_seed: int = 0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retries: int = 2
    data_dir: str | None = None
    """Where conversations are kept; None: LOOM_DATA_DIR, then the platform's data folder."""
    profile: str | None = None
    """The profile in use (None: no profile, the environment's settings)."""
    profiles: tuple[str, ...] = ()
    """Every profile of the config file."""
    theme: str | None = None
    """The theme asked for (picked in the app, or in the config); None: Loom chooses."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id to keys, from the config."""
    cursor_blink: bool = False
    """Whether text cursors blink (each blink redraws a line: bytes over SSH when idle)."""
    low_bandwidth: bool | None = None
    """Fewer frames, no blink or animations, 16 colours; None: not said (offered over SSH)."""
    terminal_erase: str = "auto"
    """Erase runs of blank cells instead of writing them: "auto", "on" or "off"."""
    glyphs: str = "auto"
    """"plain": only characters the Linux console draws; "unicode"; "auto": by $TERM."""
    system_prompt: str = ""
    """What a new conversation starts with (the config's [chat])."""
    params: dict[str, Any] = field(default_factory=dict)
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    ledger: bool = True
    """Whether every request is recorded in Loom's ledger ([ledger] enabled)."""
    ledger_bodies: bool = False
    """Whether the ledger keeps bodies too ([ledger] keep_bodies)."""
    model_facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The config's [models."ID"] tables: what Loom should know of those models."""
    """Price overrides from the config: model id to input/output/cached_input."""
    config_path: Path | None = None
    """The config file read (it may not exist)."""
    config_problem: str | None = None
    """Why the config file (or the profile) could not be used: then these are defaults."""
    choices_path: Path | None = None
    """Where picks made in the app are saved (see tui.config.choices)."""
    offered_low_bandwidth: bool = False
    """Whether low-bandwidth mode was offered already (see tui.config.choices)."""
    key_problem: str | None = None
    """Why the profile's key is missing (its variable is not set): not a problem of the
    config file, said where a key is needed."""

    @property
    def store_dir(self) -> Path:
        """The folder of the conversation store: the data folder, or its demo subfolder."""
        folder = data_dir(self.data_dir)
        return folder / DEMO_FOLDER if self.demo else folder

    def secrets(self) -> list[str]:
        """Every secret these settings hold, to be masked wherever text is shown."""
        values = [self.api_key, self.admin_key]
        values += [v for k, v in self.headers.items() if secret_header(k)]
        return [value for value in values if value]

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
        return self.has_key or not self.needs_key or "api-key" in _lower(self.headers)

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        base_url: str | None = None,
        model: str | None = None,
        demo: bool = False,
        data_dir: str | None = None,
        profile: str | None = None,
        config: str | os.PathLike[str] | None = None,
    ) -> Settings:
        """The config file's profile, then the environment, then the flags.

        A profile chosen by name (--profile, LOOM_PROFILE, or the last one picked in the
        app) is used as written; without one, the config's default profile applies and the
        OPENAI_* variables override it, as the official SDK's do. A bad flag or variable
        raises BadSetting; a config file or profile that cannot be used leaves the defaults
        and `config_problem` saying why."""
        from tui.config.choices import FILE, read_choices
        from tui.config.file import CACHE, ConfigProblem, defaults, read_config
        from tui.config.paths import config_path, state_dir

        env = os.environ if environ is None else environ
        if base_url is not None:
            base_url = check_base_url(base_url)
        loaded = read_config(config_path(config, env), state_dir(env) / CACHE)
        # Demo mode keeps its picks apart, as it keeps its conversations: a model that only
        # the simulator serves must never become the model of real use. How Loom looks
        # (theme, low-bandwidth mode) is the user's either way.
        choices_path = state_dir(env) / (f"{DEMO_FOLDER}/{FILE}" if demo else FILE)
        choices = read_choices(choices_path)
        if demo:
            own = read_choices(state_dir(env) / FILE)
            choices.theme = choices.theme or own.theme
            if choices.low_bandwidth is None:
                choices.low_bandwidth = own.low_bandwidth
            choices.offered_low_bandwidth |= own.offered_low_bandwidth
        problem = loaded.problem
        file = loaded.data if problem is None else defaults()
        profiles: dict[str, dict[str, Any]] = file["profiles"]
        named = profile or env.get("LOOM_PROFILE") or None
        chosen = named or choices.profile or file["default_profile"]
        remembered = not named and chosen == choices.profile
        if chosen is not None and chosen not in profiles:
            # A profile remembered from the app that went away is simply forgotten.
            if problem is None and not remembered:
                known = ", ".join(profiles) or "none: `loom config init` writes examples"
                field = "--profile" if named else "default_profile"
                problem = (
                    f"{loaded.path}: {field}: there is no profile {chosen!r} (profiles: {known})"
                )
            chosen = None
        chat: dict[str, Any] = file["chat"]
        ui: dict[str, Any] = file["ui"]
        settings = cls(
            config_path=loaded.path,
            choices_path=choices_path,
            profiles=tuple(profiles),
            theme=choices.theme or file["theme"],
            keymap=dict(file["keymap"]),
            system_prompt=chat["system_prompt"],
            params=dict(chat["params"]),
            model=chat["model"] or DEFAULT_MODEL,
            prices={
                name: {k: v for k, v in price.items() if v is not None}
                for name, price in file["prices"].items()
            },
            ledger=file.get("ledger", {}).get("enabled", True),
            ledger_bodies=file.get("ledger", {}).get("keep_bodies", False),
            model_facts={
                name: {k: v for k, v in fact.items() if v is not None}
                for name, fact in file.get("models", {}).items()
            },
            demo=demo,
            data_dir=data_dir,
            cursor_blink=ui["cursor_blink"],
            low_bandwidth=(
                choices.low_bandwidth if choices.low_bandwidth is not None else ui["low_bandwidth"]
            ),
            terminal_erase=ui["terminal_erase"],
            glyphs=ui["glyphs"],
            offered_low_bandwidth=choices.offered_low_bandwidth,
        )
        if chosen is not None and not demo:  # demo mode uses no profile's server or key
            try:
                settings._use_profile(chosen, profiles[chosen], loaded.path, env)
            except ConfigProblem as error:
                problem = str(error)
                chosen = None
        explicit = chosen is not None and (named is not None or remembered)
        if not explicit:
            settings._use_environment(env)
        settings.config_problem = problem
        settings.model = (
            model
            or env.get("LOOM_MODEL")
            or choices.models.get(settings.profile or "")
            or settings.model
        )
        if base_url is not None:
            settings.base_url = base_url
        if demo:
            # The simulator's address is known only once it runs; no real key ever leaves.
            settings.api_key = DEMO_KEY
            settings.admin_key = None
            settings.organization = settings.project = None
            settings.headers = {}
        return settings

    def _use_profile(
        self, name: str, chosen: dict[str, Any], path: Path, env: Mapping[str, str]
    ) -> None:
        from tui.config.file import MissingKey, resolve_secret

        missing: list[str] = []

        def secret(what: str) -> str | None:
            try:
                return resolve_secret(
                    name,
                    what,
                    env_name=chosen[f"{what}_env"],
                    command=chosen[f"{what}_command"],
                    inline=chosen[what],
                    path=path,
                    environ=env,
                )
            except MissingKey as error:
                # Fine until a request needs it: then the welcome and the errors name it.
                missing.append(str(error))
                return None

        # The keys first: a profile whose key cannot be had is not half applied.
        api_key, admin_key = secret("api_key"), secret("admin_key")
        self.key_problem = missing[0] if missing else None
        self.profile = name
        self.base_url = chosen["base_url"]
        self.api_key, self.admin_key = api_key, admin_key
        self.organization = chosen["organization"]
        self.project = chosen["project"]
        self.headers = dict(chosen["headers"])
        self.model = chosen["default_model"] or self.model
        self.connect_timeout = chosen["connect_timeout"]
        self.read_timeout = chosen["read_timeout"]
        self.max_retries = chosen["max_retries"]

    def _use_environment(self, env: Mapping[str, str]) -> None:
        """The OPENAI_* variables, over whatever the default profile set."""
        if env.get("OPENAI_BASE_URL"):
            self.base_url = check_base_url(env["OPENAI_BASE_URL"], name="OPENAI_BASE_URL")
        self.api_key = env.get("OPENAI_API_KEY") or self.api_key
        self.organization = env.get("OPENAI_ORG_ID") or self.organization
        self.project = env.get("OPENAI_PROJECT_ID") or self.project
        self.admin_key = env.get("OPENAI_ADMIN_KEY") or self.admin_key


PUBLIC_HEADERS = frozenset(
    {"http-referer", "referer", "x-title", "user-agent", "accept", "content-type", "openai-beta"}
)
"""Headers a profile may add whose values are not secret (OpenRouter's title and referer,
say); every other header a profile adds may carry a credential (Helicone-Auth, a proxy's
token) and is masked wherever it would be shown, logged or exported."""


def secret_header(name: str) -> bool:
    """Whether a header a profile adds is treated as a secret (all but PUBLIC_HEADERS)."""
    return name.lower() not in PUBLIC_HEADERS


def _lower(headers: Mapping[str, str]) -> set[str]:
    return {name.lower() for name in headers}
