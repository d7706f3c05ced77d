"""`paiban batch`: builds every issue, skips the unchanged ones, goes on past a failed one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, paiban

sys.path.insert(0, str(ROOT / "bench"))
from generate import write_issue  # noqa: E402


@pytest.fixture(scope="module")
def issues(tmp_path_factory) -> Path:
    """Three small generated issues and a broken one (its page lists an article that is not there)."""
    root = tmp_path_factory.mktemp("batch") / "issues"
    for seed in (1, 2, 3):
        write_issue(root / f"g{seed}", pages=1, articles=2, chars=(250, 450), seed=seed)
    broken = write_issue(root / "broken", pages=1, articles=2, chars=(250, 450), seed=4)
    (broken / "articles" / "p1-02.md").unlink()
    return root


@pytest.fixture(scope="module")
def first_run(issues, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch-out")
    return out, paiban("batch", str(issues), "-o", str(out), "--jobs", "2", "-q")


def test_builds_all_and_reports_the_broken_one(issues, first_run):
    out, result = first_run
    assert result.returncode == 1, result.stderr
    for name in ("g1", "g2", "g3"):
        assert (out / f"{name}.pdf").read_bytes().startswith(b"%PDF")
        assert len((out / f"{name}.pdf.hash").read_text().strip()) == 64
    assert not (out / "broken.pdf").exists() and not (out / "broken.pdf.hash").exists()
    failures = [line for line in result.stderr.splitlines() if "failed" in line and "broken" in line]
    assert len(failures) == 1 and "p1-02" in failures[0], result.stderr
    assert "Traceback" not in result.stderr
    assert "3 built, 0 unchanged (skipped), 1 failed" in result.stdout
    assert not list(out.glob("*.part")) and not list(out.glob(".*"))


def test_second_run_skips_the_unchanged_without_loading_the_renderer(issues, first_run):
    out, _ = first_run
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    probe = (
        "import sys; from typeset import batch\n"
        "if __name__ == '__main__':\n"
        f"    s = batch.run([{str(issues)!r}], {str(out)!r}, jobs=2)\n"
        "    print(s.count('skipped'), s.count('built'), s.count('failed'), 'weasyprint' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    skipped, built, failed, renderer = result.stdout.split()
    assert (skipped, built, failed) == ("3", "0", "1"), result.stdout + result.stderr
    assert renderer == "False"          # nothing to build: the renderer is never imported
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")} == before


def test_a_changed_record_rebuilds_only_its_issue(issues, first_run, tmp_path):
    from typeset import batch

    out, _ = first_run
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    article = issues / "g2" / "articles" / "p1-01.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n新增一段。\n", encoding="utf-8")
    todo, done = batch.plan_batch([issues / "g1", issues / "g2", issues / "g3"], out)
    assert [issue.name for issue, _, _ in todo] == ["g2"]
    assert sorted(r.name for r in done if r.status == "skipped") == ["g1", "g3"]
    # build options are part of the content hash too
    todo, _ = batch.plan_batch([issues / "g1"], out, options={"source_date_epoch": 0})
    assert [issue.name for issue, _, _ in todo] == ["g1"]
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")} == before


def test_hash_covers_layout_fonts_and_program(issues, monkeypatch):
    from typeset import batch

    hasher = batch.Hasher()
    base = hasher.issue(issues / "g1")
    assert base == batch.Hasher().issue(issues / "g1")          # deterministic
    changed = batch.Hasher()
    changed._layouts["duikai"] = "another design"
    assert changed.issue(issues / "g1") != base
    monkeypatch.setattr(batch, "font_identity", lambda: "another font file")
    assert batch.Hasher().issue(issues / "g1") != base


def test_build_one_reports_instead_of_raising(tmp_path):
    from typeset import batch

    result = batch.build_one(str(tmp_path / "missing"), str(tmp_path / "out"), "0" * 64)
    assert result.status == "failed" and "issue" in result.error and "\n" not in result.error


def test_constants_match_the_modules_they_mirror():
    from typeset import batch
    from typeset.system import fonts

    lines = batch.font_identity().splitlines()
    assert len(lines) == len(fonts.fallback_map()) + len(fonts.role_map())


def test_variants_are_built_and_skipped_each_by_its_own_pdf(tmp_path):
    """An archive run builds archives and skips them when unchanged; adding the print variant
    later builds only the prints."""
    root = tmp_path / "issues"
    for seed in (5, 6):
        write_issue(root / f"v{seed}", pages=1, articles=2, chars=(250, 450), seed=seed)
    out = tmp_path / "out"

    def batch(*variants):
        run = paiban("batch", str(root), "-o", str(out), "--jobs", "2", "-q",
                     *[a for v in variants for a in ("--variant", v)])
        assert run.returncode == 0, run.stderr
        return run.stdout

    assert "2 built, 0 unchanged" in batch("archive")
    archives = {p.name: p.stat().st_mtime_ns for p in out.glob("*.archive.pdf")}
    assert sorted(archives) == ["v5.archive.pdf", "v6.archive.pdf"] and not list(out.glob("v5.pdf"))
    assert "0 built, 2 unchanged" in batch("archive")
    assert "2 built, 0 unchanged" in batch("archive", "print")
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.archive.pdf")} == archives   # not again
    assert (out / "v5.print.pdf").is_file() and (out / "v6.print.pdf").is_file()
    assert "0 built, 2 unchanged" in batch("print", "archive")
