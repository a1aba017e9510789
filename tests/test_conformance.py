"""The simulator against the official OpenAPI spec: schemathesis on the JSON operations,
and every streamed chunk validated against `CreateChatCompletionStreamResponse`."""

from __future__ import annotations

import json

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tui.sim.server import SimServer

from .spec import component_validator, load_spec

AUTH = {"Authorization": "Bearer sim-key"}
ADMIN_OPERATIONS = [
    "list-projects",
    "create-project",
    "retrieve-project",
    "modify-project",
    "archive-project",
    "list-users",
    "retrieve-user",
    "modify-user",
    "delete-user",
    "list-invites",
    "inviteUser",
    "retrieve-invite",
    "delete-invite",
    "list-audit-logs",
    "list-project-users",
    "create-project-user",
    "retrieve-project-user",
    "modify-project-user",
    "delete-project-user",
    "list-project-service-accounts",
    "create-project-service-account",
    "retrieve-project-service-account",
    "update-project-service-account",
    "delete-project-service-account",
    "CreateanAPIkeyforaserviceaccount",
    "list-project-api-keys",
    "retrieve-project-api-key",
    "delete-project-api-key",
    "list-project-rate-limits",
    "update-project-rate-limits",
]
"""The organisation's operations: an admin key's, as OpenAI's are."""
ASSISTANT_OPERATIONS = [
    "listAssistants",
    "createAssistant",
    "getAssistant",
    "modifyAssistant",
    "deleteAssistant",
    "createThread",
    "createThreadAndRun",
    "getThread",
    "modifyThread",
    "deleteThread",
    "listMessages",
    "createMessage",
    "getMessage",
    "modifyMessage",
    "deleteMessage",
    "listRuns",
    "createRun",
    "getRun",
    "modifyRun",
    "cancelRun",
    "listRunSteps",
    "getRunStep",
    "submitToolOuputsToRun",
]
"""The Assistants API's operations (the beta header sent, as the SDKs send it)."""
STREAMED_RUNS = {"createRun", "createThreadAndRun", "submitToolOuputsToRun"}
"""Their streams are checked event by event in tests/test_assistants_sim.py."""
OPERATIONS = [
    "listModels",
    "retrieveModel",
    "deleteModel",
    "createChatCompletion",
    "listFiles",
    "retrieveFile",
    "deleteFile",
    "createFineTuningJob",
    "listPaginatedFineTuningJobs",
    "retrieveFineTuningJob",
    "cancelFineTuningJob",
    "pauseFineTuningJob",
    "resumeFineTuningJob",
    "listFineTuningEvents",
    "listFineTuningJobCheckpoints",
    "listFineTuningCheckpointPermissions",
    "createFineTuningCheckpointPermission",
    "deleteFineTuningCheckpointPermission",
    "createUpload",
    "addUploadPart",
    "completeUpload",
    "cancelUpload",
    "usage-completions",
    "usage-embeddings",
    "usage-moderations",
    "usage-images",
    "usage-audio-speeches",
    "usage-audio-transcriptions",
    "usage-vector-stores",
    "usage-code-interpreter-sessions",
    "usage-costs",
    "createBatch",
    "listBatches",
    "retrieveBatch",
    "cancelBatch",
    "createEmbedding",
    "createModeration",
    "createCompletion",
    "createImage",
    "createImageEdit",
    "createImageVariation",
    "createSpeech",
    "createTranscription",
    "createTranslation",
    *ADMIN_OPERATIONS,
    *ASSISTANT_OPERATIONS,
]
MEDIA_TYPES_AS_OPENAI = {"createSpeech", "createTranscription", "createTranslation"}
"""Operations whose replies carry the media type OpenAI's do, not the spec's: speech as
audio/mpeg (audio/ogg, …) rather than application/octet-stream, and a transcript asked for
as text, srt or vtt as text/plain, which the spec does not list. Their bodies are checked."""


@pytest.fixture(scope="session")
def openapi_schema(sim_server: SimServer) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_dict(load_spec())


