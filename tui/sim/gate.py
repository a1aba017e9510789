"""What every simulator route passes through first: counting, auth, faults, headers."""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tui.sim.faults import HEADER, Fault, FaultSyntaxError
from tui.sim.inner import INNER_HEADER
from tui.sim.state import HTML_PAGE, MOVED, SimState, error_response, json_object


class Gate:
    """Checks a request as the API would (a bearer key) and applies any fault asked for."""

    def __init__(self, sim: SimState) -> None:
        self.sim = sim

    def common_headers(self, request_no: int) -> dict[str, str]:
        requests_left, tokens_left, reset = self.sim.budget()
        return {
            "x-request-id": f"req_sim{self.sim.config.seed:04d}{request_no:08d}",
            "openai-processing-ms": str(1 + request_no % 7),
            "x-ratelimit-limit-requests": str(self.sim.config.requests_a_minute),
            "x-ratelimit-remaining-requests": str(requests_left),
            "x-ratelimit-limit-tokens": str(self.sim.config.tokens_a_minute),
            "x-ratelimit-remaining-tokens": str(tokens_left),
            "x-ratelimit-reset-requests": reset,
            "x-ratelimit-reset-tokens": reset,
        }

    def check_auth(self, request: Request, headers: dict[str, str]) -> Response | None:
        auth = request.headers.get("authorization", "")
        scheme, _, key = auth.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            return error_response(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                headers=headers,
            )
        if self.sim.config.api_key is not None and key != self.sim.config.api_key:
            shown = key[:3] + "*" * 4 + key[-4:] if len(key) > 8 else "****"
            return error_response(
                401,
                f"Incorrect API key provided: {shown}.",
                code="invalid_api_key",
                headers=headers,
            )
        return None

    def admin_only(self, request: Request, headers: dict[str, str], scope: str) -> Response | None:
        """A 403 unless the request carries an admin key (`sk-admin-…`), as the
        organisation's endpoints want; `scope` names what is missing."""
        key = request.headers.get("authorization", "").partition(" ")[2].strip()
        if key.startswith("sk-admin-"):
            return None
        return error_response(
            403,
            f"You have insufficient permissions for this operation. Missing scopes: {scope}. "
            "This endpoint needs an admin key (sk-admin-…).",
            code="insufficient_permissions",
            headers=headers,
        )

    def take_fault(self, request: Request, route: str) -> Fault | Response:
        if request.url.path.startswith(MOVED):
            return Response(status_code=204)  # where a redirect leads: no fault again
        spec = request.headers.get(HEADER)
        if spec:
            try:
                return Fault.parse(spec)
            except FaultSyntaxError as exc:
                return error_response(400, str(exc), param=HEADER)
        queued = self.sim.faults.take(route)
        return queued if queued is not None else Response(status_code=204)

    def status_fault(
        self, fault: Fault, headers: dict[str, str], request: Request
    ) -> Response | None:
        if fault.kind == "rate_limit":
            wait = max(fault.seconds, 0.0)
            extra = {
                "retry-after": str(max(1, math.ceil(wait))),
                "retry-after-ms": str(int(wait * 1000)),
                "x-ratelimit-remaining-requests": "0",
            }
            return error_response(
                429,
                f"Rate limit reached for requests (simulated). Please try again in {wait:g}s.",
                type="requests",
                code="rate_limit_exceeded",
                headers={**headers, **extra},
            )
        if fault.kind == "server_error":
            return error_response(
                500,
                "The server had an error while processing your request (simulated).",
                type="server_error",
                headers=headers,
            )
        if fault.kind == "status":
            kind = "server_error" if fault.status >= 500 else "invalid_request_error"
            return error_response(
                fault.status,
                f"Simulated error with HTTP status {fault.status}.",
                type=kind,
                code=f"simulated_{fault.status}",
                headers=headers,
            )
        if fault.kind == "echo_key":
            echoed = request.headers.get("authorization", "")
            return error_response(
                401,
                f"Invalid credentials in header Authorization: {echoed} (simulated echo)",
                code="invalid_api_key",
                headers=headers,
            )
        if fault.kind in ("html", "html_error"):
            return HTMLResponse(
                HTML_PAGE.format(code=fault.status if fault.kind == "html_error" else 200),
                status_code=fault.status if fault.kind == "html_error" else 200,
                headers=headers,
            )
        if fault.kind in ("redirect", "redirect_away"):
            host = "" if fault.kind == "redirect" else "http://elsewhere.invalid"
            target = host + MOVED + request.url.path
            return RedirectResponse(target, status_code=fault.status, headers=headers)
        if fault.kind == "unavailable":
            return error_response(
                503,
                "The engine is currently overloaded, please try again later (simulated).",
                type="server_error",
                headers=headers,
            )
        return None

    async def json_prelude(
        self, request: Request, route: str
    ) -> tuple[dict[str, str], Fault | None, dict[str, Any] | None, Response | None]:
        """`prelude`, then the request's JSON object body: (headers, the fault, the body,
        or the answer to give at once — a 400 when the body is not a JSON object)."""
        headers, fault, early = self.prelude(request, route)
        if early is not None:
            return headers, fault, None, early
        body = await json_object(request)
        if body is None:
            refused = error_response(400, "The body must be a JSON object.", headers=headers)
            return headers, fault, None, refused
        return headers, fault, body, None

    def prelude(
        self, request: Request, route: str
    ) -> tuple[dict[str, str], Fault | None, Response | None]:
        """Count the request, check its key, take its fault: (response headers, the fault
        for the route to apply, or the response to give at once). A request the simulator
        makes to itself (a batch's line) is neither counted nor given a fault."""
        if request.headers.get(INNER_HEADER) == self.sim.inner_token:
            headers = self.common_headers(self.sim.next_id())
            return headers, None, self.check_auth(request, headers)
        self.sim.requests += 1
        self.sim.spend()
        self.sim.last_headers = {
            k: v for k, v in request.headers.items() if k.lower() != "authorization"
        }
        self.sim.last_had_key = bool(request.headers.get("authorization", "").partition(" ")[2])
        headers = self.common_headers(self.sim.next_id())
        denied = self.check_auth(request, headers)
        if denied is not None:
            return headers, None, denied
        fault_or_response = self.take_fault(request, route)
        if isinstance(fault_or_response, Response):
            if fault_or_response.status_code == 204:
                return headers, None, None
            return headers, None, fault_or_response
        return headers, fault_or_response, self.status_fault(fault_or_response, headers, request)
