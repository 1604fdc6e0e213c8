"""The PDF engine's fonts: Chinese text, rare characters in names (CJK Extension A and B) drawn by
a real glyph of an embedded font, one cut of the text's characters per document or per batch (no
65 535-glyph system font ever reaches WeasyPrint), and a renderer that fetches nothing a user's
text names."""

import pytest
from django.test import override_settings

from portal.pdf import FontFetcher, ProjectFilesFetcher, pdfs_from_html, render_pdf, render_pdfs
from portal.pdf_fonts import FACES, FALLBACK_FACES, SANS, SERIF, font_set_for, system_face
from portal.signing import read_pdf_metadata
from tests.pdf_checks import drawn_characters, poppler

RARE = "𠮷䶮𡒄"  # U+20BB7 (Extension B, in Noto), U+4DAE (Extension A), U+21484 (Extension B, not in Noto)

TEMPLATE = """<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>测试</title>
<style>@page { size: A4 landscape; margin: 15mm; }
body { font-family: "Portal Serif CJK", serif; } .sans { font-family: "Portal Sans CJK", sans-serif; }
</style></head><body><h1>学时证明</h1>
<p>兹证明 <strong>{{ name }}</strong> 参加「{{ program }}」，累计 {{ hours }} 学时。</p>
<p class="sans">{{ name }} · <b>{{ name }}</b> · {{ note }}</p></body></html>"""

LOCMEM = {
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", {"t.html": TEMPLATE})]},
}


@pytest.fixture
def template():
    with override_settings(TEMPLATES=[LOCMEM]):
        yield "t.html"


def context(name="张晓明", note=""):
    return {
        "name": name,
        "program": "高校基层党组织书记网络专题培训",
        "hours": "12.0",
        "note": note,
    }


def assert_fonts_embedded_and_ours(pdf, tmp_path):
    fonts = poppler("pdffonts", pdf, tmp_path)
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    assert all(row.split()[-5] == "yes" for row in rows), fonts  # every font embedded
    # Only the engine's cuts: a system CJK collection would mean the slow path was taken.
    assert all("+Portal-" in row.split()[0] for row in rows), fonts
    assert "CJK" in fonts


def test_the_system_fonts_the_engine_cuts_from_are_installed():
    for name in [*FACES.values(), *(face for face, _weight in FALLBACK_FACES)]:
        face = system_face(name)
        assert face is not None, f"{name} missing: scripts/system-packages run installs it"
    assert 0x21484 in system_face("HanaMinB").coverage
    assert 0x21484 not in system_face("NotoSansCJKsc-Regular").coverage


def test_a_pdf_gives_its_chinese_text_back_in_embedded_cut_fonts(template, tmp_path):
    pdf = render_pdf(template, context())

    text = "".join(poppler("pdftotext", pdf, tmp_path).split())
    assert "兹证明张晓明参加「高校基层党组织书记网络专题培训」，累计12.0学时。" in text
    assert_fonts_embedded_and_ours(pdf, tmp_path)
    assert len(pdf) < 150_000  # a cut of a few hundred glyphs, not a 20 MB collection


@pytest.mark.parametrize("name", ["吉𠮷", "龚䶮", "王𡒄", RARE])
def test_a_name_with_rare_characters_renders_as_itself(template, tmp_path, name):
    """Each character of the name, in serif and sans, regular and bold, is drawn by a real glyph
    of an embedded font — its own glyph for that character, not a box (pdftotext alone would
    not tell: WeasyPrint maps even a missing glyph back to its character)."""
    pdf = render_pdf(template, context(name=name))

    assert name in poppler("pdftotext", pdf, tmp_path)
    assert_fonts_embedded_and_ours(pdf, tmp_path)
    drawn = drawn_characters(pdf)
    for char in name:
        assert drawn.get(char), f"{char} is not in the PDF"
        assert all(d.embedded and d.outline for d in drawn[char]), (char, drawn[char])
        families = {d.font.split("+")[1].removesuffix("-Bold") for d in drawn[char]}
        assert {"Portal-Serif-CJK", "Portal-Sans-CJK"} <= {
            f.split("-CJK")[0] + "-CJK" for f in families
        }


