"""The config file: profiles, keys three ways, precedence, a broken file never stops Loom,
`loom config`, themes, and picks made in the app kept for the next start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.app import LoomApp
from tui.config import Settings
from tui.config.choices import read_choices
from tui.config.template import TEMPLATE
from tui.sim.server import SimServer

from .conftest import quiet, screen_text, settings_for, until


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


def load(path: Path, env: dict[str, str] | None = None, **flags: object) -> Settings:
    return Settings.load(env or {}, config=path, **flags)  # type: ignore[arg-type]


def test_a_named_profile_is_used_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, TEMPLATE)
    env = {"OPENAI_BASE_URL": "http://elsewhere:1/v1", "OPENAI_API_KEY": "sk-from-env-123456"}
    ollama = load(path, env, profile="ollama")
    assert (ollama.profile, ollama.base_url) == ("ollama", "http://localhost:11434/v1")
    assert ollama.api_key is None and ollama.model == "llama3.2"
    # Without a name the default profile applies, and the OPENAI_* variables win over it.
    default = load(path, env)
    assert default.profile == "openai" and default.base_url == "http://elsewhere:1/v1"
    assert default.api_key == "sk-from-env-123456"
    # Flags win over everything.
    flagged = load(path, env, profile="ollama", base_url="http://flag:2/v1", model="m")
    assert (flagged.base_url, flagged.model) == ("http://flag:2/v1", "m")
    assert load(path, {**env, "LOOM_PROFILE": "vllm"}).profile == "vllm"


def test_keys_from_a_variable_a_command_or_a_private_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[profiles.env]\napi_key_env = "MY_KEY"\n'
        '[profiles.command]\napi_key_command = "echo sk-from-command-42"\n'
        '[profiles.inline]\napi_key = "sk-inline-key-0001"\n'
        '[profiles.both]\napi_key = "x"\napi_key_env = "MY_KEY"\n',
    )
    assert load(path, {"MY_KEY": "sk-env-key-77"}, profile="env").api_key == "sk-env-key-77"
    assert load(path, profile="command").api_key == "sk-from-command-42"
    assert load(path, profile="inline").api_key == "sk-inline-key-0001"
    both = load(path, profile="both")
    assert both.profile is None and "one way only" in (both.config_problem or "")
    # A key variable that is not set is fine until the profile sends a request: the
    # profile is used, without a key, and the welcome names the variable.
    missing = load(path, profile="env")
    assert missing.profile == "env" and missing.api_key is None
    assert missing.config_problem is None
    assert "MY_KEY, which is not set" in (missing.key_problem or "")
    from tui.core.advice import no_key_message

    assert "MY_KEY, which is not set" in no_key_message(missing)
    path.chmod(0o644)
    shared = load(path, profile="inline")
    assert shared.api_key is None and "chmod 600" in (shared.config_problem or "")


def test_a_failing_key_command_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[profiles.p]\napi_key_command = "echo nope >&2; exit 3"\n')
    settings = load(path, profile="p")
    assert "failed (exit 3: nope)" in (settings.config_problem or "")
    assert settings.profile is None  # the defaults, not a half-made profile


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[profiles.a]\nbase_urll = 'http://x/v1'\n", 2, ["profiles.a.base_urll", "base_url?"]),
        ("[profiles.a]\nread_timeout = 'slow'\n", 2, ["read_timeout", "a number"]),
        ("default_profile = 'a'\n[chat]\nmodel = 4\n", 3, ["chat.model", "quotes"]),
        ("[profiles.a]\nbase_url = 'notaurl'\n", 2, ["base_url", "http"]),
        ("theme = 'x'\nb = = 2\n", 2, ["not valid TOML", "line 2"]),
        ("colour = 'red'\n", 1, ["colour", "not a setting"]),
    ],
)
def test_a_broken_file_names_file_line_field_and_the_fix(
    tmp_path: Path, text: str, line: int, words: list[str]
) -> None:
    path = write(tmp_path, text)
    settings = load(path, {"OPENAI_API_KEY": "sk-still-works-1"})
    problem = settings.config_problem or ""
    assert problem.startswith(f"{path}:{line}:") or f"line {line}" in problem, problem
    for word in words:
        assert word in problem, (word, problem)
    # And Loom goes on with the defaults and the environment.
    assert settings.api_key == "sk-still-works-1" and settings.profile is None


def test_a_checked_file_is_read_again_without_pydantic(tmp_path: Path) -> None:
    path = write(tmp_path, TEMPLATE)
    code = (
        "import sys\nfrom tui.config import Settings\n"
        f"s = Settings.load({{'OPENAI_API_KEY': 'k'}}, config={str(path)!r})\n"
        "print(s.profile, 'pydantic' in sys.modules)\n"
    )
    env = {**os.environ, "LOOM_STATE_DIR": str(tmp_path / "state")}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert first.stdout.split() == ["openai", "True"], first.stderr
    assert second.stdout.split() == ["openai", "False"], second.stderr
    path.write_text(TEMPLATE.replace('default_profile = "openai"', 'default_profile = "vllm"'))
    third = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert third.stdout.split() == ["vllm", "True"], "a changed file is checked again"


def loom(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )


def test_loom_config_init_show_and_path(tmp_path: Path) -> None:
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "LOOM_STATE_DIR": str(tmp_path / "state"),
        "OPENAI_API_KEY": "sk-shown-98765",
    }
    where = loom("config", "path", env=env)
    path = Path(where.stdout.strip())
    assert path == tmp_path / "config" / "loom" / "config.toml" and "init" in where.stderr
    assert loom("config", "init", env=env).returncode == 0
    assert path.read_text() == TEMPLATE and (path.stat().st_mode & 0o777) == 0o600
    assert loom("config", "init", env=env).returncode == 1, "an existing file is kept"
    shown = loom("config", "show", env=env)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "sk-shown-98765" not in shown.stdout and "sk-…8765" in shown.stdout
    assert "profile = openai" in shown.stdout and "ollama, vllm" in shown.stdout
    assert (
        "base_url = http://localhost:11434/v1"
        in loom("--profile", "ollama", "config", "show", env=env).stdout
    )
    unknown = loom("config", "show", "--profile", "nope", env=env)
    assert unknown.returncode == 1 and "there is no profile 'nope'" in unknown.stdout


def test_every_profile_of_the_template_is_valid() -> None:
    import tomllib

    from tui.config.schema import ConfigFile

    config = ConfigFile.model_validate(tomllib.loads(TEMPLATE))
    assert set(config.profiles) == {"openai", "azure", "ollama", "vllm", "openrouter", "lmstudio"}


async def test_a_profile_reaches_its_server_with_its_headers(
    sim: SimServer, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        f'[profiles.local]\nbase_url = "{sim.base_url}"\napi_key_env = "LOCAL_KEY"\n'
        'default_model = "gpt-4.1-mini"\n[profiles.local.headers]\n"X-Title" = "Loom test"\n',
    )
    settings = Settings.load({"LOCAL_KEY": "sk-local-key-123"}, config=path, profile="local")
    app = LoomApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await quiet(pilot)
        assert "gpt-4.1-mini @ local" in screen_text(app)
        prompt = app.screen.query_one("#prompt")
        prompt.load_text("hello local")  # type: ignore[attr-defined]
        prompt.action_submit()  # type: ignore[attr-defined]
        await quiet(pilot)
        assert sim.state.last_headers.get("x-title") == "Loom test"
        assert sim.state.last_chat_body["model"] == "gpt-4.1-mini"


async def test_a_broken_config_is_said_and_the_app_starts(sim: SimServer, tmp_path: Path) -> None:
    path = write(tmp_path, "[profiles.a]\nbase_urll = 'x'\n")
    settings = Settings.load({"OPENAI_BASE_URL": sim.base_url, "OPENAI_API_KEY": "k"}, config=path)
    app = LoomApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await quiet(pilot)
        assert app.is_running
        words = " ".join(screen_text(app).split())
        assert "base_urll" in words and "defaults" in words


async def test_picks_in_the_app_are_kept_for_the_next_start(sim: SimServer, tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = {"OPENAI_BASE_URL": sim.base_url, "OPENAI_API_KEY": "k", "LOOM_STATE_DIR": str(state)}
    settings = Settings.load(env)
    app = LoomApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await quiet(pilot)
        app.theme = "loom-light"
        await app.screen.use_model("gpt-4.1-nano")  # type: ignore[attr-defined]
        await pilot.pause()
    choices = read_choices(state / "choices.toml")
    assert choices.theme == "loom-light" and choices.models == {"": "gpt-4.1-nano"}
    again = Settings.load(env)
    assert again.theme == "loom-light" and again.model == "gpt-4.1-nano"
    second = LoomApp(again)
    async with second.run_test(size=(100, 30)) as pilot:
        await quiet(pilot)
        assert second.theme == "loom-light"


async def test_switching_profile_in_the_app(sim: SimServer, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f'[profiles.one]\nbase_url = "{sim.base_url}"\napi_key = "sk-one-000001"\n'
        f'[profiles.two]\nbase_url = "{sim.base_url}"\napi_key = "sk-two-000002"\n'
        'default_model = "gpt-4o"\n',
    )
    env = {"LOOM_STATE_DIR": str(tmp_path / "state")}
    app = LoomApp(Settings.load(env, config=path, profile="one"))
    async with app.run_test(size=(100, 30)) as pilot:
        await quiet(pilot)
        await app.switch_profile("two")
        await quiet(pilot)
        assert app.services.settings.profile == "two"
        assert "gpt-4o @ two" in screen_text(app)
    assert read_choices(tmp_path / "state" / "choices.toml").profile == "two"
    assert Settings.load(env, config=path).profile == "two", "the pick outlives the app"


def test_theme_files_are_checked_and_named(tmp_path: Path) -> None:
    from tui.config.themes import read_themes, shipped_dirs

    shipped = read_themes(shipped_dirs())
    names = {theme["name"] for theme in shipped.themes}
    assert {"loom-dark", "loom-light", "loom-high-contrast", "loom-ansi"} <= names
    assert not shipped.problems
    (tmp_path / "mine.toml").write_text('primary = "#FF0000"\ndark = false\n')
    (tmp_path / "bad.toml").write_text('primary = "#FF0000"\ndarkness = true\n')
    (tmp_path / "worse.toml").write_text("dark = 'yes'\nprimary = '#000000'\n")
    found = read_themes([tmp_path])
    assert [t["name"] for t in found.themes] == ["mine"]
    assert any("bad.toml: darkness" in p for p in found.problems)
    assert any("worse.toml: dark: should be true or false" in p for p in found.problems)


async def test_user_themes_load_and_16_colours_get_the_ansi_theme(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    themes = tmp_path / "config" / "loom" / "themes"
    themes.mkdir(parents=True)
    (themes / "sunset.toml").write_text('primary = "#FF8700"\nbackground = "#1C1C1C"\n')
    (themes / "broken.toml").write_text('primary = "notacolour"\n')
    app = LoomApp(settings_for(sim, theme="sunset"))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: bool(app._notifications), "the theme notice")
        assert app.theme == "sunset"
        assert any("notacolour" in n.message for n in app._notifications)
        await quiet(pilot)
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.delenv("COLORTERM", raising=False)
    plain = LoomApp(settings_for(sim))
    assert plain.console.color_system in ("standard", None)
    if plain.console.color_system == "standard":
        assert plain.theme == "loom-ansi"


def test_a_fresh_config_is_not_refused_for_a_missing_key_in_demo_or_real_use(
    tmp_path: Path,
) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["LOOM_CONFIG"] = str(tmp_path / "config.toml")
    env["LOOM_DATA_DIR"] = str(tmp_path / "data")

    def loom(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    assert loom("config", "init").returncode == 0
    for command in (["--demo", "list"], ["list"]):
        done = loom(*command)
        assert done.returncode == 0, done.stderr
        assert "not set" not in done.stderr and "defaults" not in done.stderr
    shown = loom("config", "show")
    assert shown.returncode == 0 and "PROBLEM" not in shown.stdout


def test_demo_picks_live_apart_from_real_ones(tmp_path: Path) -> None:
    from tui.config import Settings
    from tui.core.services import Services

    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "LOOM_STATE_DIR": str(tmp_path / "st")}
    demo = Settings.load(env, demo=True, config=tmp_path / "none.toml")
    assert Services(demo).remember(model="ft:gpt-4o-mini:demo:x:1", theme="loom-light") is None
    real = Settings.load(env, config=tmp_path / "none.toml")
    assert real.model == "gpt-4o-mini"  # the demo's fine-tuned model stays in the demo
    assert real.choices_path != demo.choices_path
    again = Settings.load(env, demo=True, config=tmp_path / "none.toml")
    assert again.model == "ft:gpt-4o-mini:demo:x:1" and again.theme == "loom-light"
