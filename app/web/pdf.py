"""Uploads and downloads of files checked by their content: organizers' documents and
citizens' briefs (PDF), letters' scans (PDF, PNG or JPEG)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.persistence.files import Pdf, Upload
from app.web.forms import Errors, whole_number
from domain.consultation import MAX_FILENAME_LENGTH
from domain.values import MAX_BRIEF_BYTES
from projections.admin import document

MAX_PDF_BYTES = MAX_BRIEF_BYTES
PDF_MAGIC = b"%PDF-"
PDF_ONLY = {PDF_MAGIC: "application/pdf"}
SCANS = {**PDF_ONLY, b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
"""A letter's scan: a PDF, a PNG or a JPEG, known by its first bytes."""
FORM_SLACK = 1024 * 1024
"""Room for the form's other fields beside the file in a multipart body."""


async def read_pdf(
    errors: Errors, form: FormData, name: str, *, required: bool = True
) -> Pdf | None:
    """The uploaded file if it is a PDF (by its content, not its name) of allowed size."""
    upload = await read_upload(errors, form, name, PDF_ONLY, "file_not_pdf", required=required)
    return None if upload is None else Pdf(upload.filename, upload.content)


async def read_scan(errors: Errors, form: FormData, name: str) -> Upload | None:
    """A letter's scan, if one was given: a PDF, PNG or JPEG of allowed size."""
    return await read_upload(errors, form, name, SCANS, "file_not_scan", required=False)


async def read_upload(
    errors: Errors,
    form: FormData,
    name: str,
    kinds: dict[bytes, str],
    not_kind: str,
    *,
    required: bool,
) -> Upload | None:
    """The uploaded file if its content (not its name) is of one of `kinds` (leading
    bytes → media type) and of allowed size; otherwise an error code at `name`."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        if required:
            errors[name] = "file_missing"
        return None
    content = await upload.read(MAX_PDF_BYTES + 1)
    kind = next((media for magic, media in kinds.items() if content.startswith(magic)), None)
    if len(content) > MAX_PDF_BYTES:
        errors[name] = "file_too_large"
    elif kind is None:
        errors[name] = not_kind
    else:
        return Upload(safe_filename(upload.filename), content, kind)
    return None


def safe_filename(name: str) -> str:
    """The last path segment, printable, short; `document.pdf` if nothing is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(ch for ch in base if ch.isprintable() and ch not in '"').strip()
    return printable[-MAX_FILENAME_LENGTH:] or "document.pdf"


def pdf_response(content: bytes, filename: str) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    headers = {"content-disposition": disposition}
    return Response(content, media_type="application/pdf", headers=headers)


def too_large(request: Request, limit: int = MAX_PDF_BYTES + FORM_SLACK) -> bool:
    """A body over the limit, or of a length not said (chunked), is refused before it is
    read or spooled to disk. Browsers always say the length of a form they post."""
    length = request.headers.get("content-length")
    if length is None:
        return "transfer-encoding" in request.headers
    size = whole_number(length)
    return size is None or size > limit


async def document_pdf(request: Request, public: bool) -> Response:
    """An organizers' document: any of them (the admin), or a published one (anyone)."""
    params = request.path_params
    found = await document(
        request.state.pool, params["consultation_id"], params["document_id"], public=public
    )
    if found is None:
        raise HTTPException(404)
    return pdf_response(found.content, found.filename)


def file_response(upload: Upload, name: str, *, private: bool) -> Response:
    """A brief or a scan as a download named `name` (its extension from its type)."""
    extension = upload.media_type.rsplit("/", 1)[1].replace("jpeg", "jpg")
    headers = {"content-disposition": f'attachment; filename="{name}.{extension}"'}
    if private:
        headers["cache-control"] = "no-store"
    return Response(upload.content, media_type=upload.media_type, headers=headers)
