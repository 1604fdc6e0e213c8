"""PDFs from Django templates (WeasyPrint): the one rendering path of the portal's documents.

The template escapes everything; the URL fetcher loads only the project's own static files,
named ``portal-static:/<path>`` (``{% static %}`` is not used: a document needs no web address).
Any other URL — a file path, http(s), data: — is refused, so text a user typed can never make the
renderer read a file or call a server.

Chinese renders with fonts cut for the document from the system's Noto CJK fonts (and HanaMin for
the rare characters Noto lacks): a template names ``font-family: "Portal Sans CJK"`` or
``"Portal Serif CJK"`` (weights 400 and 700); see ``portal.pdf_fonts`` for why and how. The cut
fonts reach WeasyPrint through a fetcher of their own that serves only them, from memory.

``render_pdf`` makes one document; ``render_pdfs`` makes many from one template sharing one font
configuration and one cut of the batch's characters, which is what makes a batch cheap (see
``make bench-certificates``). ``metadata`` entries land in the PDF's Info dictionary (before any
signature, so a signature covers them); ``portal.signing.read_pdf_metadata`` reads them back.
"""

from __future__ import annotations

import mimetypes
import ssl
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal.pdf_fonts import FONT_SCHEME, FontSet, font_set_for
from portal.signing import METADATA_KEY

SCHEME = "portal-static:"
# Documents rendered together share one cut of their characters, made again for every group of this
# many: a huge batch then neither holds every HTML text nor grows one font without end, and a smaller
# cut is quicker for WeasyPrint to subset again for each document (100 measured best, 25 to 500).
BATCH_GROUP = 100


# The fetchers below open no URL through urllib, but WeasyPrint's URLFetcher builds an HTTPS handler:
# without a context of ours it loads the system's CA store, 35 ms for every fetcher made. This one
# trusts nothing, so not even a mistake could make it reach a server.
_NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class ProjectFilesFetcher(URLFetcher):
    """Serves ``portal-static:/…`` from the static files; refuses every other URL."""

    def __init__(self, **kwargs):
        kwargs.setdefault("ssl_context", _NO_TLS)
        super().__init__(allowed_protocols=["portal-static"], **kwargs)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if not url.startswith(SCHEME):
            self.refused.append(url)
            raise ValueError("only the project's own files are loaded")
        path = url[len(SCHEME) :].lstrip("/")
        found = finders.find(path) if path and ".." not in path.split("/") else None
        if not found or isinstance(found, list):
            self.refused.append(url)
            raise ValueError("no such project file")
        with open(found, "rb") as handle:
            body = handle.read()
        mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})


class FontFetcher(URLFetcher):
    """Serves the cut fonts of one ``FontSet`` (``portal-font:/<name>``) and nothing else."""

    def __init__(self, fonts: FontSet, **kwargs):
        kwargs.setdefault("ssl_context", _NO_TLS)
        super().__init__(allowed_protocols=["portal-font"], **kwargs)
        self.fonts = fonts
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        name = url[len(FONT_SCHEME) :].lstrip("/") if url.startswith(FONT_SCHEME) else None
        body = self.fonts.files.get(name) if name else None
        if body is None:
            self.refused.append(url)
            raise ValueError("not a font of this document")
        return URLFetcherResponse(url, body=body, headers={"Content-Type": "font/sfnt"})


Metadata = Mapping[str, str] | None


def render_pdf(
    template_name: str,
    context: dict,
    *,
    fetcher: ProjectFilesFetcher | None = None,
    metadata: Metadata = None,
) -> bytes:
    """One PDF from a template and its context."""
    html = render_to_string(template_name, context)
    return next(pdfs_from_html([html], fetcher=fetcher, metadata=[metadata]))


def render_pdfs(
    template_name: str,
    contexts: Iterable[dict],
    *,
    fetcher: ProjectFilesFetcher | None = None,
    metadata: Callable[[dict], Metadata] | None = None,
) -> Iterator[bytes]:
    """A PDF for each context, in order, made together (``metadata(context)`` for each, if given).

    The contexts are read in groups of ``BATCH_GROUP``: each group's HTML is rendered first, so
    that one font cut holds all of its characters, then its PDFs are made one by one."""
    group: list[dict] = []
    for context in contexts:
        group.append(context)
        if len(group) == BATCH_GROUP:
            yield from _render_group(template_name, group, fetcher, metadata)
            group = []
    if group:
        yield from _render_group(template_name, group, fetcher, metadata)


def _render_group(template_name, contexts, fetcher, metadata) -> Iterator[bytes]:
    htmls = [render_to_string(template_name, context) for context in contexts]
    metas = [metadata(context) if metadata else None for context in contexts]
    return pdfs_from_html(htmls, fetcher=fetcher, metadata=metas)


def pdfs_from_html(
    htmls: Sequence[str],
    *,
    fetcher: ProjectFilesFetcher | None = None,
    metadata: Sequence[Metadata] | None = None,
) -> Iterator[bytes]:
    """The PDFs of these HTML texts, laid out with one font configuration cut for all of them."""
    fonts = font_set_for(*htmls)
    font_config = FontConfiguration()
    font_css = CSS(string=fonts.css, font_config=font_config, url_fetcher=FontFetcher(fonts))
    fetcher = fetcher or ProjectFilesFetcher()
    metadata = metadata or [None] * len(htmls)
    for html, entries in zip(htmls, metadata, strict=True):
        document = HTML(string=html, base_url=f"{SCHEME}/", url_fetcher=fetcher).render(
            stylesheets=[font_css], font_config=font_config
        )
        if entries:
            if bad := [key for key in entries if not METADATA_KEY.match(key)]:
                raise ValueError(f"metadata keys {bad}: letters and digits only, a letter first")
            document.metadata.custom.update(entries)
        yield document.write_pdf(custom_metadata=bool(entries))