def test_a_batch_shares_one_cut_and_each_pdf_holds_only_its_own_text(template, tmp_path):
    names = ["张晓明", "李𠮷", "王𡒄", "赵䶮"]
    pdfs = list(render_pdfs(template, [context(name=name) for name in names]))

    assert len(pdfs) == len(names)
    for name, pdf in zip(names, pdfs, strict=True):
        text = poppler("pdftotext", pdf, tmp_path)
        assert name in text
        assert not any(other in text for other in names if other != name)
        assert_fonts_embedded_and_ours(pdf, tmp_path)
        drawn = drawn_characters(pdf)
        assert all(d.outline for char in name for d in drawn[char])
        # Only the glyphs this document draws are embedded, not the batch's whole cut.
        assert {char for char in "晓𠮷𡒄䶮" if char in drawn} == set(name) & set("晓𠮷𡒄䶮")


def test_metadata_lands_in_the_info_dictionary(template):
    pdf = render_pdf(
        template, context(), metadata={"CertificateSerial": "2026-000042", "Token": "证书ab"}
    )

    found = read_pdf_metadata(pdf)
    assert found["CertificateSerial"] == "2026-000042"
    assert found["Token"] == "证书ab"
    assert found["Title"] == "测试"


def test_text_a_user_typed_makes_the_renderer_fetch_nothing(template, tmp_path, monkeypatch):
    hostile = '<img src="file:///etc/passwd"><link rel=stylesheet href="http://127.0.0.1:9/x.css">'
    url = "https://evil.example/track.png"
    fetcher = ProjectFilesFetcher()
    asked: list[str] = []
    original = ProjectFilesFetcher.fetch

    def recording(self, link, headers=None):
        asked.append(link)
        return original(self, link, headers)

    monkeypatch.setattr(ProjectFilesFetcher, "fetch", recording)

    pdf = render_pdf(template, context(name=hostile, note=url), fetcher=fetcher)

    assert asked == []
    assert fetcher.refused == []
    text = poppler("pdftotext", pdf, tmp_path)
    assert "file:///etc/passwd" in text
    assert url in text
    assert "root:" not in text


def test_markup_that_slipped_through_is_refused_by_the_fetcher(tmp_path):
    """Even raw HTML (a template that forgot to escape) loads no file and calls no server."""
    fetcher = ProjectFilesFetcher()
    html = (
        "<html><body style=\"font-family: 'Portal Sans CJK'\"><p>张三</p>"
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
        '<link rel="stylesheet" href="file:///etc/hostname">'
        '<p style="background: url(data:image/png;base64,iVBORw0KGgo=)">x</p></body></html>'
    )

    pdf = next(pdfs_from_html([html], fetcher=fetcher))

    assert "张三" in poppler("pdftotext", pdf, tmp_path)
    assert set(fetcher.refused) >= {"file:///etc/passwd", "http://127.0.0.1:9/x.png"}
    assert "file:///etc/hostname" in fetcher.refused


def test_the_font_fetcher_serves_only_the_cuts_it_was_given():
    fonts = font_set_for("张三")
    fetcher = FontFetcher(fonts)
    name = next(iter(fonts.files))

    assert fetcher.fetch(f"portal-font:/{name}").status == 200
    for url in (
        "portal-font:/../../etc/passwd",
        "portal-font:/nothing.otf",
        "file:///usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
        "portal-static:/img/favicon.svg",
    ):
        with pytest.raises(ValueError, match="."):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 4


def test_a_cut_holds_the_text_and_the_rare_faces_only_when_needed():
    plain = font_set_for("张三")
    rare = font_set_for("张𡒄")

    assert plain.css.count("@font-face") == 4  # two families, two weights
    assert "font-weight: 900" not in plain.css
    assert rare.css.count("font-weight: 900") == 2  # HanaMinB's cut for each family
    assert all(len(data) < 120_000 for data in plain.files.values())
    assert f'"{SANS}"' in plain.css
    assert f'"{SERIF}"' in plain.css
    assert font_set_for("张三") is plain  # the same characters: the same cut, from the cache
