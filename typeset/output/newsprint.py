"""The newsprint press: its CMYK output profile, the condition the print PDF names, and the
total-ink limit pictures are held to.

No newsprint ICC profile ships with Debian, but its characterization data does: the package
icc-profiles-free carries ANSI CGATS/SNAP TR 002-2007, "Color Characterization Data for
Coldset Printing on Newsprint" (TR002.ti3; the ICC registry's condition "CGATS TR 002"). We
build the profile from it with ArgyllCMS's colprof (low quality grid: 20 s of CPU, where medium
takes over 2 min) — total ink 240 %, medium GCR (half the
grey in K: newsprint greys stay neutral and use less ink) — once, into the user cache
(diskcache.cache_dir()/icc), at `make setup` or on the first print build; never downloaded.
`PAIBAN_CMYK_ICC` names another profile instead (e.g. a plant's ISOnewspaper26v4).

`paiban profile` builds it and says where it is and how long it took.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from typeset.model.errors import UserError
from typeset.system import cache as diskcache

CHARACTERIZATION = Path("/usr/share/color/icc/TR002.ti3")      # Debian: icc-profiles-free
SOURCE_GAMUT = Path("/usr/share/color/argyll/ref/sRGB.icm")     # Debian: argyll-ref
PROFILE_INK_LIMIT = 240
CONDITION = "CGATS TR 002"                  # the ICC characterization registry's name
REGISTRY = "http://www.color.org"
CONDITION_INFO = "Coldset offset printing on newsprint (ANSI CGATS/SNAP TR 002-2007)"
DESCRIPTION = f"{CONDITION} newsprint (coldset), total ink {PROFILE_INK_LIMIT} %, medium GCR"
PROFILE_NAME = f"CGATS-TR002-newsprint-{PROFILE_INK_LIMIT}.icc"


def profile_path() -> Path:
    return diskcache.cache_dir() / "icc" / PROFILE_NAME


def build_profile(target: Path | None = None) -> tuple[Path, float]:
    """colprof on the TR 002 data into `target` (atomically); (path, seconds). A UserError
    says which package to install when colprof or the data is missing."""
    target = target or profile_path()
    colprof = shutil.which("colprof")
    if colprof is None or not CHARACTERIZATION.is_file() or not SOURCE_GAMUT.is_file():
        raise UserError("print: no newsprint CMYK profile; install ArgyllCMS and the characterization "
                        "data (apt-get install argyll argyll-ref icc-profiles-free, or make setup), or set "
                        "PAIBAN_CMYK_ICC=/path/to/newsprint.icc")
    start = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="paiban-icc-") as work:
        shutil.copyfile(CHARACTERIZATION, Path(work) / "newsprint.ti3")
        run = subprocess.run(
            [colprof, "-ql", "-kh", f"-l{PROFILE_INK_LIMIT}", "-s", str(SOURCE_GAMUT), "-D", DESCRIPTION,
             "-C", "Built by paiban from ANSI CGATS/SNAP TR 002-2007 characterization data",
             "newsprint"], cwd=work, capture_output=True, text=True)
        built = Path(work) / "newsprint.icc"
        if run.returncode != 0 or not built.is_file():
            raise UserError(f"print: colprof could not build the newsprint profile: "
                            f"{(run.stderr or run.stdout).strip().splitlines()[-1:]}")
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(built, tmp)
        os.replace(tmp, target)
    return target, time.perf_counter() - start


def newsprint_profile() -> Path:
    """The cached newsprint profile, built on first use."""
    path = profile_path()
    return path if path.is_file() else build_profile(path)[0]


def profile_description(path: Path) -> str:
    """The profile's description tag ('desc', ICC v2 text or v4 'mluc'), '' if none."""
    from PIL import ImageCms

    try:
        return ImageCms.getProfileDescription(ImageCms.getOpenProfile(str(path))).strip()
    except (OSError, ImageCms.PyCMSError):
        return ""


def intent_fields(profile: Path, ink_limit: float) -> dict[str, str]:
    """The output intent's OutputConditionIdentifier, OutputCondition, RegistryName and Info:
    ours name CGATS TR 002; another profile is named by its own description. Info also states
    the pictures' total-ink limit, so a check of the PDF alone knows it."""
    note = f"; pictures at most {ink_limit:g} % total ink"
    if profile.resolve() == profile_path().resolve():
        return {"OutputConditionIdentifier": CONDITION, "OutputCondition": CONDITION_INFO,
                "RegistryName": REGISTRY, "Info": f"{DESCRIPTION}; {CONDITION_INFO}{note}"}
    name = profile_description(profile) or profile.stem
    return {"OutputConditionIdentifier": name, "OutputCondition": name, "Info": name + note}


