"""Pictures for print: the visible part at its placed size, in CMYK through the output profile."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from typeset.plan.pictures import PlacedPicture
from typeset.system import files

from .newsprint import jpeg_within_ink

PRINT_PPI = 300              # print pictures are resampled down to this at their placed size


def cmyk_picture(placed: PlacedPicture, profile: Path, cache: Path, ink_limit: float) -> Path:
    """The visible part of a picture at its placed size (at most PRINT_PPI), converted to CMYK
    through the output profile (perceptual), C+M+Y+K held to `ink_limit` %, as a JPEG in
    `cache` named by a content hash."""
    from PIL import Image, ImageCms, ImageOps

    box = placed.box
    ppi = min(placed.ppi, PRINT_PPI)
    target = (max(1, round(box.w / 72 * ppi)), max(1, round(box.h / 72 * ppi)))
    source = placed.path.read_bytes()
    key = hashlib.sha256(source + hashlib.sha256(profile.read_bytes()).digest()
                         + repr((placed.crop, target, ink_limit, "v3")).encode()).hexdigest()[:24]
    out = cache / f"{key}.jpg"
    if out.is_file():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    with Image.open(io.BytesIO(source)) as original:
        embedded = original.info.get("icc_profile")
        image = ImageOps.exif_transpose(original)
        if image.mode in ("RGBA", "LA", "P", "PA"):
            image = image.convert("RGBA")
            white = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(white, image).convert("RGB")
        elif image.mode not in ("RGB", "CMYK"):
            image = image.convert("RGB")
        image = image.resize(target, Image.LANCZOS, box=placed.crop)
        if embedded:
            src = ImageCms.ImageCmsProfile(io.BytesIO(embedded))
        elif image.mode == "CMYK":
            src = ImageCms.getOpenProfile(str(profile))
        else:
            src = ImageCms.createProfile("sRGB")
        cmyk = ImageCms.profileToProfile(image, src, str(profile), renderingIntent=ImageCms.Intent.PERCEPTUAL,
                                         outputMode="CMYK")
        encoded = jpeg_within_ink(cmyk, ink_limit, dpi=(ppi, ppi))
    files.atomic_write(out, encoded, alone=True)
    return out
