"""Run the simulator: in a background thread (demo mode, tests) or in the foreground."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import uvicorn

from tui.sim.app import SimConfig, SimState, SimulatedCut, create_app

LOOPBACK = "127.0.0.1"


class _HideSimulatedCuts(logging.Filter):
    """A cut asked for is not an error worth a traceback in the server log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, SimulatedCut):
                return False
            exc = exc.__cause__ or exc.__context__
            if isinstance(exc, BaseExceptionGroup):
                exc = exc.exceptions[0]
        return True


def bind_socket(host: str = LOOPBACK, port: int = 0) -> socket.socket:
    """A listening TCP socket; port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Connections accepted from it inherit this: without it, a response written in two
    # parts (headers, then body) waited for the client's delayed ACK, 40 ms a request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


class SimServer:
    """The simulator on a loopback port, served by uvicorn in a daemon thread.

    The socket is bound and listening as soon as the object exists, so a client may connect
    at once: the kernel queues the connection until uvicorn accepts it.
    """

    def __init__(
        self, config: SimConfig | None = None, *, host: str = LOOPBACK, port: int = 0
    ) -> None:
        self.state = SimState(config or SimConfig())
        self.host = host
        self._sock = bind_socket(host, port)
        self.port: int = self._sock.getsockname()[1]
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ending in `/v1`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    def start(self) -> SimServer:
        """Start serving in the background; returns self."""
        if self._thread is not None:
            return self
        config = uvicorn.Config(
            create_app(state=self.state),
            log_level="critical",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="loom-sim", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        assert self._server is not None
        asyncio.run(self._server.serve(sockets=[self._sock]))

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Block until uvicorn has started (connections are queued before that anyway)."""
        if self._server is None:
            return False
        deadline = threading.Event()
        for _ in range(int(timeout / 0.01)):
            if self._server.started:
                return True
            deadline.wait(0.01)
        return bool(self._server.started)

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._sock.close()

    def __enter__(self) -> SimServer:
        self.start()
        self.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(config: SimConfig, host: str = LOOPBACK, port: int = 8751) -> None:
    """`loom demo-server`: serve in the foreground until Ctrl+C."""
    logging.getLogger("uvicorn.error").addFilter(_HideSimulatedCuts())
    sock = bind_socket(host, port)
    actual = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    print(f"Loom simulator serving OpenAI-compatible API at http://{shown}:{actual}/v1", flush=True)
    # The hint must work as printed; a key given with --api-key is the user's to type.
    key = "'<the key you gave to --api-key>'" if config.api_key else "sim-key"
    print(
        f"  try: OPENAI_BASE_URL=http://{shown}:{actual}/v1 OPENAI_API_KEY={key} loom",
        flush=True,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(state=SimState(config)),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
    )
    server.run(sockets=[sock])
