"""Settings: the config file (profiles), the environment (with the official SDK's names) and
command-line flags, in that order of precedence, and every path Loom uses."""

from tui.config.paths import config_path, data_dir, state_dir
from tui.config.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_MODEL,
    DEMO_FOLDER,
    DEMO_KEY,
    BadSetting,
    Settings,
    check_base_url,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "DEMO_FOLDER",
    "DEMO_KEY",
    "BadSetting",
    "Settings",
    "check_base_url",
    "config_path",
    "data_dir",
    "state_dir",
]
