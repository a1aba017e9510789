"""Images on screen, each beside a floor measured in the same run:

- a 1024x1024 PNG arriving: the time from the file on disk to its preview's lines made for
  an 80x24 screen's picture box (decode, shrink, half blocks) — the goal is 100 ms; the
  floor is Pillow decoding the same file and nothing else;
- a gallery of 100 generations (1024x1024 each, as the simulator draws them) in the real
  playground, headless at 80x24: from the Images tool being shown to the list filled and
  the newest one's preview drawn — the goal is 0.5 s; the floor is reading the 100
  request.json files alone.

    python bench/images.py [--quick]    # the last stdout line is a JSON object
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import median


def make_gallery(folder: Path, count: int) -> Path:
    """`count` generations of one 1024x1024 PNG each, as the app saves them: the
    simulator's drawings with grain added, so they decode as slowly as a photograph does
    (flat colours compress, and decode, far faster)."""
    import numpy as np
    from PIL import Image

    from tui.areas.playground.core.images import new_folder, save
    from tui.areas.playground.sim.images import draw, encoded

    base = folder / "images"
    grain = np.random.default_rng(1).integers(-24, 24, (1024, 1024, 1), dtype=np.int16)
    for n in range(count):
        drawn = np.asarray(draw(f"picture number {n} of a harbour", 0, 1024, 1024).convert("RGB"))
        noisy = np.clip(drawn.astype(np.int16) + grain, 0, 255).astype(np.uint8)
        data = encoded(Image.fromarray(noisy, "RGB"), "png", None, False)
        save(
            new_folder(base, f"picture {n}", now=time.time() - count + n),
            [data],
            extension="png",
            kind="generate",
            prompt=f"picture number {n} of a harbour",
            model="gpt-image-1",
            revised=[""],
            options={"size": "1024x1024"},
            cost=0.011,
        )
    return base


def preview_times(png: Path, repeats: int) -> dict[str, Any]:
    from PIL import Image

    from tui.core.pictures import opened, shrunk
    from tui.widgets.picture import half_blocks

    drawn, floors = [], []
    for _ in range(repeats):
        begin = time.perf_counter()
        with Image.open(png) as image:
            image.load()
        floors.append(time.perf_counter() - begin)
        begin = time.perf_counter()
        pixels = shrunk(opened(png), 44, 10)  # the picture box at 80x24
        strips = half_blocks(pixels, 44)
        drawn.append(time.perf_counter() - begin)
        assert len(strips) == 10
    return {
        "preview_1024_ms": round(median(drawn) * 1000, 1),
        "preview_1024_worst_ms": round(max(drawn) * 1000, 1),
        "floor_decode_1024_ms": round(median(floors) * 1000, 1),
    }


async def gallery_times(data: Path, repeats: int) -> dict[str, Any]:
    from tui.app import LoomApp
    from tui.areas.playground.screens.images import ImagesTool
    from tui.areas.playground.screens.playground import PlaygroundScreen
    from tui.config import Settings
    from tui.widgets.picture import Picture

    opens = []
    for _ in range(repeats):
        settings = Settings(base_url="http://127.0.0.1:9/v1", api_key="sk-bench", max_retries=0)
        settings.data_dir = str(data)
        app = LoomApp(settings, mode="playground")
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(500):
                if isinstance(app.screen, PlaygroundScreen):
                    break
                await asyncio.sleep(0.01)
            screen = app.screen
            assert isinstance(screen, PlaygroundScreen)
            tool = screen.query_one("#images", ImagesTool)
            await pilot.pause(0.5)  # the tool's first load (hidden) is over
            tool.generations = []
            tool.query_one(Picture).show(None)
            begin = time.perf_counter()
            screen.action_tool("images")
            tool.load_gallery()
            picture = tool.query_one(Picture)
            for _ in range(5000):
                if len(tool.generations) == 100 and picture.pixels is not None:
                    break
                await asyncio.sleep(0.001)
            else:
                raise SystemExit("bench/images.py: the gallery never filled")
            for y in range(picture.size.height):
                picture.render_line(y)
            opens.append(time.perf_counter() - begin)
    floors = []
    for _ in range(repeats):
        begin = time.perf_counter()
        for about in (data / "images").glob("*/request.json"):
            json.loads(about.read_text())
        floors.append(time.perf_counter() - begin)
    return {
        "gallery_100_open_s": round(median(opens), 3),
        "floor_gallery_read_100_s": round(median(floors), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats = 5 if args.quick else 11
    with tempfile.TemporaryDirectory(prefix="loom-bench-images-") as folder:
        data = Path(folder)
        base = make_gallery(data, 100)
        first = sorted(base.glob("*/1.png"))[0]
        result = preview_times(first, repeats)
        print("preview:", json.dumps(result), file=sys.stderr)
        result |= asyncio.run(gallery_times(data, 3 if args.quick else 5))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
