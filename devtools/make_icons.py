"""Draw the integration's brand icons: a house outline sheltering a person, in HA blue.

Home Assistant (2026.3+) serves ``custom_components/<domain>/brand/*.png`` itself; its brand
rules ask for square, transparent, trimmed PNGs: ``icon.png`` 256x256 and ``icon@2x.png``
512x512 (https://github.com/home-assistant/brands#image-specification).

    python devtools/make_icons.py           # (re)write the icons
    python devtools/make_icons.py --check   # exit 1 if the committed icons differ from a redraw
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

BRAND_DIR = Path(__file__).resolve().parents[1] / "custom_components/occupancy_manager/brand"
ICONS = {"icon.png": 256, "icon@2x.png": 512}
HA_BLUE = (0x03, 0xA9, 0xF4)

# The mark is drawn on a unit square (x right, y down) scaled by DRAW_SIZE, with a margin so
# round line caps never touch the canvas edge; the result is then trimmed to its ink.
DRAW_SIZE = 4096
MARGIN = 0.1
STROKE = 0.085
ROOF = ((0.0, 0.47), (0.5, 0.02), (1.0, 0.47))
WALLS = ((0.16, 0.34), (0.16, 0.98), (0.84, 0.98), (0.84, 0.34))
HEAD_CENTRE = (0.5, 0.5)
HEAD_RADIUS = 0.1
BODY_BOX = (0.3, 0.67, 0.7, 1.07)
BODY_FLOOR = 0.88


def _px(value: float) -> int:
    """Map a unit coordinate on the mark to a pixel of the oversized drawing canvas."""
    return round((MARGIN + value * (1 - 2 * MARGIN)) * DRAW_SIZE)


def _polyline(draw: ImageDraw.ImageDraw, points: tuple[tuple[float, float], ...]) -> None:
    """Stroke an open path with round joins and round caps."""
    width = _px(STROKE) - _px(0)
    xy = [(_px(x), _px(y)) for x, y in points]
    draw.line(xy, fill=255, width=width, joint="curve")
    radius = width / 2
    for x, y in (xy[0], xy[-1]):
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)


def draw_mask() -> Image.Image:
    """Draw the mark as coverage.

    Returns:
        A square ``L`` image, 255 where the mark is, 0 elsewhere, trimmed so that the ink
        touches two opposite edges and is centred along the other axis.
    """
    mask = Image.new("L", (DRAW_SIZE, DRAW_SIZE), 0)
    draw = ImageDraw.Draw(mask)
    _polyline(draw, ROOF)
    _polyline(draw, WALLS)
    (cx, cy), r = HEAD_CENTRE, HEAD_RADIUS
    draw.ellipse((_px(cx - r), _px(cy - r), _px(cx + r), _px(cy + r)), fill=255)
    body = Image.new("L", mask.size, 0)
    ImageDraw.Draw(body).ellipse(tuple(_px(v) for v in BODY_BOX), fill=255)
    body.paste(0, (0, _px(BODY_FLOOR), DRAW_SIZE, DRAW_SIZE))
    mask = ImageChops.lighter(mask, body)

    bbox = mask.getbbox()
    if bbox is None:
        raise RuntimeError("the mark is empty")
    ink = mask.crop(bbox)
    side = max(ink.size)
    square = Image.new("L", (side, side), 0)
    square.paste(ink, ((side - ink.width) // 2, (side - ink.height) // 2))
    return square


def render(size: int) -> Image.Image:
    """Render the icon.

    Args:
        size: Edge length in pixels.

    Returns:
        A ``size`` x ``size`` RGBA image: HA blue, the mark's anti-aliased coverage as alpha.
    """
    alpha = draw_mask().resize((size, size), Image.Resampling.LANCZOS)
    icon = Image.new("RGBA", (size, size), (*HA_BLUE, 0))
    icon.putalpha(alpha)
    return icon


def _same_pixels(path: Path, expected: Image.Image) -> bool:
    """Tell whether the PNG at ``path`` exists and has exactly ``expected``'s pixels."""
    if not path.is_file():
        return False
    with Image.open(path) as stored:
        if stored.mode != expected.mode or stored.size != expected.size:
            return False
        return ImageChops.difference(stored, expected).getbbox() is None


def main(argv: list[str] | None = None) -> int:
    """Write the icons into ``BRAND_DIR`` or, with ``--check``, compare them with a redraw.

    Returns:
        The process exit code: 0 on success, 1 when ``--check`` finds a missing or stale icon.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = parser.parse_args(argv)

    stale = []
    for name, size in ICONS.items():
        icon = render(size)
        path = BRAND_DIR / name
        if args.check:
            if not _same_pixels(path, icon):
                stale.append(name)
            continue
        BRAND_DIR.mkdir(parents=True, exist_ok=True)
        icon.save(path, optimize=True)
        sys.stdout.write(f"wrote {path} ({size}x{size})\n")
    if stale:
        sys.stdout.write(f"stale icons (run devtools/make_icons.py): {', '.join(stale)}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
