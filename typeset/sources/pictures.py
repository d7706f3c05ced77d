"""Pictures an issue names: read to the end once (a text file named .jpg, a truncated JPEG, a
picture of absurd size is a clear error before rendering), remembered as sound in the cache."""

from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path

from typeset.system import cache as diskcache

_VERIFIED_MAX = 20_000      # pictures remembered as sound (the cache file stays under 2 MB)
PIXELS_MAX = 50_000_000     # a full-page picture at 300 ppi has 25 million; decoding 50 million takes 150 MB


@functools.cache
def _verified_pictures() -> dict[str, None]:
    found = diskcache.read_json(diskcache.cache_dir() / "pictures.json")
    return dict.fromkeys(found) if isinstance(found, list) else {}


def picture_problem(path: Path) -> str | None:
    """None if `path` is a picture Pillow reads to the end, else what is wrong with it (a text
    file named .jpg, a truncated JPEG, a picture of absurd size). A sound picture is remembered
    in the cache folder by its path, size and time, so an unchanged one is read once."""
    try:
        key = diskcache.identity(path)
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    verified = _verified_pictures()
    if key in verified:
        return None
    problem = _inspect_picture(path)
    if problem is None:
        verified[key] = None
        while len(verified) > _VERIFIED_MAX:
            del verified[next(iter(verified))]        # the oldest
        _new_pictures.append(key)
    return problem


_new_pictures: list[str] = []     # verified since the cache file was last written


def save_verified_pictures() -> None:
    """Write the pictures verified since the last write to the cache folder."""
    if _new_pictures:
        diskcache.atomic_write(diskcache.cache_dir() / "pictures.json",
                               json.dumps(list(_verified_pictures())).encode("utf-8"))
        _new_pictures.clear()


def _inspect_picture(path: Path) -> str | None:
    from PIL import Image, ImageFile

    truncated_ok = ImageFile.LOAD_TRUNCATED_IMAGES  # `import weasyprint` sets it to True
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.width * image.height > PIXELS_MAX:     # from the header, before decoding
                    return (f"has {image.width * image.height:,} pixels ({image.width} × {image.height}), "
                            f"more than {PIXELS_MAX:,}: scale it down (no page needs more)")
                image.verify()              # structure and checksums (PNG CRCs)
            with Image.open(path) as image:
                if image.format == "JPEG":  # decode at 1/8 scale: fast, and still reads every byte
                    image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()                # a truncated file fails here
    except Image.DecompressionBombError:
        return f"has too many pixels (more than {2 * Image.MAX_IMAGE_PIXELS:,}): scale it down"
    except Image.UnidentifiedImageError:
        return "is not a picture Pillow can read (JPEG, PNG, TIFF …): export it as JPEG or PNG"
    except Exception as e:  # noqa: BLE001 - a decoder's error on a damaged file is the user's problem
        reason = " ".join(str(e).split())[:120] or type(e).__name__
        return f"is damaged or truncated ({reason}): export it again"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated_ok
    return None

