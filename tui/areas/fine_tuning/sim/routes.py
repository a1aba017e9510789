"""The simulator's fine-tuning API: jobs (create, list, retrieve, cancel, pause, resume),
their events and checkpoints, checkpoint permissions; and the jobs `loom --demo` starts
with, one of them training live."""

from __future__ import annotations

import json
import math
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.areas.fine_tuning.sim.jobs import (
    MIN_EXAMPLES,
    SimJob,
    Timing,
    base_model,
    check_training_file,
    encoded_csv,
)
from tui.sim.files import add_file
from tui.sim.gate import Gate
from tui.sim.state import InvalidRequest, SimState, cursor_page, error_response, json_object

METHODS = ("supervised", "dpo", "reinforcement")
ROUTE = "fine_tuning"


def _choice(
    value: Any, name: str, kind: type, low: float, high: float, *, open_low: bool = False
) -> Any:
    """A hyperparameter: "auto", or a number of `kind` within [low, high]."""
    if value is None or value == "auto":
        return "auto"
    number_ok = isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        number_ok = isinstance(value, int) and not isinstance(value, bool)
    if not number_ok or not math.isfinite(value):
        raise InvalidRequest(f"Invalid '{name}': expected \"auto\" or a number.", name)
    if value < low or value > high or (open_low and value == low):
        shown = f"more than {low:g}" if open_low else f"at least {low:g}"
        raise InvalidRequest(f"Invalid '{name}': must be {shown} and at most {high:g}.", name)
    return value


def _hyperparameters(raw: Any, method: str, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidRequest(f"Invalid '{where}': expected an object.", where)
    out: dict[str, Any] = {
        "batch_size": _choice(raw.get("batch_size"), f"{where}.batch_size", int, 1, 256),
        "learning_rate_multiplier": _choice(
            raw.get("learning_rate_multiplier"),
            f"{where}.learning_rate_multiplier",
            float,
            0,
            1e6,
            open_low=True,
        ),
        "n_epochs": _choice(raw.get("n_epochs"), f"{where}.n_epochs", int, 1, 50),
    }
    if method == "dpo":
        out["beta"] = _choice(raw.get("beta"), f"{where}.beta", float, 0, 2, open_low=True)
    return out


def parse_job_request(body: Any, sim: SimState) -> dict[str, Any]:
    """Check a `CreateFineTuningJobRequest` as the API does; InvalidRequest names the
    parameter at fault."""
    if not isinstance(body, dict):
        raise InvalidRequest("The body must be a JSON object.", None)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("Missing required parameter: 'model'.", "model")
    base = base_model(model)
    if base is None:
        raise InvalidRequest(
            f"Model {model} is not available for fine-tuning or does not exist.", "model"
        )
    files: dict[str, bytes] = {}
    for name in ("training_file", "validation_file"):
        file_id = body.get(name)
        if file_id is None and name == "validation_file":
            continue
        if not isinstance(file_id, str) or not file_id:
            raise InvalidRequest(f"Missing required parameter: '{name}'.", name)
        entry = sim.files.get(file_id)
        if entry is None:
            raise InvalidRequest(f"invalid {name}: {file_id} (no such file)", name)
        if entry["object"]["purpose"] != "fine-tune":
            raise InvalidRequest(
                f"File {file_id} was uploaded with purpose '{entry['object']['purpose']}'; "
                "a file for fine-tuning needs purpose 'fine-tune'.",
                name,
            )
        files[name] = entry["content"]
    suffix = body.get("suffix")
    if suffix is not None and (not isinstance(suffix, str) or not 1 <= len(suffix) <= 64):
        raise InvalidRequest("Invalid 'suffix': expected 1 to 64 characters.", "suffix")
    seed = body.get("seed")
    if seed is not None and (
        not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 2147483647
    ):
        raise InvalidRequest("Invalid 'seed': expected an integer from 0 to 2147483647.", "seed")
    method = body.get("method") or {"type": "supervised"}
    if not isinstance(method, dict) or method.get("type") not in METHODS:
        raise InvalidRequest(
            "Invalid 'method.type': expected one of supervised, dpo, reinforcement.",
            "method.type",
        )
    kind = method["type"]
    inner = method.get(kind) or {}
    if not isinstance(inner, dict):
        raise InvalidRequest(f"Invalid 'method.{kind}': expected an object.", f"method.{kind}")
    if kind == "reinforcement":
        grader = inner.get("grader")
        if not isinstance(grader, dict) or not isinstance(grader.get("type"), str):
            raise InvalidRequest(
                "Missing required parameter: 'method.reinforcement.grader'.",
                "method.reinforcement.grader",
            )
    hyper = _hyperparameters(
        inner.get("hyperparameters"), kind, f"method.{kind}.hyperparameters"
    ) or _hyperparameters(body.get("hyperparameters"), kind, "hyperparameters")
    metadata = body.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict) or len(metadata) > 16:
            raise InvalidRequest("Invalid 'metadata': at most 16 keys.", "metadata")
        for key, value in metadata.items():
            if not isinstance(value, str) or len(key) > 64 or len(value) > 512:
                raise InvalidRequest(
                    "Invalid 'metadata': keys up to 64 characters, string values up to 512.",
                    "metadata",
                )
    integrations = body.get("integrations")
    if integrations is not None and (not isinstance(integrations, list) or len(integrations) > 5):
        raise InvalidRequest("Invalid 'integrations': at most 5.", "integrations")
    return {
        "model": base,
        "files": files,
        "training_file": body["training_file"],
        "validation_file": body.get("validation_file"),
        "suffix": suffix,
        "seed": seed,
        "method": {"type": kind, kind: {k: v for k, v in inner.items() if k != "hyperparameters"}},
        "hyperparameters": hyper,
        "metadata": metadata,
        "integrations": integrations,
    }


