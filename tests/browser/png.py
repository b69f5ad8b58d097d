"""Enough of PNG to tell a blank screenshot from a drawn one, with the standard library only.

Reads 8-bit RGB or RGBA, non-interlaced (what Chromium writes for a screenshot), undoing the five
row filters of the PNG specification.
"""

from __future__ import annotations

import statistics
import struct
import zlib
from pathlib import Path

__all__ = ["colour_stats"]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _rows(path: Path) -> tuple[int, int, list[bytes]]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, "only 8-bit RGB(A) non-interlaced PNGs"
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = previous[x]
            c = previous[x - bpp] if x >= bpp else 0
            add = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
            line[x] = (line[x] + add) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, bpp, rows


def colour_stats(path: Path) -> tuple[int, float]:
    """The number of distinct colours and the standard deviation of the grey level, over every
    fourth pixel of every fourth row (a blank page has one colour and no deviation)."""
    _, bpp, rows = _rows(path)
    colours: set[bytes] = set()
    greys: list[float] = []
    for line in rows[::4]:
        for x in range(0, len(line), 4 * bpp):
            pixel = line[x : x + 3]
            colours.add(pixel)
            greys.append(0.299 * pixel[0] + 0.587 * pixel[1] + 0.114 * pixel[2])
    return len(colours), statistics.pstdev(greys)
