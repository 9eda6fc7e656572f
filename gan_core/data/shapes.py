"""Ready-made shapes to draw with: each returns float32 points `(N, 2)` on the drawing canvas
(coordinates in [-CANVAS, CANVAS], the scale of the ring8 data the point defaults are tuned on).

Spacing matters to the mode count (data/drawn.py links points at most LINK_STDS std apart): the
dense shapes (line, spiral, letters) space their points closer than that at the default spread,
so each stroke is one mode; the ring and the grid space theirs farther, so each point is one.
"""
from __future__ import annotations

import numpy as np

from ..errors import DatasetError

CANVAS = 1.5  # the canvas spans [-CANVAS, CANVAS] on both axes
LETTER_STEP = 0.08  # between a letter's dots: adjacent (0.08) and diagonal (0.113) dots are
# within drawn.LINK_STDS * drawn.DEFAULT_STD = 0.12, so a letter is one mode; the blank column
# between letters makes their nearest dots 0.16 apart, so each letter is a mode of its own
MAX_LETTERS = 6  # 6 letters and 5 gaps are 35 columns: 2.8 wide at LETTER_STEP, inside the canvas

# A 5x7 dot font (rows top to bottom, "#" a dot). Every glyph is one 8-connected stroke.
FONT = {
    "A": ".###./#...#/#...#/#####/#...#/#...#/#...#",
    "B": "####./#...#/#...#/####./#...#/#...#/####.",
    "C": ".###./#...#/#..../#..../#..../#...#/.###.",
    "D": "####./#...#/#...#/#...#/#...#/#...#/####.",
    "E": "#####/#..../#..../####./#..../#..../#####",
    "F": "#####/#..../#..../####./#..../#..../#....",
    "G": ".###./#...#/#..../#.###/#...#/#...#/.####",
    "H": "#...#/#...#/#...#/#####/#...#/#...#/#...#",
    "I": ".###./..#../..#../..#../..#../..#../.###.",
    "J": "..###/...#./...#./...#./...#./#..#./.##..",
    "K": "#...#/#..#./#.#../##.../#.#../#..#./#...#",
    "L": "#..../#..../#..../#..../#..../#..../#####",
    "M": "#...#/##.##/#.#.#/#.#.#/#...#/#...#/#...#",
    "N": "#...#/#...#/##..#/#.#.#/#..##/#...#/#...#",
    "O": ".###./#...#/#...#/#...#/#...#/#...#/.###.",
    "P": "####./#...#/#...#/####./#..../#..../#....",
    "Q": ".###./#...#/#...#/#...#/#.#.#/#..#./.##.#",
    "R": "####./#...#/#...#/####./#.#../#..#./#...#",
    "S": ".####/#..../#..../.###./....#/....#/####.",
    "T": "#####/..#../..#../..#../..#../..#../..#..",
    "U": "#...#/#...#/#...#/#...#/#...#/#...#/.###.",
    "V": "#...#/#...#/#...#/#...#/#...#/.#.#./..#..",
    "W": "#...#/#...#/#...#/#.#.#/#.#.#/#.#.#/.#.#.",
    "X": "#...#/#...#/.#.#./..#../.#.#./#...#/#...#",
    "Y": "#...#/#...#/.#.#./..#../..#../..#../..#..",
    "Z": "#####/....#/...#./..#../.#.../#..../#####",
    "0": ".###./#...#/#..##/#.#.#/##..#/#...#/.###.",
    "1": "..#../.##../..#../..#../..#../..#../.###.",
    "2": ".###./#...#/....#/...#./..#../.#.../#####",
    "3": "#####/...#./..#../...#./....#/#...#/.###.",
    "4": "...#./..##./.#.#./#..#./#####/...#./...#.",
    "5": "#####/#..../####./....#/....#/#...#/.###.",
    "6": "..##./.#.../#..../####./#...#/#...#/.###.",
    "7": "#####/....#/...#./..#../.#.../.#.../.#...",
    "8": ".###./#...#/#...#/.###./#...#/#...#/.###.",
    "9": ".###./#...#/#...#/.####/....#/...#./.##..",
    " ": "...../...../...../...../...../...../.....",
}


def _check_count(name: str, n: int, lo: int, hi: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not lo <= n <= hi:
        raise DatasetError(f"{name}: the number of points must be a whole number from {lo} "
                           f"to {hi}, got {n!r}")


def ring(n: int = 8, radius: float = 1.0) -> np.ndarray:
    """`n` points on a circle at angles 2*pi*i/n, i = 0..n-1 (n = 8: ring8's mode centres)."""
    _check_count("ring", n, 1, 200)
    angles = 2 * np.pi * np.arange(n) / n
    return (radius * np.stack([np.cos(angles), np.sin(angles)], 1)).astype(np.float32)


def grid(n: int = 3, half: float = 1.0) -> np.ndarray:
    """An `n` x `n` grid of points spanning [-half, half] (n = 5: grid25's layout, scaled)."""
    _check_count("grid", n, 2, 30)
    axis = np.linspace(-half, half, n)
    return np.array([(x, y) for y in axis for x in axis], np.float32)


def line(n: int = 40, start: tuple[float, float] = (-1.0, -1.0),
         end: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """`n` points evenly from `start` to `end` (the default diagonal: 0.073 apart at n = 40)."""
    _check_count("line", n, 2, 1000)
    t = np.linspace(0.0, 1.0, n)[:, None]
    return ((1 - t) * np.asarray(start) + t * np.asarray(end)).astype(np.float32)


def spiral(n: int = 150, turns: float = 2.0) -> np.ndarray:
    """`n` points evenly along the spiral dataset's curve (radius 0.1 to 1.6 over `turns`
    turns): 0.072 apart at n = 150 and 2 turns."""
    _check_count("spiral", n, 2, 1000)
    t = np.linspace(0.0, 2 * np.pi * turns, 20_000)  # fine steps, then even arc lengths
    r = t / (2 * np.pi * turns) * 1.5 + 0.1
    curve = np.stack([r * np.cos(t), r * np.sin(t)], 1)
    length = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(curve, axis=0).T))])
    at = np.linspace(0.0, length[-1], n)
    return np.stack([np.interp(at, length, curve[:, 0]), np.interp(at, length, curve[:, 1])],
                    1).astype(np.float32)


def letters(text: str) -> np.ndarray:
    """`text` (A-Z, 0-9, spaces; at most MAX_LETTERS) in the 5x7 dot font, LETTER_STEP between
    dots, centred on the canvas."""
    text = text.upper()
    if not text.strip():
        raise DatasetError("letters: type some letters or digits")
    if len(text) > MAX_LETTERS:
        raise DatasetError(f"letters: at most {MAX_LETTERS} characters fit on the canvas, "
                           f"got {len(text)}")
    unknown = sorted(set(text) - set(FONT))
    if unknown:
        raise DatasetError(f"letters: only A-Z, 0-9 and spaces, not {' '.join(unknown)}")
    dots = [(col * 6 + x, y) for col, ch in enumerate(text)
            for y, row in enumerate(FONT[ch].split("/")) for x, c in enumerate(row) if c == "#"]
    xy = np.array(dots, np.float64)
    xy[:, 1] = -xy[:, 1]  # rows go down the page, y goes up
    width, height = len(text) * 6 - 2, 6  # in dots, first to last column and row
    centre = np.array([width / 2, -height / 2])
    return ((xy - centre) * LETTER_STEP).astype(np.float32)


SHAPES = {"ring": ring, "grid": grid, "line": line, "spiral": spiral, "letters": letters}
