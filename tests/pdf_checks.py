"""Looking inside a PDF the way a reader draws it: which embedded font draws each character, and
whether that font really holds a glyph for it (``pdftotext`` alone cannot tell: WeasyPrint maps
even a missing glyph — a box — back to its character)."""

import io
import subprocess
from dataclasses import dataclass

from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader


@dataclass(frozen=True)
class Drawn:
    font: str  # the PDF font's /BaseFont, e.g. ABCDEF+Portal-Sans-CJK
    embedded: bool
    outline: bool  # the embedded font has a real glyph for it, its own glyph for that character


def drawn_characters(pdf: bytes) -> dict[str, list[Drawn]]:
    """For each character the PDF's fonts map back to text: every font drawing it, and how."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    found: dict[str, list[Drawn]] = {}
    for font in _fonts(reader):
        base = str(font.get("/BaseFont", "")).lstrip("/")
        descendant = _deref(font["/DescendantFonts"][0]) if "/DescendantFonts" in font else font
        descriptor = _deref(descendant.get("/FontDescriptor"))
        stream = None
        if isinstance(descriptor, generic.DictionaryObject):
            for key in ("/FontFile2", "/FontFile3", "/FontFile"):
                if key in descriptor:
                    stream = _deref(descriptor[key])
        glyphs = _glyph_checker(stream.data) if stream is not None else None
        for gid, text in _to_unicode(font).items():
            for char in text:
                found.setdefault(char, []).append(
                    Drawn(base, stream is not None, bool(glyphs and glyphs(gid, char)))
                )
    return found


def _deref(value):
    return value.get_object() if isinstance(value, generic.IndirectObject) else value


def _pages(node):
    node = _deref(node)
    if "/Kids" in node:
        for kid in node["/Kids"]:
            yield from _pages(kid)
    else:
        yield node


def _fonts(reader):
    seen = set()
    for page in _pages(reader.root["/Pages"]):
        fonts = _deref(_deref(page.get("/Resources", generic.DictionaryObject())).get("/Font"))
        for name in fonts or ():
            font = _deref(fonts.raw_get(name))
            if id(font) not in seen:
                seen.add(id(font))
                yield font


def _to_unicode(font) -> dict[int, str]:
    """The glyph → text pairs of the font's ToUnicode CMap (its bfchar blocks, as WeasyPrint writes)."""
    if "/ToUnicode" not in font:
        return {}
    mapping: dict[int, str] = {}
    words = iter(_deref(font["/ToUnicode"]).data.decode("latin-1").split())
    for word in words:
        if word != "beginbfchar":
            continue
        for source in words:
            if source == "endbfchar":
                break
            target = next(words)
            gid = int(source.strip("<>"), 16)
            mapping.setdefault(gid, bytes.fromhex(target.strip("<>")).decode("utf-16-be"))
    return mapping


def _glyph_checker(data: bytes):
    font = TTFont(io.BytesIO(data))
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()

    cmap = font.getBestCmap() or {}

    def has_outline(gid: int, char: str) -> bool:
        """A real glyph at ``gid``, and the one the font's own cmap gives ``char`` (a font file
        that lost the glyph, or a glyph id of another font, fails)."""
        if gid == 0 or gid >= len(order) or cmap.get(ord(char)) != order[gid]:
            return False
        pen = BoundsPen(glyph_set)
        glyph_set[order[gid]].draw(pen)
        return pen.bounds is not None

    return has_outline


def poppler(tool: str, pdf: bytes, tmp_path) -> str:
    """The output of a poppler tool (pdftotext, pdffonts, pdfinfo) on these bytes."""
    from tests.conftest import require_tool

    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    extra = ["-"] if tool == "pdftotext" else []
    return subprocess.run(
        [require_tool(tool), str(path), *extra], capture_output=True, text=True, check=True
    ).stdout
