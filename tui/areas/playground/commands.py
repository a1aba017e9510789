"""`loom playground` (the screen), and for scripts: `loom embed` (the similarity matrix,
or with --json the vectors and the matrix), `loom moderate` (the flagged categories; exit
status 1 when any input is flagged, 0 when none is) and `loom complete` (the completion
streamed to stdout)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cli.common import BAD_USE, FAILED, Options, err, out, settings

if TYPE_CHECKING:
    from tui.areas.playground.core.vectors import Embedded

FAMILY = "playground"
COULD_NOT = 4
"""Exit status of `loom moderate` when it could not ask (0 and 1 are its verdicts)."""


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser], options: Options) -> None:
    """The family's commands."""
    playground = commands.add_parser(
        "playground",
        help="the playground screen: completions, embeddings, moderations",
        description="Open the playground: legacy completions streamed token by token with "
        "their probabilities, embeddings compared as a similarity matrix, moderations with "
        "every category's score.",
    )
    options(playground)
    playground.set_defaults(run=run_screen)

    embed = commands.add_parser(
        "embed",
        help="embed texts: the similarity matrix (--json: the vectors too)",
        description="Embed each TEXT (and each text of --file: a line each, or a column of "
        "a CSV or JSONL file) and print how similar they are: a matrix for up to 12 texts, "
        "the closest pairs for more. --json prints the model, the tokens, the vectors and "
        "the matrix. Exit status 0, 2 for bad input, 1 when the request failed.",
    )
    embed.add_argument("texts", nargs="*", metavar="TEXT")
    _file_options(embed)
    embed.add_argument("--model", default=None, help="the model (text-embedding-3-small)")
    embed.add_argument("--dimensions", type=int, help="fewer dimensions (the -3 models)")
    embed.add_argument("--user", help="your end user's id, sent as `user`")
    embed.add_argument("--json", action="store_true", help="the vectors and the matrix as JSON")
    options(embed)
    embed.set_defaults(run=run_embed)

    moderate = commands.add_parser(
        "moderate",
        help="moderate texts: exit 1 when any is flagged",
        description="Classify each TEXT (and each text of --file) with the moderation "
        "endpoint and print, for each, flagged or not and the flagged categories with their "
        "scores. Exit status 0 when none is flagged, 1 when any is, 2 for bad input, 4 when "
        "the request failed: usable in shell pipelines.",
    )
    moderate.add_argument("texts", nargs="*", metavar="TEXT")
    _file_options(moderate)
    moderate.add_argument("--model", default=None, help="the model (omni-moderation-latest)")
    moderate.add_argument("--json", action="store_true", help="the API's results as JSON")
    options(moderate)
    moderate.set_defaults(run=run_moderate)

    complete = commands.add_parser(
        "complete",
        help="continue a prompt with a legacy completions model, streamed to stdout",
        description="Send PROMPT to the legacy completions endpoint and stream the "
        "completion to stdout as it arrives. --json prints the choices with each token's "
        "log probability instead. Exit status 0, 2 for bad input, 1 when the request failed.",
    )
    complete.add_argument("prompt", metavar="PROMPT")
    complete.add_argument("--model", default=None, help="the model (gpt-3.5-turbo-instruct)")
    complete.add_argument("--max-tokens", type=int, default=None, help="the longest completion")
    complete.add_argument("--temperature", type=float, default=None)
    complete.add_argument("--logprobs", type=int, default=None, help="alternatives per token, 0-5")
    complete.add_argument("--stop", action="append", help="a stop sequence (up to 4)")
    complete.add_argument("--suffix", default=None, help="text after the completion")
    complete.add_argument("--echo", action="store_true", help="print the prompt too")
    complete.add_argument("--n", type=int, default=None, help="completions to make")
    complete.add_argument("--seed", type=int, default=None)
    complete.add_argument("--user", default=None, help="your end user's id, sent as `user`")
    complete.add_argument("--json", action="store_true", help="the choices and tokens as JSON")
    options(complete)
    complete.set_defaults(run=run_complete)
    _add_images(commands, options)
    _add_audio(commands, options)


def _image_options(parser: argparse.ArgumentParser, model: str) -> None:
    parser.add_argument("--model", default=model, help=f"the model ({model})")
    parser.add_argument("--n", type=int, default=None, help="images to make (1-10)")
    parser.add_argument("--size", default=None, help="WxH, e.g. 1024x1024 (or auto)")
    parser.add_argument("--response-format", choices=("url", "b64_json"), default=None)
    parser.add_argument("--user", default=None, help="your end user's id, sent as `user`")
    parser.add_argument(
        "--out", metavar="DIR", default=None, help="the folder to write to (default: the gallery)"
    )
    parser.add_argument("--json", action="store_true", help="what was made, as JSON")


