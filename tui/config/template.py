"""The file `loom config init` writes: every setting, with working examples."""

TEMPLATE = """\
# Loom's config file. `loom config show` prints what Loom makes of it (keys masked), and
# `loom config edit` opens it and checks it when you close it.
#
# A profile is a server and how to reach it: `loom --profile ollama` uses one, and so does
# LOOM_PROFILE or picking one in the app (ctrl+p, "Profile: …"). A profile named like that
# is used as written; without one, `default_profile` applies and the OPENAI_* variables
# (OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_ORG_ID, OPENAI_PROJECT_ID) override it.
# Flags (--base-url, --model) override everything.
#
# A key is given one of three ways: api_key_env = "NAME" (an environment variable),
# api_key_command = "pass show openai" (a command that prints it), or api_key = "sk-…"
# (only in a file nobody else can read: chmod 600).

default_profile = "openai"

# theme = "loom-dark"   # loom-dark, loom-light, loom-high-contrast, loom-ansi (16 colours),
#                       # or a file of your own in themes/ beside this one

[chat]
# model = "gpt-4o-mini"              # for profiles that name no default_model
# system_prompt = "Answer briefly."  # what a new conversation starts with
# [chat.params]
# temperature = 0.7

[profiles.openai]
base_url = "https://api.openai.com/v1"
api_key_env = "OPENAI_API_KEY"
default_model = "gpt-4o-mini"
# organization = "org-..."
# project = "proj_..."
# admin_key_env = "OPENAI_ADMIN_KEY"  # the organisation's usage and costs

[profiles.azure]
# Azure OpenAI's v1 API: your resource's endpoint; models are your deployment names.
base_url = "https://YOUR-RESOURCE.openai.azure.com/openai/v1"
api_key_env = "AZURE_OPENAI_API_KEY"
default_model = "YOUR-DEPLOYMENT"

[profiles.ollama]
base_url = "http://localhost:11434/v1"
default_model = "llama3.2"

[profiles.vllm]
base_url = "http://localhost:8000/v1"
# api_key_env = "VLLM_API_KEY"       # if the server was started with --api-key
# default_model = "Qwen/Qwen2.5-7B-Instruct"

[profiles.openrouter]
base_url = "https://openrouter.ai/api/v1"
api_key_env = "OPENROUTER_API_KEY"
default_model = "openai/gpt-4o-mini"
read_timeout = 120
[profiles.openrouter.headers]
"X-Title" = "Loom"                     # how requests are named on openrouter.ai

[profiles.lmstudio]
base_url = "http://localhost:1234/v1"

# Prices in dollars per million tokens, over the ones Loom ships (for cost figures).
# [prices."llama3"]                    # matches llama3 and llama3-... ids
# input = 0.0
# output = 0.0

# What the model browser should know of models the server says little about:
# [models."llama3.2"]                   # matches llama3.2, llama3.2-... and llama3.2:... ids
# kind = "chat"                         # chat, reasoning, embedding, image, audio, moderation
# context_window = 131072
# max_output = 8192
# shutdown = "2026-03-01"               # YYYY-MM-DD; deprecated = "..." and replacement too

[ui]
# How Loom draws, and what that costs in a terminal over SSH (README: "Over SSH").
# cursor_blink = false     # a blinking cursor redraws its line twice a second
# low_bandwidth = false    # fewer frames while a reply streams, no blink or animations,
#                          # 16 colours; also `loom --low-bandwidth`. Unset: offered over SSH
# terminal_erase = "auto"  # erase runs of blank cells instead of writing spaces: "auto"
#                          # (where the terminal erases in colour: bce, tmux), "on", "off"
# glyphs = "auto"          # "plain" draws only what the Linux console can (auto: TERM=linux)

# Keys: binding id = keys. The ids are in the help (F1 or ctrl+g).
# [keymap]
# "chat.chats" = "ctrl+l"
"""
