"""The simulator's uploads: a file sent in parts (create, add parts, complete, cancel)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sim.files import MAX_BYTES
from tui.sim.gate import Gate
from tui.sim.state import SimState, error_response, json_object

PART_BYTES = 64 * 1024 * 1024
PURPOSES = ("assistants", "batch", "fine-tune", "vision")
ROUTE = "uploads"


def upload_routes(sim: SimState, gate: Gate) -> list[Route]:
    """`/v1/uploads`, its parts, complete and cancel."""

    def pending(
        request: Request,
    ) -> tuple[dict[str, str], dict[str, Any] | None, Response | None]:
        headers, _, early = gate.prelude(request, ROUTE)
        if early is not None:
            return headers, None, early
        upload_id = request.path_params["upload_id"]
        entry = sim.uploads.get(upload_id)
        if entry is None:
            return (
                headers,
                None,
                error_response(
                    404, f"No such upload: {upload_id}", param="upload_id", headers=headers
                ),
            )
        status = entry["object"]["status"]
        if status != "pending":
            return (
                headers,
                None,
                error_response(
                    400, f"Upload {upload_id} is {status}, not pending.", headers=headers
                ),
            )
        return headers, entry, None

    async def create(request: Request) -> Response:
        headers, _, early = gate.prelude(request, ROUTE)
        if early is not None:
            return early
        body = await json_object(request)
        if body is None:
            return error_response(400, "The body must be a JSON object.", headers=headers)
        for name, kind in (("filename", str), ("purpose", str), ("bytes", int), ("mime_type", str)):
            if not isinstance(body.get(name), kind) or isinstance(body.get(name), bool):
                return error_response(
                    400, f"Missing required parameter: '{name}'.", param=name, headers=headers
                )
        if body["purpose"] not in PURPOSES:
            return error_response(
                400,
                f"Invalid 'purpose': expected one of {', '.join(PURPOSES)}.",
                param="purpose",
                headers=headers,
            )
        if not 0 < body["bytes"] <= MAX_BYTES:
            return error_response(
                400,
                f"Invalid 'bytes': the simulator takes 1 to {MAX_BYTES} bytes.",
                param="bytes",
                headers=headers,
            )
        upload_id = f"upload_sim{sim.next_id():010d}"
        now = int(time.time())
        made = {
            "object": "upload",
            "id": upload_id,
            "created_at": now,
            "filename": body["filename"],
            "bytes": body["bytes"],
            "purpose": body["purpose"],
            "status": "pending",
            "expires_at": now + 3600,
            "file": None,
        }
        sim.uploads[upload_id] = {"object": made, "parts": {}}
        return JSONResponse(made, headers=headers)

    async def add_part(request: Request) -> Response:
        headers, entry, answer = pending(request)
        if entry is None:
            assert answer is not None
            return answer
        try:
            form = await request.form(max_part_size=PART_BYTES + 1)
        except Exception as exc:
            return error_response(400, f"Could not parse multipart form: {exc}", headers=headers)
        data = form.get("data")
        if not isinstance(data, UploadFile):
            return error_response(
                400, "Missing required parameter: 'data'.", param="data", headers=headers
            )
        content = await data.read()
        if len(content) > PART_BYTES:
            return error_response(
                400, "A part may hold at most 64 MB.", param="data", headers=headers
            )
        part_id = f"part_sim{sim.next_id():010d}"
        entry["parts"][part_id] = content
        return JSONResponse(
            {
                "object": "upload.part",
                "id": part_id,
                "created_at": int(time.time()),
                "upload_id": entry["object"]["id"],
            },
            headers=headers,
        )

    async def complete(request: Request) -> Response:
        headers, entry, answer = pending(request)
        if entry is None:
            assert answer is not None
            return answer
        body = await json_object(request) or {}
        part_ids = body.get("part_ids")
        if not isinstance(part_ids, list):
            return error_response(
                400, "Missing required parameter: 'part_ids'.", param="part_ids", headers=headers
            )
        unknown = [p for p in part_ids if p not in entry["parts"]]
        if unknown:
            return error_response(
                400, f"Unknown part id: {unknown[0]}", param="part_ids", headers=headers
            )
        content = b"".join(entry["parts"][p] for p in part_ids)
        made = entry["object"]
        if len(content) != made["bytes"]:
            return error_response(
                400,
                f"The parts hold {len(content)} bytes; the upload was created for {made['bytes']}.",
                param="part_ids",
                headers=headers,
            )
        md5 = body.get("md5")
        if md5 and md5 != hashlib.md5(content, usedforsecurity=False).hexdigest():
            return error_response(
                400, "The md5 checksum does not match the parts.", param="md5", headers=headers
            )
        file_id = f"file-sim{sim.config.seed:04d}{sim.next_id():08d}"
        file = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": made["filename"],
            "purpose": made["purpose"],
            "status": "processed",
        }
        sim.files[file_id] = {"object": file, "content": content}
        made["status"] = "completed"
        made["file"] = file
        entry["parts"] = {}
        return JSONResponse(made, headers=headers)

    async def cancel(request: Request) -> Response:
        headers, entry, answer = pending(request)
        if entry is None:
            assert answer is not None
            return answer
        entry["object"]["status"] = "cancelled"
        entry["parts"] = {}
        return JSONResponse(entry["object"], headers=headers)

    return [
        Route("/v1/uploads", create, methods=["POST"]),
        Route("/v1/uploads/{upload_id}/parts", add_part, methods=["POST"]),
        Route("/v1/uploads/{upload_id}/complete", complete, methods=["POST"]),
        Route("/v1/uploads/{upload_id}/cancel", cancel, methods=["POST"]),
    ]