def _gpt_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quality", default=None, help="auto, low, medium, high (dall-e-3: standard, hd)"
    )
    parser.add_argument("--background", choices=("auto", "transparent", "opaque"), default=None)
    parser.add_argument("--format", dest="output_format", choices=("png", "jpeg", "webp"))
    parser.add_argument("--compression", dest="output_compression", type=int, default=None)


def _add_images(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], options: Options
) -> None:
    images = commands.add_parser(
        "images",
        help="generate, edit and vary images; the paths written are printed",
        description="Make images with the images endpoints and write them as files (a "
        "folder per request, with the prompt and the revised prompt beside them, under the "
        "data folder's images/, or --out DIR). Each path written is printed on a line. Exit "
        "status 0, 2 for bad input (checked for the model before sending), 1 when the "
        "request failed.",
    )
    verbs = images.add_subparsers(dest="verb", metavar="generate|edit|vary", required=True)
    generate = verbs.add_parser("generate", help="images from a prompt")
    generate.add_argument("prompt", metavar="PROMPT")
    _image_options(generate, "gpt-image-1")
    _gpt_options(generate)
    generate.add_argument("--style", choices=("vivid", "natural"), default=None, help="dall-e-3")
    generate.add_argument("--moderation", choices=("auto", "low"), default=None)
    options(generate)
    generate.set_defaults(run=run_images)
    edit = verbs.add_parser("edit", help="an image (or several) changed by a prompt")
    edit.add_argument("images", nargs="+", metavar="IMAGE")
    edit.add_argument("--prompt", required=True, help="what to change")
    edit.add_argument("--mask", default=None, help="a PNG whose transparent part is redrawn")
    _image_options(edit, "gpt-image-1")
    _gpt_options(edit)
    options(edit)
    edit.set_defaults(run=run_images)
    vary = verbs.add_parser("vary", help="variations of a square PNG (dall-e-2)")
    vary.add_argument("image", metavar="IMAGE")
    _image_options(vary, "dall-e-2")
    options(vary)
    vary.set_defaults(run=run_images)


def run_images(args: argparse.Namespace) -> int:
    """`loom images generate|edit|vary …`."""
    import asyncio

    def path(given: str | None) -> Path | None:
        return Path(given).expanduser() if given else None

    given = getattr(args, "images", None) or [getattr(args, "image", None)]
    paths = [Path(p).expanduser() for p in given if p]
    return asyncio.run(_images(args, paths, path(getattr(args, "mask", None)), path(args.out)))


async def _images(
    args: argparse.Namespace, paths: list[Path], mask: Path | None, out_dir: Path | None
) -> int:
    from tui.areas.playground.core.images import OPTION_NAMES, ImageInputError
    from tui.core.failures import APIError

    chosen = {name: getattr(args, name, None) for name in (*OPTION_NAMES, "user")}
    chosen = {name: value for name, value in chosen.items() if value is not None}
    services, service = _service(args)
    command = f"loom images {args.verb}"
    try:
        if args.verb == "generate":
            made = await service.generate_images(args.prompt, args.model, chosen, out_dir)
        elif args.verb == "edit":
            made = await service.edit_images(paths, args.prompt, args.model, chosen, mask, out_dir)
        else:
            made = await service.vary_image(paths[0], args.model, chosen, out_dir)
    except ImageInputError as error:
        err(f"{command}: {error}")
        return BAD_USE
    except APIError as error:
        err(f"{command}: {service.said(error, 'making the images', area='images')}")
        return FAILED
    except OSError as error:
        err(
            f"{command}: the images could not be written ({error.strerror or error}): "
            "free some space or choose another folder with --out"
        )
        return FAILED
    finally:
        await services.aclose()
    if args.json:
        about = {
            "folder": str(made.folder),
            "files": [str(f) for f in made.files],
            "model": made.model,
            "revised_prompts": made.revised,
            "cost": made.cost,
        }
        out(json.dumps(about, ensure_ascii=False) + "\n")
        return 0
    out("".join(f"{path}\n" for path in made.files))
    return 0


def _file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--file", metavar="F", help="texts from F: a line each, or a column")
    parser.add_argument("--column", help="--file's CSV or JSONL column (default: text)")


def run_screen(args: argparse.Namespace) -> int:
    """`loom playground`."""
    from tui.cli.workbench import run_app

    return run_app(args, mode="playground")


