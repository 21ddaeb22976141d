"""Write the Windows and macOS icons (packaging/icons/aigc-studio.ico and .icns) from the PNGs in
resources/icons, which are drawn from resources/icons/aigc-studio.svg. Run again after the PNGs
change: `python packaging/make_icons.py` (needs Pillow)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PNGS = ROOT / "resources" / "icons"
OUT = ROOT / "packaging" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # what Windows asks of an .ico, each drawn at its size


def main() -> None:
    OUT.mkdir(exist_ok=True)
    images = [Image.open(PNGS / f"aigc-studio-{n}.png").convert("RGBA") for n in ICO_SIZES]
    # the largest image first; the others are stored as drawn, not scaled down from it
    images[-1].save(
        OUT / "aigc-studio.ico",
        sizes=[im.size for im in images],
        append_images=images[:-1],
    )
    big = Image.open(PNGS / "aigc-studio-512.png").convert("RGBA")
    big.save(OUT / "aigc-studio.icns")  # macOS: Pillow scales the 512 px image to each size
    for name in ("aigc-studio.ico", "aigc-studio.icns"):
        print(f"{OUT / name} ({(OUT / name).stat().st_size} bytes)")


if __name__ == "__main__":
    main()
