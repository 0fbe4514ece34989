#!/usr/bin/env python3
"""Draws the app icons (PNG, no dependencies): a blue tile with a white card carrying a QR-like mark.
Run once when the design changes: python3 scripts/icons.py public/icons"""
import struct, sys, zlib, os

BLUE = (11, 79, 156)
WHITE = (255, 255, 255)
YELLOW = (255, 205, 0)

def png(path, size, pixel):
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            row.extend(pixel((x + 0.5) / size, (y + 0.5) / size))
        rows.append(bytes(row))
    raw = b"".join(rows)
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)

def rounded(x, y, x0, y0, x1, y1, r):
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r

def mark(u, v):
    """The emblem in a unit square: a white card, three QR finder squares and a yellow dot."""
    if not rounded(u, v, 0.12, 0.12, 0.88, 0.88, 0.08):
        return None
    for (fx, fy) in ((0.2, 0.2), (0.56, 0.2), (0.2, 0.56)):
        if fx <= u <= fx + 0.24 and fy <= v <= fy + 0.24:
            inner = fx + 0.05 <= u <= fx + 0.19 and fy + 0.05 <= v <= fy + 0.19
            core = fx + 0.08 <= u <= fx + 0.16 and fy + 0.08 <= v <= fy + 0.16
            return BLUE if (not inner or core) else WHITE
    if (u - 0.68) ** 2 + (v - 0.68) ** 2 <= 0.09 ** 2:
        return YELLOW
    return WHITE

def icon(safe):
    def pixel(x, y):
        if safe:  # maskable: full-bleed background, emblem inside the 80 % safe zone
            u, v = (x - 0.1) / 0.8, (y - 0.1) / 0.8
            c = mark(u, v) if 0 <= u <= 1 and 0 <= v <= 1 else None
            return (*(c or BLUE), 255)
        if not rounded(x, y, 0.0, 0.0, 1.0, 1.0, 0.2):
            return (0, 0, 0, 0)
        u, v = (x - 0.08) / 0.84, (y - 0.08) / 0.84
        c = mark(u, v) if 0 <= u <= 1 and 0 <= v <= 1 else None
        return (*(c or BLUE), 255)
    return pixel

out = sys.argv[1] if len(sys.argv) > 1 else "public/icons"
os.makedirs(out, exist_ok=True)
png(f"{out}/icon-192.png", 192, icon(False))
png(f"{out}/icon-512.png", 512, icon(False))
png(f"{out}/icon-maskable-512.png", 512, icon(True))
png(f"{out}/apple-touch-icon.png", 180, icon(True))