def _texts(args: argparse.Namespace, command: str) -> list[str] | None:
    from tui.areas.playground.core.inputs import InputFileError, read_texts

    texts = list(args.texts)
    if args.file:
        try:
            texts += read_texts(Path(args.file), args.column)
        except (OSError, InputFileError) as error:
            why = error.strerror if isinstance(error, OSError) and error.strerror else error
            err(f"loom {command}: cannot read {args.file}: {why}")
            return None
    if not texts:
        err(f"loom {command}: give one text or more (or --file F)")
        return None
    return texts


def _service(args: argparse.Namespace) -> tuple[Any, Any]:
    from tui.core.services import Services

    services = Services(settings(args), join_demo=True)
    return services, services.area("playground")


def run_embed(args: argparse.Namespace) -> int:
    """`loom embed TEXT… [--file F] [--json]`."""
    import asyncio

    texts = _texts(args, "embed")
    if texts is None:
        return BAD_USE
    return asyncio.run(_embed(args, texts))


async def _embed(args: argparse.Namespace, texts: list[str]) -> int:
    from tui.areas.playground.core.service import EMBEDDING_MODEL, InputError
    from tui.core.failures import APIError

    services, service = _service(args)
    try:
        embedded = await service.embed(
            texts, model=args.model or EMBEDDING_MODEL, dimensions=args.dimensions, user=args.user
        )
    except InputError as error:
        err(f"loom embed: {error}")
        return BAD_USE
    except APIError as error:
        err(f"loom embed: {service.said(error, 'embedding the texts', area='embeddings')}")
        return FAILED
    finally:
        await services.aclose()
    if args.json:
        out(json.dumps(_embedded_json(embedded), ensure_ascii=False) + "\n")
        return 0
    out("\n".join(matrix_lines(embedded)) + "\n")
    return 0


def _embedded_json(embedded: Embedded) -> dict[str, Any]:
    return {
        "model": embedded.model,
        "dimensions": embedded.dimensions,
        "tokens": embedded.tokens,
        "cost": embedded.cost,
        "texts": embedded.texts,
        "vectors": [[float(x) for x in row] for row in embedded.vectors],
        "matrix": [[round(float(x), 6) for x in row] for row in embedded.similarity()],
    }


def matrix_lines(embedded: Embedded) -> list[str]:
    """The similarity as lines: a numbered matrix for a few texts, the closest pairs for
    more, then the model, dimensions, tokens and cost."""
    from tui.areas.playground.core.vectors import MATRIX_MOST
    from tui.core.text import strip_controls

    names = [strip_controls(t).replace("\n", " ") for t in embedded.texts]
    matrix = embedded.similarity()
    lines = [f"{n + 1:>3}  {name[:70]}" for n, name in enumerate(names)]
    lines.append("")
    if len(names) <= MATRIX_MOST:
        lines.append("     " + "".join(f"{n + 1:>6}" for n in range(len(names))))
        for n, row in enumerate(matrix):
            lines.append(f"{n + 1:>3}  " + "".join(f"{float(x):>6.2f}" for x in row))
    else:
        lines.append("closest pairs:")
        for a, b, value in embedded.ranked_pairs(matrix, most=20):
            lines.append(f"  {value:5.2f}  {a + 1} · {b + 1}")
    from tui.core.words import money

    cost = "" if embedded.cost is None else f", {money(embedded.cost)}"
    lines.append("")
    lines.append(
        f"{embedded.model}: {embedded.dimensions:,} dimensions, {embedded.tokens:,} tokens{cost}"
    )
    return lines


def run_moderate(args: argparse.Namespace) -> int:
    """`loom moderate TEXT… [--file F] [--json]`."""
    import asyncio

    texts = _texts(args, "moderate")
    if texts is None:
        return BAD_USE
    return asyncio.run(_moderate(args, texts))


async def _moderate(args: argparse.Namespace, texts: list[str]) -> int:
    from tui.areas.playground.core.service import InputError
    from tui.areas.playground.core.verdicts import scores
    from tui.core.failures import APIError
    from tui.core.text import strip_controls

    services, service = _service(args)
    try:
        verdict = await service.moderate(texts, args.model)
    except InputError as error:
        err(f"loom moderate: {error}")
        return BAD_USE
    except APIError as error:
        err(f"loom moderate: {service.said(error, 'moderating the texts', area='moderations')}")
        return COULD_NOT
    finally:
        await services.aclose()
    if args.json:
        out(json.dumps(verdict.model_dump(mode="json"), ensure_ascii=False) + "\n")
    else:
        for n, (text, result) in enumerate(zip(texts, verdict.results, strict=False), 1):
            shown = strip_controls(text).replace("\n", " ")[:60]
            flagged = [s for s in scores(result) if s.flagged]
            words = ", ".join(f"{s.category} {s.score:.2f}" for s in flagged)
            out(f"{n:>3}  {'FLAGGED' if result.flagged else 'ok     '}  {shown}\n")
            if words:
                out(f"       {words}\n")
    return 1 if any(r.flagged for r in verdict.results) else 0