schema = schemathesis.pytest.from_fixture("openapi_schema").include(operation_id=OPERATIONS)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_simulator_conforms(case: schemathesis.Case, sim_server: SimServer) -> None:
    operation_id = case.operation.definition.raw.get("operationId")
    if operation_id == "createChatCompletion" and isinstance(case.body, dict):
        # JSON here; the streamed shape is checked chunk by chunk below.
        case.body["stream"] = False
        case.body.pop("stream_options", None)
        if len(str(case.body.get("model", ""))) % 2 == 0:
            case.body["model"] = "gpt-4o-mini"
    served = {"createEmbedding": "text-embedding-3-small", "createCompletion": "davinci-002"}
    if operation_id in served and isinstance(case.body, dict):
        if operation_id == "createCompletion":
            case.body["stream"] = False  # the streamed shape is checked by its own test
            case.body.pop("stream_options", None)
        if len(str(case.body.get("model", ""))) % 2 == 0:
            case.body["model"] = served[operation_id]  # half the cases reach the engine
        if case.body.get("encoding_format") == "base64":
            # The spec types `embedding` as numbers only; the API (and the SDKs, which ask
            # for base64 and decode it) gives a base64 string then: tested in
            # test_playground_api against the official SDK.
            case.body["encoding_format"] = "float"
    if operation_id in STREAMED_RUNS and isinstance(case.body, dict):
        case.body["stream"] = False
    # Usage, costs and the organisation want an admin key, as OpenAI's do.
    admin = str(operation_id).startswith("usage-") or operation_id in ADMIN_OPERATIONS
    checks = [not_a_server_error, response_schema_conformance]
    if operation_id not in MEDIA_TYPES_AS_OPENAI:
        checks.append(content_type_conformance)
    case.call_and_validate(
        base_url=sim_server.base_url,
        headers={"Authorization": "Bearer sk-admin-sim"}
        if admin
        else {**AUTH, "OpenAI-Beta": "assistants=v2"}
        if operation_id in ASSISTANT_OPERATIONS
        else AUTH,
        checks=checks,
    )


def _stream_events(sim: SimServer, payload: dict[str, object]) -> list[str]:
    with httpx.stream(
        "POST", sim.base_url + "/chat/completions", json=payload, headers=AUTH
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return [line[6:] for line in response.iter_lines() if line.startswith("data: ")]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"stream_options": {"include_usage": True}},
        {"max_completion_tokens": 7, "stream_options": {"include_usage": True}},
    ],
)
def test_every_streamed_chunk_matches_the_spec(sim: SimServer, extra: dict[str, object]) -> None:
    validator = component_validator("CreateChatCompletionStreamResponse")
    payload = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "conformance ✓"}],
        "stream": True,
        **extra,
    }
    events = _stream_events(sim, payload)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert len(chunks) > 3
    for chunk in chunks:
        errors = sorted(validator.iter_errors(chunk), key=str)
        assert not errors, f"{chunk}: {errors[0].message}"
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"


def test_error_objects_match_the_spec(sim: SimServer) -> None:
    validator = component_validator("ErrorResponse")
    responses = [
        httpx.get(sim.base_url + "/models"),
        httpx.get(sim.base_url + "/models/nope", headers=AUTH),
        httpx.post(sim.base_url + "/chat/completions", json={"model": "gpt-4o"}, headers=AUTH),
        httpx.get(sim.base_url + "/models", headers={**AUTH, "X-Loom-Sim-Fault": "rate_limit"}),
    ]
    assert [r.status_code for r in responses] == [401, 404, 400, 429]
    for response in responses:
        validator.validate(response.json())


def test_tool_call_chunks_and_completions_match_the_spec(sim: SimServer) -> None:
    chunk_validator = component_validator("CreateChatCompletionStreamResponse")
    payload = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "call a tool"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with httpx.stream(
        "POST",
        sim.base_url + "/chat/completions",
        json=payload,
        headers={**AUTH, "X-Loom-Sim-Fault": "tool_calls"},
    ) as response:
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    chunks = [json.loads(e) for e in events[:-1]]
    assert any("tool_calls" in c["choices"][0]["delta"] for c in chunks if c["choices"])
    for chunk in chunks:
        errors = sorted(chunk_validator.iter_errors(chunk), key=str)
        assert not errors, f"{chunk}: {errors[0].message}"
    whole = httpx.post(
        sim.base_url + "/chat/completions",
        json={**payload, "stream": False, "stream_options": None},
        headers={**AUTH, "X-Loom-Sim-Fault": "tool_calls"},
    ).json()
    component_validator("CreateChatCompletionResponse").validate(whole)
    assert whole["choices"][0]["finish_reason"] == "tool_calls"
