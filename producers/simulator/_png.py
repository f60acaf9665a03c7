"""Small grayscale PNG files written with the standard library only (zlib and struct)."""

from __future__ import annotations

import struct
import zlib

__all__ = ["encode_png"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode_png(width: int, height: int, pixels: bytes) -> bytes:
    """An 8-bit grayscale PNG of ``width × height`` pixels given row by row."""
    if len(pixels) != width * height:
        raise ValueError(f"{len(pixels)} pixels for a {width}x{height} image")
    rows = b"".join(
        b"\x00" + pixels[row * width : (row + 1) * width] for row in range(height)
    )  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
