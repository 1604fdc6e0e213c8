"""The fonts of the portal's PDFs: exact cuts of the system's CJK fonts, made for each document.

WeasyPrint embeds only the glyphs a document uses, but it finds them by cutting (subsetting) the
font the text was laid out with, and Debian's Noto CJK collections weigh 19–27 MB: that cut costs
about 100 ms a document with libharfbuzz-subset and 8–10 s with fontTools (WeasyPrint's fallback
when that library is missing), against about 40 ms for laying the page out. So the PDF engine lays
documents out with fonts made for them: uharfbuzz cuts, from the system fonts, exactly the
characters of the document's text (or of a whole batch's), about a millisecond a face, and
WeasyPrint then subsets a font of a few hundred glyphs instead of 65 535.

A PDF template names two families, each in weights 400 and 700:

* ``"Portal Sans CJK"``  — Noto Sans CJK SC (fonts-noto-cjk);
* ``"Portal Serif CJK"`` — Noto Serif CJK SC.

Characters Noto lacks (most of CJK Extension B and later, e.g. 𡒄 U+21484) come from HanaMinA and
HanaMinB (fonts-hanazono), offered under the same family names for just those characters, so a name
renders as itself and the template names nothing more. A missing system font is logged once and
left out: its characters then fall back to whatever fontconfig finds (correct, only slower).
"""

from __future__ import annotations

import hashlib
import html
import logging
import threading
from dataclasses import dataclass
from functools import lru_cache

import uharfbuzz as hb

logger = logging.getLogger(__name__)

SANS = "Portal Sans CJK"
SERIF = "Portal Serif CJK"

# (family, weight) -> PostScript name of the system face it is cut from.
FACES: dict[tuple[str, int], str] = {
    (SANS, 400): "NotoSansCJKsc-Regular",
    (SANS, 700): "NotoSansCJKsc-Bold",
    (SERIF, 400): "NotoSerifCJKsc-Regular",
    (SERIF, 700): "NotoSerifCJKsc-Bold",
}
# Faces for what the faces above lack (CJK Extension A: HanaMinA; Extension B and beyond: HanaMinB),
# each declared at a weight of its own, heavier than any face a template asks for: with the weight
# of a real face, or none, Pango never falls back to it for bold text (Pango 1.50), and two cuts of
# one weight share one PDF font in WeasyPrint (its fonts are keyed by family, weight and style), so
# the second would draw the first one's glyphs.
FALLBACK_FACES = (("HanaMinA", 800), ("HanaMinB", 900))

# Always in every cut, whatever the text: ASCII, Latin-1, general punctuation, CJK symbols and
# full-width forms, so text that does not appear literally in the HTML (generated content such as
# page counters, entities) still finds its glyphs.
BASE_CODEPOINTS = frozenset(
    [*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x2010, 0x2030), *range(0x3000, 0x3020)]
    + [*range(0xFF01, 0xFF5F), 0x2103, 0x2116, 0x2160, 0x2161, 0x2162, 0x25CF, 0x25CB, 0x2605]
)

_SUBSET_FLAGS = (
    hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NOTDEF_OUTLINE
)


@dataclass(frozen=True)
class SystemFace:
    name: str
    path: str
    face: hb.Face
    coverage: frozenset[int]


@dataclass(frozen=True)
class FontSet:
    """``@font-face`` rules for a set of characters and the font files they name."""

    key: str
    css: str
    files: dict[str, bytes]


def codepoints_of(*texts: str) -> frozenset[int]:
    """The characters a document made of these texts (HTML, entities decoded) may show."""
    found: set[int] = set(BASE_CODEPOINTS)
    for text in texts:
        found.update(map(ord, html.unescape(text)))
    return frozenset(cp for cp in found if cp >= 0x20)


def font_set_for(*texts: str) -> FontSet:
    return font_set(codepoints_of(*texts))


