"""typeset.preflight.pdftext reads the same characters, fonts and boxes as pdfplumber, and the
compose advances cache on disk gives the same widths as shaping afresh."""

from __future__ import annotations

import pytest


def test_same_chars_fonts_and_boxes_as_pdfplumber(sample_build):
    import pdfplumber

    from typeset.preflight import pdftext

    pages = pdftext.pages(sample_build.pdf)
    with pdfplumber.open(sample_build.pdf) as pdf:
        assert len(pages) == len(pdf.pages)
        for ours, theirs in zip(pages, pdf.pages):
            expected = theirs.chars
            assert len(ours.chars) == len(expected) > 1000
            for a, b in zip(ours.chars, expected):
                assert (a["text"], a["fontname"]) == (b["text"], b["fontname"])
                for key in ("x0", "x1", "top", "bottom"):
                    assert a[key] == pytest.approx(b[key], abs=0.01)


def test_auto_extractor_passes_the_sample(sample_build):
    from typeset import preflight

    assert [f for f in preflight.check_text(sample_build.pdf, sample_build.plan)
            if f.severity == "error"] == []


def test_disk_cache_of_advances(tmp_path, monkeypatch):
    from typeset import compose
    from typeset.system import cache as diskcache

    monkeypatch.setenv("PAIBAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(compose.shaping, "_FACES", {})
    diskcache.file_hash.cache_clear()
    texts = ["中", "，", "——", "APP", "2023"]      # what recurs: kept on disk
    line = "中文排版，（测试）Latin 2023——……"          # a line box's text: memory only
    fresh = [compose.Measure("shusong", 10.5).shape(t, script="Hani") for t in texts]
    compose.Measure("shusong", 10.5).shape(line)
    compose.save_metrics()
    files = list((tmp_path / "cache").glob("shapes-*.marshal"))
    assert len(files) == 1 and (tmp_path / "cache" / "font-hashes.json").is_file()
    monkeypatch.setattr(compose.shaping, "_FACES", {})
    cached = compose.Measure("shusong", 10.5)
    assert {k[0] for k in cached._face.shapes} == set(texts)     # loaded from disk, no line text
    assert [cached.shape(t, script="Hani") for t in texts] == fresh and cached._face.new == 0
    files[0].write_bytes(b"not marshal data")                    # a corrupt cache is ignored
    monkeypatch.setattr(compose.shaping, "_FACES", {})
    assert [compose.Measure("shusong", 10.5).shape(t, script="Hani") for t in texts] == fresh
    diskcache.file_hash.cache_clear()


def test_unwritable_cache_is_ignored(tmp_path, monkeypatch):
    from typeset import compose
    from typeset.system import cache as diskcache

    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("PAIBAN_CACHE_DIR", str(blocker / "cache"))    # cannot be a folder
    monkeypatch.setattr(compose.shaping, "_FACES", {})
    diskcache.file_hash.cache_clear()
    assert compose.Measure("shusong", 9).width("中文") == 18
    compose.save_metrics()
    diskcache.file_hash.cache_clear()


def test_a_new_cache_format_replaces_the_old_files(tmp_path, monkeypatch):
    from typeset import compose
    from typeset.system import cache as diskcache

    monkeypatch.setenv("PAIBAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(compose.shaping, "_FACES", {})
    diskcache.file_hash.cache_clear()
    compose.Measure("shusong", 10.5).shape("中", script="Hani")
    compose.save_metrics()
    (current,) = tmp_path.glob("shapes-*.marshal")
    stale = current.with_name(current.name.rsplit("-", 1)[0] + "-000000000000.marshal")
    stale.write_bytes(b"an older format's advances")
    other_face = tmp_path / "shapes-0123456789abcdef01234567-0-000000000000.marshal"
    other_face.write_bytes(b"another font's advances")
    current.unlink()                                  # the current format's file not yet written
    monkeypatch.setattr(compose.shaping, "_FACES", {})
    compose.Measure("shusong", 10.5).shape("文", script="Hani")
    compose.save_metrics()
    assert current.is_file() and not stale.exists() and other_face.exists()
    diskcache.file_hash.cache_clear()
