"""Draws the PNG icons of the web app manifest. The PNGs are committed; run again after a
change of brand colour: `python -m hostolink_devtools.make_icons`
(from a clone of the repository)."""

from pathlib import Path

from PIL import Image, ImageDraw

__all__ = ["draw"]

OUT = Path(__file__).resolve().parents[1] / "hostolink" / "web" / "static" / "icons"
BRAND = (10, 107, 79)
WHITE = (255, 255, 255)
GOLD = (242, 178, 51)


def draw(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # drawn large, scaled down: smooth edges
    big = size * scale
    background = BRAND if maskable else (0, 0, 0, 0)
    image = Image.new("RGB" if maskable else "RGBA", (big, big), background)
    pen = ImageDraw.Draw(image)
    if not maskable:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=BRAND)
    # Maskable icons keep their drawing inside the central 80 % safe zone.
    unit = big * (0.36 if maskable else 0.46) / 3
    cx = cy = big / 2
    arm = unit * 1.0
    length = unit * 3
    pen.rounded_rectangle(
        (cx - arm / 2, cy - length / 2, cx + arm / 2, cy + length / 2), radius=arm / 3, fill=WHITE
    )
    pen.rounded_rectangle(
        (cx - length / 2, cy - arm / 2, cx + length / 2, cy + arm / 2), radius=arm / 3, fill=WHITE
    )
    dot = unit * 0.45
    pen.ellipse((cx - dot, cy - dot, cx + dot, cy + dot), fill=GOLD)
    return image.resize((size, size), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    draw(192, maskable=False).save(OUT / "icon-192.png", optimize=True)
    draw(512, maskable=False).save(OUT / "icon-512.png", optimize=True)
    draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    draw(180, maskable=True).save(OUT / "apple-touch-icon.png", optimize=True)