@lru_cache(maxsize=16)
def font_set(codepoints: frozenset[int]) -> FontSet:
    """Exact cuts of every family and weight holding these characters (cached for a few sets)."""
    key = hashlib.sha256(repr(sorted(codepoints)).encode()).hexdigest()[:20]
    files: dict[str, bytes] = {}
    rules: list[str] = []

    def add(family: str, weight: int, face: SystemFace, chars: frozenset[int]) -> None:
        data = _cut(face.face, chars)
        name = f"{hashlib.sha256(data).hexdigest()[:24]}.{'otf' if data[:4] == b'OTTO' else 'ttf'}"
        files[name] = data
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
            f"src: url({FONT_SCHEME}/{name}); }}"
        )

    fallbacks = [
        (face, weight) for name, weight in FALLBACK_FACES if (face := system_face(name)) is not None
    ]
    lacking: dict[str, frozenset[int]] = {}
    for (family, weight), name in FACES.items():
        face = system_face(name)
        # A character of the base set that a family lacks is left to fontconfig, if ever shown.
        lacking.setdefault(family, codepoints - BASE_CODEPOINTS)
        if face is not None:
            add(family, weight, face, codepoints & face.coverage)
            lacking[family] = lacking[family] - face.coverage
    for family, chars in lacking.items():
        for fallback, weight in fallbacks:
            if found := chars & fallback.coverage:
                add(family, weight, fallback, found)
                chars = chars - found
    return FontSet(key=key, css="\n".join(rules), files=files)


FONT_SCHEME = "portal-font:"


def _cut(face: hb.Face, codepoints: frozenset[int]) -> bytes:
    subset_input = hb.SubsetInput()
    unicodes = subset_input.unicode_set
    for codepoint in codepoints:
        unicodes.add(codepoint)
    subset_input.flags = _SUBSET_FLAGS
    return hb.subset(face, subset_input).blob.data


_lock = threading.Lock()
_faces: dict[str, SystemFace | None] = {}


def system_face(postscript_name: str) -> SystemFace | None:
    """The installed face of this PostScript name (memory-mapped once a process), or None."""
    if postscript_name in _faces:
        return _faces[postscript_name]
    with _lock:
        if postscript_name not in _faces:
            _faces[postscript_name] = _load_face(postscript_name)
    return _faces[postscript_name]


def _load_face(postscript_name: str) -> SystemFace | None:
    path = _fontconfig_file(postscript_name)
    if path is None:
        logger.warning(
            "Font %s is not installed (scripts/system-packages installs it): PDFs fall back "
            "to other fonts for its characters, more slowly.",
            postscript_name,
        )
        return None
    blob = hb.Blob.from_file_path(path)
    for index in range(hb.Face(blob).count or 1):
        face = hb.Face(blob, index)
        if face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME) == postscript_name:
            return SystemFace(postscript_name, path, face, frozenset(face.unicodes))
    logger.warning("Font file %s holds no face named %s.", path, postscript_name)
    return None


def _fontconfig_file(postscript_name: str) -> str | None:
    """The file fontconfig knows for this exact PostScript name (WeasyPrint's own binding)."""
    from weasyprint.text.ffi import ffi, fontconfig

    config = fontconfig.FcInitLoadConfigAndFonts()
    try:
        pattern = ffi.gc(fontconfig.FcPatternCreate(), fontconfig.FcPatternDestroy)
        fontconfig.FcPatternAddString(pattern, b"postscriptname", postscript_name.encode())
        fontconfig.FcConfigSubstitute(config, pattern, fontconfig.FcMatchFont)
        fontconfig.FcDefaultSubstitute(pattern)
        result = ffi.new("FcResult *")
        match = fontconfig.FcFontMatch(config, pattern, result)
        if match == ffi.NULL:
            return None
        match = ffi.gc(match, fontconfig.FcPatternDestroy)
        string = ffi.new("FcChar8 **")
        if fontconfig.FcPatternGetString(match, b"postscriptname", 0, string) != 0:
            return None
        if ffi.string(string[0]).decode() != postscript_name:
            return None
        if fontconfig.FcPatternGetString(match, b"file", 0, string) != 0:
            return None
        return ffi.string(string[0]).decode()
    finally:
        fontconfig.FcConfigDestroy(config)
