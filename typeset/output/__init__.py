"""Output variants (输出): the three jobs of one build, each a PDF made from the same plan.

- print   (印刷): PDF/X-4 with a CMYK output intent (an ICC profile found on the system at run
  time), the trim size with 3 mm bleed (TrimBox, BleedBox) inside a 10 mm slug that carries
  crop marks and registration targets we draw in registration colour (Separation /All: every
  plate). No RGB anywhere: the layouts' colours switch to device CMYK (`<html class="print">`),
  text is 100 % K (`0 0 0 1 k`, never rich black), pictures are cropped and converted to CMYK
  JPEG at their placed size through the output intent's profile (Pillow ImageCms), and a
  picture under 200 ppi at its placed size is an error. (profile, pictures, press)
- proof   (校样): what editors mark up. Screen colours; a diagonal 校样 watermark and a proof
  strip (issue, page, version = records hash, time built, 责任编辑); problems drawn where they
  are — an overset article, a missing picture (framed placeholder with the file name), a
  character with no glyph, every preflight finding — and listed on a last "proof report" page.
  `--diff PREVIOUS` highlights the articles whose text changed since the last proof. The proof
  never fails on a preflight finding: showing them is its job. (proof, edition)
- archive (存档): PDF/A-3u, fonts embedded, one bookmark per article (section › kind › title), the
  issue's metadata in the Info dictionary and XMP, the issue's records attached (a zip of the
  issue folder, AFRelationship /Source) with the digital-edition sidecar
  (`<issue>.articles.json`, /Data) so the archive can be rebuilt and re-indexed alone. (archive,
  edition)

typeset.pipeline runs them; typeset.preflight.pdfx / pdfa check what they write.
"""

from .archive import describe, finish_archive, records_zip
from .edition import (
           article_fields,
           compare,
           fields_digest,
           load_previous,
           page_preview,
           png_name,
           records_version,
           sidecar,
           write_pngs,
)
from .newsprint import intent_fields
from .pictures import cmyk_picture
from .press import BLEED_MM, SLUG_MM, finish_print, marks_stream, slug_time
from .profile import CMYK_ENV, find_cmyk_profile
from .proof import ProofDress, mark_tofu, tofu_characters

__all__ = ["describe", "finish_archive", "records_zip", "article_fields", "compare", "fields_digest", "load_previous",
           "page_preview", "png_name", "records_version", "sidecar", "write_pngs", "cmyk_picture", "BLEED_MM",
           "SLUG_MM",
           "finish_print", "marks_stream", "slug_time", "intent_fields", "CMYK_ENV", "find_cmyk_profile", "ProofDress", "mark_tofu",
           "tofu_characters"]