def run_complete(args: argparse.Namespace) -> int:
    """`loom complete PROMPT [--model M] [--max-tokens N] [--json]`."""
    import asyncio

    params: dict[str, Any] = {}
    for name in ("max_tokens", "temperature", "logprobs", "suffix", "n", "seed", "user"):
        value = getattr(args, name)
        if value is not None:
            params[name] = value
    if args.stop:
        params["stop"] = args.stop
    if args.echo:
        params["echo"] = True
    return asyncio.run(_complete(args, params))


async def _complete(args: argparse.Namespace, params: dict[str, Any]) -> int:
    from tui.areas.playground.core.completions import Choices
    from tui.areas.playground.core.service import COMPLETION_MODEL, InputError
    from tui.core.failures import APIError
    from tui.core.text import safe

    services, service = _service(args)
    choices = Choices()
    body = service.body(args.prompt, args.model or COMPLETION_MODEL, params)
    several = (params.get("n") or 1) > 1
    try:
        async for chunk in service.stream(body):
            choices.take(chunk)
            if not args.json and not several:
                sys.stdout.write(safe("".join(c.text for c in chunk.choices)))
                sys.stdout.flush()
    except InputError as error:
        err(f"loom complete: {error}")
        return BAD_USE
    except APIError as error:
        if not args.json and not several and choices.by_index:
            sys.stdout.write("\n")
        err(f"loom complete: {service.said(error, 'completing the prompt', area='completions')}")
        return FAILED
    finally:
        await services.aclose()
    if args.json:
        shown = {
            "model": choices.model,
            "choices": [
                {
                    "index": c.index,
                    "text": c.text,
                    "finish_reason": c.finish_reason,
                    "tokens": [
                        {"token": t.text, "logprob": t.logprob, "top_logprobs": t.alternatives}
                        for t in c.tokens
                    ],
                }
                for c in choices.ordered()
            ],
            "usage": {
                "prompt_tokens": choices.prompt_tokens,
                "completion_tokens": choices.completion_tokens,
            },
        }
        out(json.dumps(shown, ensure_ascii=False) + "\n")
    elif several:
        for choice in choices.ordered():
            out(f"--- {choice.index + 1} ({choice.finish_reason or '?'})\n{choice.text}\n")
    else:
        sys.stdout.write("\n")
    return 0


def _add_audio(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], options: Options
) -> None:
    audio = commands.add_parser(
        "audio",
        help="speak text into an audio file; transcribe or translate an audio file",
        description="`loom audio speak TEXT` writes speech to a file (--out, else the data "
        "folder's audio/) and prints its path; `loom audio transcribe FILE` prints what was "
        "said (--format srt or vtt for subtitles, verbose_json for segments and word "
        "times; --translate for English). Exit status 0, 2 for bad input (checked for the "
        "model before sending), 1 when the request failed.",
    )
    verbs = audio.add_subparsers(dest="verb", metavar="speak|transcribe", required=True)
    speak = verbs.add_parser("speak", help="text to speech, into a file")
    speak.add_argument("text", metavar="TEXT", help="what to say (- reads standard input)")
    speak.add_argument("--out", metavar="FILE", default=None, help="the file to write")
    speak.add_argument("--model", default="gpt-4o-mini-tts", help="the model (gpt-4o-mini-tts)")
    speak.add_argument("--voice", default="alloy", help="alloy, ash, coral, echo, sage, …")
    speak.add_argument(
        "--format",
        dest="response_format",
        default=None,
        choices=("mp3", "opus", "aac", "flac", "wav", "pcm"),
        help="the audio format (default: the --out file's extension, else mp3)",
    )
    speak.add_argument("--speed", type=float, default=None, help="0.25 to 4")
    speak.add_argument("--instructions", default=None, help="how to speak (gpt-4o-mini-tts)")
    speak.add_argument("--play", action="store_true", help="play it when a player exists")
    options(speak)
    speak.set_defaults(run=run_audio)
    transcribe = verbs.add_parser("transcribe", help="what an audio file says")
    transcribe.add_argument("file", metavar="FILE")
    transcribe.add_argument("--model", default="whisper-1", help="the model (whisper-1)")
    transcribe.add_argument(
        "--format",
        dest="response_format",
        default="text",
        choices=("json", "text", "srt", "verbose_json", "vtt"),
        help="what to print (text)",
    )
    transcribe.add_argument("--translate", action="store_true", help="into English")
    transcribe.add_argument("--language", default=None, help="the language spoken (ISO 639-1)")
    transcribe.add_argument("--prompt", default=None, help="words to expect, a style to follow")
    transcribe.add_argument("--temperature", type=float, default=None)
    transcribe.add_argument(
        "--timestamps",
        default=None,
        metavar="word,segment",
        help="word and/or segment times (with --format verbose_json)",
    )
    transcribe.add_argument("--stream", action="store_true", help="print as it is heard (gpt-4o)")
    options(transcribe)
    transcribe.set_defaults(run=run_audio)


