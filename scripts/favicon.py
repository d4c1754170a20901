# Run from the repository root: python3 scripts/favicon.py
# Writes static/favicon.ico (a 32x32 PNG inside an ICO) and static/favicon.svg: a blue card with
# three white lines, a questionnaire. Pure Python, no imaging library.
import struct, zlib
N = 32
BLUE = (11, 92, 173, 255); WHITE = (255, 255, 255, 255); CLEAR = (0, 0, 0, 0)
def pixel(x, y):
    r = 5  # rounded corners
    cx = min(max(x, r), N - 1 - r); cy = min(max(y, r), N - 1 - r)
    if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
        return CLEAR
    for top, length in ((8, 16), (14, 12), (20, 16)):
        if top <= y < top + 3 and 8 <= x < 8 + length:
            return WHITE
    return BLUE
raw = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(N)) for y in range(N))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
ico = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", N, N, 0, 0, 1, 32, len(png), 22) + png
open("static/favicon.ico", "wb").write(ico)
svg = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5cad"/><g fill="#fff"><rect x="8" y="8" width="16" height="3"/><rect x="8" y="14" width="12" height="3"/><rect x="8" y="20" width="16" height="3"/></g></svg>
"""
open("static/favicon.svg", "w").write(svg)
