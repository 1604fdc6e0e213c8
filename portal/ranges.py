"""Serving a stored file with HTTP range requests (RFC 9110 §14), streamed in chunks.

Browsers fetch a video in pieces (``Range: bytes=a-b``) to start quickly and to seek; one range is
answered 206 with ``Content-Range``, several ranges are answered with the whole file (200), and a
range that cannot be satisfied or is malformed 416 with ``Content-Range: bytes */size``. The file
is read chunk by chunk, never whole into memory, and opened only when the body is sent (a HEAD or
a 304 opens nothing).
"""

import re
from collections.abc import Iterator

from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

CHUNK_BYTES = 64 * 1024
SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _chunks(storage: Storage, name: str, start: int, length: int) -> Iterator[bytes]:
    if isinstance(storage, S3Storage):
        yield from _object_store_chunks(storage, name, start, length)
        return
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        left = length
        while left > 0:
            data = handle.read(min(CHUNK_BYTES, left))
            if not data:
                return
            left -= len(data)
            yield data


def _object_store_chunks(storage: S3Storage, name: str, start: int, length: int) -> Iterator[bytes]:
    """Only the range asked for, fetched with a ranged GET: ``storage.open`` would first copy the
    whole object (a 2 GB video for a 64 KB seek) to a temporary file."""
    if length <= 0:
        return
    key = storage._normalize_name(clean_name(name))
    answer = storage.connection.meta.client.get_object(
        Bucket=storage.bucket_name, Key=key, Range=f"bytes={start}-{start + length - 1}"
    )
    body = answer["Body"]
    try:
        yield from body.iter_chunks(CHUNK_BYTES)
    finally:
        body.close()


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """The (first, last) byte of a single range; None for "send the whole file" (several ranges);
    False when the range is malformed or cannot be satisfied."""
    header = header.strip()
    if "," in header and header.startswith("bytes="):
        return None
    match = SINGLE_RANGE.match(header)
    if match is None:
        return False
    first, last = match.groups()
    if not first and not last:
        return False
    if not first:  # the last n bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return False
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return False
    return start, min(end, size - 1)


def ranged_file_response(
    request: HttpRequest, storage: Storage, name: str, *, content_type: str
) -> HttpResponse | StreamingHttpResponse:
    """The stored file ``name`` for GET/HEAD ``request``, honouring Range, If-Range and
    If-None-Match/If-Modified-Since. Cached only by the user's own browser (private)."""
    size = storage.size(name)
    modified = storage.get_modified_time(name)
    etag = quote_etag(f"{size:x}-{int(modified.timestamp() * 1000):x}")
    common = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Last-Modified": http_date(modified.timestamp()),
        "Cache-Control": "private",
        "Content-Disposition": "inline",
    }

    if _not_modified(request, etag, modified):
        response = HttpResponse(status=304)
        for key, value in common.items():
            response[key] = value
        return response

    wanted = request.headers.get("Range")
    if wanted and not _if_range_holds(request, etag, modified):
        wanted = None  # the file changed since the client's copy: send it whole
    span = parse_range(wanted, size) if wanted else None
    if span is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        for key, value in common.items():
            response[key] = value
        return response

    start, end = span if isinstance(span, tuple) else (0, size - 1)
    length = end - start + 1 if size else 0
    streaming = StreamingHttpResponse(
        _chunks(storage, name, start, length) if request.method != "HEAD" else iter(()),
        status=206 if isinstance(span, tuple) else 200,
        content_type=content_type,
    )
    streaming["Content-Length"] = str(length)
    if isinstance(span, tuple):
        streaming["Content-Range"] = f"bytes {start}-{end}/{size}"
    for key, value in common.items():
        streaming[key] = value
    return streaming


def _not_modified(request: HttpRequest, etag: str, modified) -> bool:
    none_match = request.headers.get("If-None-Match")
    if none_match:
        return etag in [tag.strip().removeprefix("W/") for tag in none_match.split(",")]
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(modified.timestamp()) <= since


def _if_range_holds(request: HttpRequest, etag: str, modified) -> bool:
    condition = request.headers.get("If-Range")
    if not condition:
        return True
    if condition.startswith(('"', "W/")):
        return condition == etag
    since = parse_http_date_safe(condition)
    return since is not None and int(modified.timestamp()) <= since
