"""The simulator's files: upload (multipart), list (cursor pages), retrieve, delete, content.

Files are kept in memory, each at most MAX_BYTES, for as long as the simulator runs.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tui.sim.gate import Gate
from tui.sim.state import SimState, SimulatedCut, cursor_page, error_response

PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
"""What an upload may be for (CreateFileRequest.purpose)."""
MAX_BYTES = 100 * 1024 * 1024
"""The simulator's limit on one file (OpenAI's is 512 MB; these stay in memory)."""
CUT_PIECE = 64 * 1024
"""A download the `cut` fault drops is sent in pieces of this size until it drops."""


def file_routes(sim: SimState, gate: Gate) -> list[Route]:
    """`/v1/files` and `/v1/files/{file_id}` (and its content)."""

    def missing(file_id: str, headers: dict[str, str]) -> Response:
        return error_response(
            404, f"No such File object: {file_id}", param="id", code=None, headers=headers
        )

    def found(request: Request) -> tuple[dict[str, str], dict[str, Any] | None, Response | None]:
        """The gate, then the file the path names: (headers, the file, or the answer)."""
        headers, _, early = gate.prelude(request, "files")
        if early is not None:
            return headers, None, early
        file_id = request.path_params["file_id"]
        entry = sim.files.get(file_id)
        if entry is None:
            return headers, None, missing(file_id, headers)
        return headers, entry, None

    async def upload(request: Request) -> Response:
        headers, _, early = gate.prelude(request, "files")
        if early is not None:
            return early
        try:
            form = await request.form(max_part_size=MAX_BYTES)
        except Exception as exc:  # a body that is not multipart/form-data
            return error_response(400, f"Could not parse multipart form: {exc}", headers=headers)
        purpose = form.get("purpose")
        upload = form.get("file")
        if not isinstance(purpose, str) or purpose not in PURPOSES:
            return error_response(
                400,
                f"Invalid value for 'purpose': expected one of {', '.join(PURPOSES)}.",
                param="purpose",
                headers=headers,
            )
        if not isinstance(upload, UploadFile):
            return error_response(
                400, "Missing required parameter: 'file'.", param="file", headers=headers
            )
        try:
            lasts = expiry(form)
        except ValueError as problem:
            return error_response(400, str(problem), param="expires_after", headers=headers)
        content = await upload.read()
        if len(content) > MAX_BYTES:
            return error_response(413, "File is too large.", param="file", headers=headers)
        file_id = f"file-sim{sim.config.seed:04d}{sim.next_id():08d}"
        created = int(time.time())
        made: dict[str, Any] = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": created,
            "filename": upload.filename or "upload",
            "purpose": purpose,
            "status": "processed",
        }
        if lasts is not None:
            made["expires_at"] = created + lasts
        sim.files[file_id] = {"object": made, "content": content}
        return JSONResponse(made, headers=headers)

    async def list_files(request: Request) -> Response:
        headers, _, early = gate.prelude(request, "files")
        if early is not None:
            return early
        query = request.query_params
        try:
            limit = int(query.get("limit", "10000"))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 10000:
            return error_response(
                400, "Invalid 'limit': expected 1 to 10000.", param="limit", headers=headers
            )
        order = query.get("order", "desc")
        if order not in ("asc", "desc"):
            return error_response(
                400, "Invalid 'order': expected asc or desc.", param="order", headers=headers
            )
        files = [entry["object"] for entry in sim.files.values()]
        if query.get("purpose"):
            files = [f for f in files if f["purpose"] == query["purpose"]]
        files.sort(key=lambda f: (f["created_at"], f["id"]), reverse=order == "desc")
        after = query.get("after")
        if after:
            ids = [f["id"] for f in files]
            files = files[ids.index(after) + 1 :] if after in ids else []
        page = files[:limit]
        # The spec has the ids as required strings, even for an empty list.
        return JSONResponse(cursor_page(page, len(files) > limit, empty_id=""), headers=headers)

    async def retrieve(request: Request) -> Response:
        headers, entry, answer = found(request)
        if entry is None:
            assert answer is not None
            return answer
        return JSONResponse(entry["object"], headers=headers)

    async def delete(request: Request) -> Response:
        headers, entry, answer = found(request)
        if entry is None:
            assert answer is not None
            return answer
        file_id = entry["object"]["id"]
        del sim.files[file_id]
        return JSONResponse({"id": file_id, "object": "file", "deleted": True}, headers=headers)

    async def content(request: Request) -> Response:
        headers, fault, early = gate.prelude(request, "files")
        if early is not None:
            return early
        file_id = request.path_params["file_id"]
        entry = sim.files.get(file_id)
        if entry is None:
            return missing(file_id, headers)
        data: bytes = entry["content"]
        if fault is not None and fault.kind == "cut" and len(data) > fault.after_chunks * CUT_PIECE:
            # The connection drops after `after_chunks` pieces of 64 KiB, as a server
            # or a proxy that dies mid-download does (a file that fits in them comes whole).
            async def cut() -> AsyncIterator[bytes]:
                for n in range(fault.after_chunks):
                    yield data[n * CUT_PIECE : (n + 1) * CUT_PIECE]
                raise SimulatedCut(f"simulated cut after {fault.after_chunks} pieces")

            return StreamingResponse(cut(), media_type="application/octet-stream", headers=headers)
        return Response(data, media_type="application/octet-stream", headers=headers)

    return [
        Route("/v1/files", upload, methods=["POST"]),
        Route("/v1/files", list_files, methods=["GET"]),
        Route("/v1/files/{file_id}", retrieve, methods=["GET"]),
        Route("/v1/files/{file_id}", delete, methods=["DELETE"]),
        Route("/v1/files/{file_id}/content", content, methods=["GET"]),
    ]


def expiry(form: Any) -> int | None:
    """Seconds a file lasts (`expires_after[anchor]=created_at`, `expires_after[seconds]`,
    from 3600 to 2592000, as the spec's FileExpirationAfter says); None if not asked."""
    anchor = form.get("expires_after[anchor]")
    seconds = form.get("expires_after[seconds]")
    if anchor is None and seconds is None:
        return None
    if anchor != "created_at":
        raise ValueError("Invalid 'expires_after[anchor]': the only anchor is 'created_at'.")
    try:
        lasts = int(str(seconds))
    except ValueError:
        raise ValueError("Invalid 'expires_after[seconds]': expected an integer.") from None
    if not 3600 <= lasts <= 2_592_000:
        raise ValueError(
            "Invalid 'expires_after[seconds]': from 3600 (an hour) to 2592000 (30 days)."
        )
    return lasts


def add_file(
    sim: SimState, name: str, content: bytes, *, created_at: float, purpose: str = "fine-tune"
) -> str:
    """Put a file into the simulator's store as if uploaded; its id."""
    file_id = f"file-sim{sim.config.seed:04d}{sim.next_id():08d}"
    sim.files[file_id] = {
        "object": {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(created_at),
            "filename": name,
            "purpose": purpose,
            "status": "processed",
        },
        "content": content,
    }
    return file_id
