"""The mutation pass over the checkers: stub each checker in turn (it finds nothing) and run the
suite; every stub must make some test fail. `make mutants` runs it; it prints, per checker,
the first test that caught it, or SURVIVED.

    python tests/mutants.py [NAME ...]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# checker → what the stub returns, and the tests that should catch it (run first; then the rest)
MUTANTS = {
    "typeset.preflight.pdfx:check_print_pdf": ("[]", ["tests/test_output.py"]),
    "typeset.preflight.pdfa:check_archive_pdf": ("[]", ["tests/test_output.py"]),
    "typeset.preflight.pdfx:rgb_uses": ("[]", ["tests/test_output.py"]),
    "typeset.preflight.pdfx:text_fills": ("{}", ["tests/test_output.py"]),
    "typeset.preflight.text:check_plan_text": ("[]", ["tests/test_preflight.py", "tests/test_planning.py"]),
    "typeset.preflight.text:check_text": ("[]", ["tests/test_preflight.py", "tests/test_page.py"]),
    "typeset.preflight.fonts:check_glyphs_and_fonts": ("[]", ["tests/test_preflight.py"]),
    "typeset.preflight.records:check_records": ("[]", ["tests/test_preflight.py", "tests/test_robustness.py"]),
    "typeset.preflight.plan:check_plan": ("[]", ["tests/test_preflight.py", "tests/test_planning.py"]),
    "typeset.preflight.plan:picture_findings": ("[]", ["tests/test_output.py"]),
    "typeset.preflight.plan:overset_findings": ("[]", ["tests/test_output.py", "tests/test_planning.py"]),
    "typeset.preflight.pdffonts:sound_program": ("True", ["tests/test_preflight.py", "tests/test_pages.py"]),
    "typeset.plan.place:_widow_at": ("False", ["tests/test_planning.py"]),
}


def run(name: str) -> str:
    result, first = MUTANTS[name]
    rest = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_*.py") if str(p.relative_to(ROOT)) not in first)
    # the stub goes into every Python process of the run, the paiban ones the tests start too
    site = str(ROOT / "tests" / "mutant_site")
    env = {**os.environ, "PAIBAN_MUTANT": f"{name}:{result}",
           "PYTHONPATH": os.pathsep.join(filter(None, [site, os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *first, *rest],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode == 0:
        return "SURVIVED"
    failed = re.findall(r"^FAILED (\S+)", out.stdout, re.M)
    return f"caught by {failed[0]}" if failed else f"caught (pytest exit {out.returncode})"


def main(names: list[str]) -> int:
    survived = 0
    for name in names or list(MUTANTS):
        verdict = run(name)
        survived += verdict == "SURVIVED"
        print(f"{name:55} {verdict}", flush=True)
    print(f"{len(names or MUTANTS) - survived} caught, {survived} survived")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
