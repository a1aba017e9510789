"""Embeddings made readable: the vectors as one float32 matrix (base64 decoded), how close
each text is to each other (cosine similarity, the vectors normalised first), the nearest
neighbours of one text, and exports — JSONL of the vectors, `.npy`, the matrix as CSV.

numpy does the arithmetic: 100 vectors of 3,072 numbers are a 100x100 matrix in a
millisecond (pure Python takes a quarter of a second). It is imported when first used.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.core.text import strip_controls

if TYPE_CHECKING:
    import numpy as np

MATRIX_MOST = 12
"""More texts than this are shown as a ranked list of pairs, not a matrix."""


def decode(embedding: Sequence[float] | str) -> list[float] | bytes:
    """A vector as it came: numbers, or the raw float32 bytes of a base64 one."""
    if isinstance(embedding, str):
        try:
            return base64.b64decode(embedding, validate=True)
        except ValueError as error:
            raise ValueError(f"an embedding is neither numbers nor base64: {error}") from None
    return list(embedding)


@dataclass
class Embedded:
    """Texts and their vectors, with what the request used."""

    texts: list[str]
    vectors: np.ndarray[Any, Any]
    """One row per text, float32."""
    model: str
    tokens: int
    cost: float | None

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    def norms(self) -> list[float]:
        """Each vector's length (OpenAI's are 1)."""
        import numpy as np

        return [float(x) for x in np.linalg.norm(self.vectors, axis=1)]

    def similarity(self) -> np.ndarray[Any, Any]:
        """The cosine similarity of every pair, a square matrix."""
        import numpy as np

        norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
        unit = self.vectors / np.where(norms == 0, 1, norms)
        found: np.ndarray[Any, Any] = unit @ unit.T
        return found

    def neighbours(
        self, index: int, matrix: np.ndarray[Any, Any] | None = None
    ) -> list[tuple[int, float]]:
        """The other texts, closest first, with their similarity to text `index`."""
        row = (self.similarity() if matrix is None else matrix)[index]
        order = sorted((i for i in range(len(self.texts)) if i != index), key=lambda i: -row[i])
        return [(i, float(row[i])) for i in order]

    def ranked_pairs(
        self, matrix: np.ndarray[Any, Any] | None = None, most: int = 200
    ) -> list[tuple[int, int, float]]:
        """The closest pairs of different texts, closest first."""
        import numpy as np

        found = self.similarity() if matrix is None else matrix
        upper = np.triu_indices(len(self.texts), k=1)
        values = found[upper]
        order = np.argsort(-values)[:most]
        return [(int(upper[0][k]), int(upper[1][k]), float(values[k])) for k in order]


def stack(rows: Iterable[list[float] | bytes]) -> np.ndarray[Any, Any]:
    """The vectors as one float32 matrix; ValueError when their lengths differ."""
    import numpy as np

    made = [
        np.frombuffer(row, dtype="<f4") if isinstance(row, bytes) else np.asarray(row, dtype="<f4")
        for row in rows
    ]
    if not made:
        return np.zeros((0, 0), dtype="<f4")
    if len({len(v) for v in made}) != 1:
        raise ValueError("the vectors that came differ in length")
    return np.vstack(made)


def as_jsonl(embedded: Embedded) -> Iterable[str]:
    """A line per text: its index, the text, the vector."""
    for index, (text, vector) in enumerate(zip(embedded.texts, embedded.vectors, strict=True)):
        entry = {"index": index, "text": text, "embedding": [float(x) for x in vector]}
        yield json.dumps(entry, ensure_ascii=False) + "\n"


def matrix_csv(embedded: Embedded) -> str:
    """The similarity matrix as CSV, the texts (without control characters) as headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    names = [strip_controls(t)[:80] for t in embedded.texts]
    writer.writerow(["", *names])
    for name, row in zip(names, embedded.similarity(), strict=True):
        writer.writerow([name, *(f"{float(x):.6f}" for x in row)])
    return out.getvalue()


def npy_bytes(embedded: Embedded) -> bytes:
    """The vectors as a `.npy` file."""
    import numpy as np

    out = io.BytesIO()
    np.save(out, embedded.vectors)
    return out.getvalue()