def make_job(
    sim: SimState,
    request: dict[str, Any],
    *,
    created_at: float | None = None,
    timing: Timing | None = None,
) -> SimJob:
    """A new job from a checked request (see parse_job_request)."""
    number = sim.next_id()
    job_id = "ftjob-" + _token(f"{sim.config.seed}:{number}", 24)
    kind = request["method"]["type"]
    examples, tokens, failure = check_training_file(request["files"]["training_file"], kind)
    hyper = request["hyperparameters"]
    epochs = hyper.get("n_epochs", "auto")
    batch = hyper.get("batch_size", "auto")
    rate = hyper.get("learning_rate_multiplier", "auto")
    job = SimJob(
        id=job_id,
        model=request["model"],
        training_file=request["training_file"],
        validation_file=request["validation_file"],
        created_at=sim.fine_tuning.now() if created_at is None else created_at,
        examples=max(examples, MIN_EXAMPLES),
        tokens_per_epoch=tokens,
        method=request["method"],
        epochs=3 if epochs == "auto" else int(epochs),
        batch_size=max(1, min(8, examples // 30)) if batch == "auto" else int(batch),
        learning_rate_multiplier=1.8 if rate == "auto" else float(rate),
        seed=request["seed"] if request["seed"] is not None else (number * 7919) % 2147483647,
        timing=timing or sim.fine_tuning.timing,
        suffix=request["suffix"],
        metadata=request["metadata"],
        integrations=request["integrations"],
        failure=failure,
    )
    job._on_success = lambda done: _result_file(sim, done)
    with sim.fine_tuning.lock:
        sim.fine_tuning.jobs[job_id] = job
    return job


def _token(seed: str, length: int) -> str:
    """Letters and digits that look like an API id, the same for the same seed."""
    import hashlib

    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    out = []
    for _ in range(length):
        number, digit = divmod(number, len(alphabet))
        out.append(alphabet[digit])
    return "".join(out)


def _result_file(sim: SimState, job: SimJob) -> str:
    file_id = f"file-simres{job.short}"
    content = encoded_csv(job.metrics_csv())
    sim.files[file_id] = {
        "object": {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(job.finished_wall or time.time()),
            "filename": "step_metrics.csv",
            "purpose": "fine-tune-results",
            "status": "processed",
        },
        "content": content,
    }
    return file_id


def fine_tuning_routes(sim: SimState, gate: Gate) -> list[Route]:
    """`/v1/fine_tuning/...`."""
    state = sim.fine_tuning

    def missing(job_id: str, headers: dict[str, str]) -> Response:
        return error_response(
            404,
            f"Could not find fine-tune: {job_id}",
            param="fine_tuning_job_id",
            code="fine_tune_not_found",
            headers=headers,
        )

    def limit_of(request: Request, default: int) -> int:
        try:
            value = int(request.query_params.get("limit", default))
        except ValueError:
            value = 0
        if not 1 <= value <= 10000:
            raise InvalidRequest("Invalid 'limit': expected 1 to 10000.", "limit")
        return value

    async def create(request: Request) -> Response:
        headers, _, early = gate.prelude(request, ROUTE)
        if early is not None:
            return early
        body = await json_object(request)
        if body is None:
            return error_response(400, "The body must be a JSON object.", headers=headers)
        try:
            parsed = parse_job_request(body, sim)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        job = make_job(sim, parsed)
        with state.lock:
            job.advance(state.now())
            return JSONResponse(job.to_json(state.now()), headers=headers)

    async def list_jobs(request: Request) -> Response:
        headers, _, early = gate.prelude(request, ROUTE)
        if early is not None:
            return early
        try:
            limit = limit_of(request, 20)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        wanted = {
            key[len("metadata[") : -1]: value
            for key, value in request.query_params.items()
            if key.startswith("metadata[") and key.endswith("]")
        }
        jobs = [
            j for j in state.all() if all((j.metadata or {}).get(k) == v for k, v in wanted.items())
        ]
        after = request.query_params.get("after")
        if after:
            ids = [j.id for j in jobs]
            jobs = jobs[ids.index(after) + 1 :] if after in ids else []
        now = state.now()
        with state.lock:
            data = [j.to_json(now) for j in jobs[:limit]]
        return JSONResponse(
            {"object": "list", "data": data, "has_more": len(jobs) > limit}, headers=headers
        )

    def found(request: Request) -> tuple[dict[str, str], SimJob | None, Response | None]:
        headers, _, early = gate.prelude(request, ROUTE)
        if early is not None:
            return headers, None, early
        job_id = request.path_params["job_id"]
        job = state.job(job_id)
        if job is None:
            return headers, None, missing(job_id, headers)
        return headers, job, None

    async def retrieve(request: Request) -> Response:
        headers, job, answer = found(request)
        if job is None:
            assert answer is not None
            return answer
        with state.lock:
            return JSONResponse(job.to_json(state.now()), headers=headers)

    async def act(request: Request) -> Response:
        headers, job, answer = found(request)
        if job is None:
            assert answer is not None
            return answer
        action = request.url.path.rsplit("/", 1)[-1]
        with state.lock:
            now = state.now()
            status = job.status(now)
            if action == "cancel":
                if status in ("succeeded", "failed", "cancelled"):
                    return error_response(
                        400, f"Job has already {status}; it cannot be cancelled.", headers=headers
                    )
                job.cancelled_at = now
                if job.paused_since is not None:
                    job.paused_total += now - job.paused_since
                    job.paused_since = None
                job._event(now, "Fine-tuning job cancelled")
                job.finished_wall = now
            elif action == "pause":
                if status != "running":
                    return error_response(
                        400,
                        f"Only a running job can be paused; this one is {status}.",
                        headers=headers,
                    )
                job.paused_since = now
                job._event(now, "Fine-tuning job paused")
            else:
                if status != "paused":
                    return error_response(
                        400,
                        f"Only a paused job can be resumed; this one is {status}.",
                        headers=headers,
                    )
                job.paused_total += now - (job.paused_since or now)
                job.paused_since = None
                job._event(now, "Fine-tuning job resumed")
            return JSONResponse(job.to_json(now), headers=headers)

    async def events(request: Request) -> Response:
        headers, job, answer = found(request)
        if job is None:
            assert answer is not None
            return answer
        try:
            limit = limit_of(request, 20)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        with state.lock:
            page, more = job.page(request.query_params.get("after"), limit)
        return JSONResponse({"object": "list", "data": page, "has_more": more}, headers=headers)

    async def checkpoints(request: Request) -> Response:
        headers, job, answer = found(request)
        if job is None:
            assert answer is not None
            return answer
        try:
            limit = limit_of(request, 10)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        with state.lock:
            listed = list(reversed(job.checkpoints))
        after = request.query_params.get("after")
        if after:
            ids = [c["id"] for c in listed]
            listed = listed[ids.index(after) + 1 :] if after in ids else []
        page = listed[:limit]
        return JSONResponse(cursor_page(page, len(listed) > limit), headers=headers)

    return [
        Route("/v1/fine_tuning/jobs", create, methods=["POST"]),
        Route("/v1/fine_tuning/jobs", list_jobs, methods=["GET"]),
        Route("/v1/fine_tuning/jobs/{job_id}", retrieve, methods=["GET"]),
        Route("/v1/fine_tuning/jobs/{job_id}/cancel", act, methods=["POST"]),
        Route("/v1/fine_tuning/jobs/{job_id}/pause", act, methods=["POST"]),
        Route("/v1/fine_tuning/jobs/{job_id}/resume", act, methods=["POST"]),
        Route("/v1/fine_tuning/jobs/{job_id}/events", events, methods=["GET"]),
        Route("/v1/fine_tuning/jobs/{job_id}/checkpoints", checkpoints, methods=["GET"]),
        *permission_routes(sim, gate),
    ]


def permission_routes(sim: SimState, gate: Gate) -> list[Route]:
    """Checkpoint permissions: only with the simulator's admin key (`sk-admin-…`)."""

    def permitted(request: Request) -> tuple[dict[str, str], str, Response | None]:
        """The gate, an admin key, then the checkpoint the path names: (headers, the
        checkpoint, or the answer to give)."""
        headers, _, early = gate.prelude(request, ROUTE)
        if early is None:
            early = gate.admin_only(request, headers, "api.fine_tuning.checkpoints.write")
        wanted = request.path_params["checkpoint"]
        if early is None and not any(m == wanted for m, _ in sim.fine_tuning.models()):
            early = error_response(404, "No such checkpoint.", param="checkpoint", headers=headers)
        return headers, wanted, early

    async def listed(request: Request) -> Response:
        headers, checkpoint, early = permitted(request)
        if early is not None:
            return early
        data = list(sim.fine_tuning.permissions.get(checkpoint, {}).values())
        return JSONResponse(cursor_page(data, False), headers=headers)

    async def grant(request: Request) -> Response:
        headers, checkpoint, early = permitted(request)
        if early is not None:
            return early
        body = await json_object(request) or {}
        projects = body.get("project_ids")
        if not isinstance(projects, list) or not all(isinstance(p, str) for p in projects):
            return error_response(
                400,
                "Missing required parameter: 'project_ids'.",
                param="project_ids",
                headers=headers,
            )
        made = []
        for project in projects:
            permission = {
                "object": "checkpoint.permission",
                "id": f"cp_sim{sim.next_id():010d}",
                "created_at": int(time.time()),
                "project_id": project,
            }
            sim.fine_tuning.permissions.setdefault(checkpoint, {})[permission["id"]] = permission
            made.append(permission)
        return JSONResponse(cursor_page(made, False), headers=headers)

    async def revoke(request: Request) -> Response:
        headers, checkpoint, early = permitted(request)
        if early is not None:
            return early
        permission_id = request.path_params["permission_id"]
        held = sim.fine_tuning.permissions.get(checkpoint, {})
        if permission_id not in held:
            return error_response(
                404,
                f"No such permission: {permission_id}",
                param="permission_id",
                headers=headers,
            )
        del held[permission_id]
        return JSONResponse(
            {"object": "checkpoint.permission", "id": permission_id, "deleted": True},
            headers=headers,
        )

    base = "/v1/fine_tuning/checkpoints/{checkpoint:path}/permissions"
    return [
        Route(base + "/{permission_id}", revoke, methods=["DELETE"]),
        Route(base, listed, methods=["GET"]),
        Route(base, grant, methods=["POST"]),
    ]


# --- what `loom --demo` starts with -------------------------------------------------------

TOPICS = (
    ("warp", "the threads held lengthwise on the loom, under tension"),
    ("weft", "the thread passed across the warp, over and under"),
    ("heddle", "a wire or cord with an eye that lifts a warp thread"),
    ("shuttle", "the tool that carries the weft through the shed"),
    ("shed", "the opening between raised and lowered warp threads"),
    ("reed", "the comb that spaces the warp and beats the weft in"),
    ("treadle", "a foot pedal that raises a set of shafts"),
    ("selvedge", "the self-finished edge of a woven cloth"),
    ("twill", "a weave with diagonal ribs, like denim"),
    ("tabby", "plain weave: over one, under one"),
    ("jacquard", "a loom that lifts each warp thread on its own, by punched cards"),
    ("bobbin", "the spool of weft inside the shuttle"),
)


def training_jsonl(examples: int, *, start: int = 0) -> bytes:
    """A supervised chat training file of `examples` lines (a weaving glossary bot)."""
    lines = []
    for n in range(start, start + examples):
        term, meaning = TOPICS[n % len(TOPICS)]
        asked = ("What is", "Explain", "Define", "Tell me about")[n % 4]
        example = {
            "messages": [
                {"role": "system", "content": "You are Loomis, a terse weaving glossary."},
                {"role": "user", "content": f"{asked} the {term}?"},
                {"role": "assistant", "content": f"The {term} is {meaning}."},
            ]
        }
        lines.append(json.dumps(example))
    return ("\n".join(lines) + "\n").encode()


DEMO_TIMING = Timing(validating=30, queued=60, step=6)


def seed_demo(sim: SimState, now: float | None = None) -> None:
    """Jobs in every state for `loom --demo`: one succeeded, one failed, one cancelled, one
    paused, one training live (a minute or so in), one queued and one validating."""
    now = time.time() if now is None else now
    train = add_file(sim, "loomis-train.jsonl", training_jsonl(60), created_at=now - 3 * 86400)
    valid = add_file(
        sim, "loomis-valid.jsonl", training_jsonl(12, start=60), created_at=now - 3 * 86400
    )
    small = add_file(sim, "loomis-draft.jsonl", training_jsonl(3), created_at=now - 2 * 86400)
    big = add_file(sim, "loomis-big.jsonl", training_jsonl(240), created_at=now - 3600)

    def job(
        created: float,
        *,
        training: str = train,
        validation: str | None = valid,
        suffix: str,
        model: str = "gpt-4o-mini-2024-07-18",
        timing: Timing = DEMO_TIMING,
        epochs: int = 3,
        metadata: dict[str, str] | None = None,
    ) -> SimJob:
        request = parse_job_request(
            {
                "model": model,
                "training_file": training,
                "validation_file": validation,
                "suffix": suffix,
                "method": {
                    "type": "supervised",
                    "supervised": {"hyperparameters": {"n_epochs": epochs}},
                },
                "metadata": metadata or {"team": "docs"},
            },
            sim,
        )
        return make_job(sim, request, created_at=created, timing=timing)

    job(now - 2 * 86400, suffix="loomis-v1", timing=Timing(30, 120, 20))
    job(now - 86400, training=small, validation=None, suffix="loomis-draft")
    cancelled = job(now - 5 * 3600, suffix="loomis-lr", timing=Timing(20, 40, 30))
    cancelled.cancelled_at = cancelled.created_at + 20 + 40 + 30 * 17
    cancelled.finished_wall = cancelled.cancelled_at
    paused = job(
        now - 3600, suffix="loomis-wide", model="gpt-4.1-mini-2025-04-14", timing=Timing(20, 40, 20)
    )
    paused.paused_since = paused.created_at + 20 + 40 + 20 * 41
    # Training now: 2 epochs of 240 examples (batch 8: 30 steps each), a step every 2.5 s,
    # started 40 s ago so the curve is on its way.
    live_timing = Timing(validating=4, queued=6, step=2.5)
    job(
        now - 50,
        training=big,
        suffix="loomis-v2",
        timing=live_timing,
        epochs=2,
        metadata={"team": "docs", "run": "v2"},
    )
    job(now - 5, suffix="loomis-v3", timing=Timing(validating=20, queued=100, step=2.5))
    job(
        now - 1,
        training=big,
        suffix="loomis-v4",
        model="gpt-4.1-nano-2025-04-14",
        timing=Timing(validating=600, queued=60, step=2.5),
    )
    for events in (cancelled, paused):
        with sim.fine_tuning.lock:
            events.advance(now)
    cancelled._event(cancelled.cancelled_at, "Fine-tuning job cancelled")
    paused._event(paused.paused_since, "Fine-tuning job paused")