def limit_ink(image, limit_percent: float, tighter=None):
    """A CMYK image with C+M+Y+K at most `limit_percent` in every pixel: where over, C, M and Y
    are scaled down together (K kept: it carries the detail and the grey), rounded down.
    `tighter`: an "L" image of percent points to take off the limit pixel by pixel."""
    from PIL import Image, ImageMath

    c, m, y, k = (band.convert("F") for band in image.split())
    budget = ImageMath.lambda_eval(lambda e: limit_percent / 100 * 255 - e["t"] * 2.55,
                                   t=(tighter or Image.new("L", image.size, 0)).convert("F"))
    factor = ImageMath.lambda_eval(
        lambda e: e["min"](e["max"](e["b"] - e["k"], 0.0) / e["max"](e["c"] + e["m"] + e["y"], 1.0), 1.0),
        b=budget, c=c, m=m, y=y, k=k)
    cmy = [ImageMath.lambda_eval(lambda e: e["int"](e["v"] * e["f"]), v=v, f=factor).convert("L") for v in (c, m, y)]
    return Image.merge("CMYK", (*cmy, image.getchannel("K")))


def jpeg_within_ink(image, limit_percent: float, *, quality: int = 92, dpi: tuple[int, int]) -> bytes:
    """The CMYK image as a JPEG whose decoded pixels stay within `limit_percent` total ink.
    JPEG rings at sharp edges (white lettering on a dark picture) and lifts a pixel a few
    percent over a limit the pixels met; there, and a JPEG block around it, the limit is
    tightened by the overshoot and the picture encoded again (the rest stays as it was)."""
    from PIL import Image, ImageFilter, ImageMath

    tighter = Image.new("L", image.size, 0)
    for _ in range(4):
        out = io.BytesIO()
        limit_ink(image, limit_percent, tighter).save(out, "JPEG", quality=quality, dpi=dpi)
        with Image.open(io.BytesIO(out.getvalue())) as decoded:
            bands = [band.convert("F") for band in decoded.split()]
        over = ImageMath.lambda_eval(
            lambda e: e["max"]((e["c"] + e["m"] + e["y"] + e["k"]) / 2.55 - limit_percent, 0.0),
            c=bands[0], m=bands[1], y=bands[2], k=bands[3])
        if over.getextrema()[1] <= 0:
            break
        # a percent point more than the overshoot, spread over the 8×8 blocks around it
        step = ImageMath.lambda_eval(lambda e: e["min"](e["o"] * 2 + 1.0 * (e["o"] > 0), 255.0), o=over)
        step = step.convert("L").filter(ImageFilter.MaxFilter(17))
        tighter = ImageMath.lambda_eval(lambda e: e["min"](e["t"] + e["s"], 255), t=tighter, s=step).convert("L")
    return out.getvalue()


# --- overprint ---------------------------------------------------------------------------------

OVERPRINT, KNOCKOUT = "/PbOverprint", "/PbKnockout"     # the two ExtGStates finish_print adds
TEXT_SHOW = {"Tj", "TJ", "'", '"'}
FILLS, STROKES, BOTH = {"f", "F", "f*"}, {"S", "s"}, {"B", "B*", "b", "b*"}
UNPAINTED = {"Do", "sh", "INLINE IMAGE"}      # pictures, forms, shadings: never overprint


def add_overprint_states(pdf, resources) -> None:
    """OVERPRINT (OP, op true, OPM 1: a 100 % K object leaves the C, M, Y plates under it
    alone) and KNOCKOUT into a resource dictionary's ExtGState."""
    import pikepdf

    states = resources.get("/ExtGState")
    if states is None:
        resources.ExtGState = states = pikepdf.Dictionary()
    states[OVERPRINT] = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, OP=True, op=True, OPM=1))
    states[KNOCKOUT] = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, OP=False, op=False, OPM=0))


def overprint_black(instructions: list) -> list:
    """Content-stream instructions (colours set with k/K) with `/PbOverprint gs` before every
    text, fill or stroke painted in 100 % K (text, rules) and `/PbKnockout gs` before anything
    else painted (colours, tints, white, pictures), each only where the state changes."""
    import pikepdf

    gs = pikepdf.Operator("gs")
    out = []
    fill_k = stroke_k = False
    state = None                     # the overprint state in force; None: not known
    stack: list = []
    for operands, operator in instructions:
        op = str(operator)
        want = None
        if op == "q":
            stack.append((fill_k, stroke_k, state))
        elif op == "Q" and stack:
            fill_k, stroke_k, state = stack.pop()
        elif op in ("k", "K"):
            is_k = [float(v) for v in operands] == [0, 0, 0, 1]
            fill_k, stroke_k = (is_k, stroke_k) if op == "k" else (fill_k, is_k)
        elif op in ("cs", "sc", "scn", "g", "rg"):
            fill_k = False
        elif op in ("CS", "SC", "SCN", "G", "RG"):
            stroke_k = False
        elif op == "gs":
            state = None
        elif op in TEXT_SHOW or op in FILLS:
            want = fill_k
        elif op in STROKES:
            want = stroke_k
        elif op in BOTH:
            want = fill_k and stroke_k
        elif op in UNPAINTED:
            want = False
        if want is not None and want != state:
            out.append(([pikepdf.Name(OVERPRINT if want else KNOCKOUT)], gs))
            state = want
        out.append((operands, operator))
    return out