def run_audio(args: argparse.Namespace) -> int:
    """`loom audio speak|transcribe …`."""
    import asyncio

    if args.verb == "speak":
        text = sys.stdin.read() if args.text == "-" else args.text
        out_file = Path(args.out).expanduser() if args.out else None
        chosen = args.response_format
        if chosen is None and out_file is not None:
            suffix = out_file.suffix.lower().lstrip(".")
            chosen = {"ogg": "opus"}.get(suffix, suffix)
            if chosen not in ("mp3", "opus", "aac", "flac", "wav", "pcm"):
                chosen = None
        return asyncio.run(_speak(args, text, out_file, chosen or "mp3"))
    return asyncio.run(_transcribe(args, Path(args.file).expanduser()))


async def _speak(args: argparse.Namespace, text: str, out_file: Path | None, fmt: str) -> int:
    from tui.areas.playground.core.audio import AudioInputError, playable, player
    from tui.core.failures import APIError

    services, service = _service(args)
    chosen = {"voice": args.voice, "response_format": fmt, "speed": args.speed}
    chosen["instructions"] = args.instructions
    try:
        path = await service.speak(text, args.model, chosen, out_file)
    except AudioInputError as error:
        err(f"loom audio speak: {error}")
        return BAD_USE
    except APIError as error:
        err(f"loom audio speak: {service.said(error, 'speaking the text', area='audio')}")
        return FAILED
    except OSError as error:
        err(
            f"loom audio speak: the audio could not be written ({error.strerror or error}): "
            "free some space or choose another file with --out"
        )
        return FAILED
    finally:
        await services.aclose()
    out(f"{path}\n")
    if args.play:
        found = player()
        if found is None:
            err("loom audio speak: no audio player here (mpv, ffplay, paplay, aplay): saved")
        elif not playable(found[0], path):
            err(f"loom audio speak: {found[0]} cannot play {path.suffix} files: saved")
        else:
            import asyncio

            err(f"loom audio speak: playing it with {found[0]}")
            played = await asyncio.create_subprocess_exec(*found[1], str(path))
            await played.wait()
    return 0


async def _transcribe(args: argparse.Namespace, audio: Path) -> int:
    from tui.areas.playground.core.audio import AudioInputError
    from tui.core.failures import APIError

    services, service = _service(args)
    chosen: dict[str, Any] = {
        "response_format": args.response_format,
        "language": args.language,
        "prompt": args.prompt,
        "temperature": args.temperature,
        "timestamp_granularities": (args.timestamps or "").split(","),
    }
    command = "loom audio transcribe"
    try:
        if args.stream:
            async for event in service.transcribe_stream(audio, args.model, chosen):
                if event.get("type") == "transcript.text.delta":
                    out(str(event.get("delta", "")))
                    sys.stdout.flush()
                elif event.get("type") == "transcript.text.done":
                    out("\n")
            return 0
        transcript = await service.transcribe(audio, args.model, chosen, translate=args.translate)
    except AudioInputError as error:
        err(f"{command}: {error}")
        return BAD_USE
    except APIError as error:
        err(f"{command}: {service.said(error, 'transcribing the audio', area='audio')}")
        return FAILED
    finally:
        await services.aclose()
    if args.response_format in ("text", "srt", "vtt"):
        out(transcript.text if transcript.text.endswith("\n") else transcript.text + "\n")
    else:
        out(json.dumps(transcript.model_dump(exclude_none=True), ensure_ascii=False) + "\n")
    return 0
