"""Server-sent events parsing, and the paced reading that saves a wake-up per token."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from tui.api.client import OpenAIClient
from tui.api.sse import SSEDecoder
from tui.areas.chat.api.resource import ChatResource
from tui.areas.chat.api.schemas import ChatCompletionRequest, ChatMessage
from tui.sim.app import SimConfig
from tui.sim.server import SimServer

BODY = (
    'data: {"a": "x\u2028y\u2029z\u0085"}\r\n\r\n'  # separators inside JSON end no line
    ": keep-alive comment\n\n"
    "data: one\ndata: two\n\n"
    "event: ping\rdata: cr only\r\r"
    "id: 7\ndata:no space\n\n"
    "data: last, no blank line at the end"
)
EVENTS = [
    '{"a": "x\u2028y\u2029z\u0085"}',
    "one\ntwo",
    "cr only",
    "no space",
    "last, no blank line at the end",
]


@given(st.lists(st.integers(min_value=1, max_value=len(BODY) - 1), max_size=12))
def test_events_are_the_same_wherever_the_reads_split_the_body(cuts: list[int]) -> None:
    edges = [0, *sorted(set(cuts)), len(BODY)]
    decoder = SSEDecoder()
    events: list[str] = []
    for start, end in itertools.pairwise(edges):
        events.extend(decoder.feed(BODY[start:end]))
    events.extend(decoder.close())
    assert events == EVENTS


async def test_paced_reading_gets_the_whole_reply_in_fewer_reads() -> None:
    """With a read gap the same reply arrives whole, in fewer pieces than chunks."""
    config = SimConfig(seed=2, reply_tokens=300, tokens_per_second=200)
    with SimServer(config) as sim:
        async with OpenAIClient(base_url=sim.base_url, api_key="k") as api:
            request = ChatCompletionRequest(
                model="gpt-4o-mini", messages=[ChatMessage(role="user", content="pace")]
            )
            async with ChatResource(api).stream(request) as eager:
                async for _ in eager:
                    pass
            async with ChatResource(api).stream(request, read_gap=0.03) as paced:
                async for _ in paced:
                    pass
    assert paced.done and paced.finish_reason == "stop"
    assert paced.text == eager.text and paced.chunks == eager.chunks
    assert paced.reads < eager.reads / 3
