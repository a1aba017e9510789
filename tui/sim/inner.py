"""Requests the simulator makes to itself: a batch's lines answered by the same routes that
answer a client (chat, embeddings, … — whichever the areas serve), so a batch's outputs are
the real response bodies, and an endpoint or a model the simulator lacks fails inside the
batch as it would outside it.

They run in-process through the app's ASGI interface (no socket), carry the key of the
request that asked for the batch, and a token only this simulator knows: the gate then
neither counts them nor hands them a queued fault meant for the client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

INNER_HEADER = "x-loom-sim-inner"
"""The header that marks a request the simulator made to itself."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What a route answered: its status, its JSON body (None if it was not JSON), and the
    request id it gave."""

    status: int
    body: Any
    request_id: str


class Inner:
    """Calls into one simulator app, as its own batches do."""

    def __init__(self, app: Any, token: str, authorization: str) -> None:
        import httpx  # only once a batch runs: the gate imports this module at start

        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://simulator.inner",
            headers={INNER_HEADER: token, "authorization": authorization},
        )

    async def post(self, url: str, body: Any) -> Answer:
        """POST `body` to `url` (`/v1/chat/completions`)."""
        response = await self._client.post(url, json=body)
        try:
            payload = json.loads(response.content)
        except ValueError:
            payload = None
        return Answer(response.status_code, payload, response.headers.get("x-request-id", ""))

    async def aclose(self) -> None:
        """Let the transport go."""
        await self._client.aclose()
