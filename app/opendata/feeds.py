"""Atom feeds of the latest published submissions, one per language.

Its words are the pages' own msgids ("Avis", "Avis publiés"), composed as the
templates compose them, so the catalogue holds each translation once.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from uuid import uuid5

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import Response

from app.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, translations
from app.web.open_common import consultation_of, not_found, open_data, utc
from domain import format_receipt
from projections.consultation_queries import Consultation
from projections.submission_queries import Filters, Submission, published_submissions

FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 cannot carry at all, not even escaped.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def atom(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = None if text is None else NOT_XML.sub("", text)
    return element


def in_language(url: URL, language: str) -> str:
    return str(url if language == DEFAULT_LANGUAGE else url.include_query_params(lang=language))


def feed_entry(feed: ET.Element, request: Request, s: Submission, language: str) -> None:
    receipt = format_receipt(s.receipt_number)
    entry = atom(feed, "entry")
    atom(entry, "id", f"urn:uuid:{s.id}")
    atom(entry, "title", f"{translations(language).gettext('Avis')} {receipt}")
    atom(entry, "updated", utc(s.published_at))
    atom(entry, "published", utc(s.published_at))
    page = request.url_for("submission_show", receipt=receipt)
    atom(entry, "link", rel="alternate", type="text/html", href=in_language(page, language))
    if s.display_name:
        atom(atom(entry, "author"), "name", s.display_name)
    atom(entry, "content", s.text, type="text").set(XML_LANG, s.language)


def feed_document(
    request: Request, c: Consultation, items: list[Submission], language: str
) -> bytes:
    """One feed per language, each with its own stable id derived from the consultation's."""
    feed = ET.Element("feed", {"xmlns": ATOM, XML_LANG: language})
    atom(feed, "id", f"urn:uuid:{uuid5(c.id, f'flux.atom?lang={language}')}")
    title = c.title.get(language) or c.title.get(DEFAULT_LANGUAGE, "")
    atom(feed, "title", f"{translations(language).gettext('Avis publiés')} — {title}")
    atom(feed, "updated", utc(items[0].published_at if items else c.opens_at))
    here = request.url_for("feed", consultation_id=c.id)
    atom(feed, "link", rel="self", type="application/atom+xml", href=in_language(here, language))
    html = request.url_for("submission_list", consultation_id=c.id)
    atom(feed, "link", rel="alternate", type="text/html", href=in_language(html, language))
    atom(atom(feed, "author"), "name", "Tribune")
    for submission in items:
        feed_entry(feed, request, submission, language)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


@open_data
async def feed(request: Request) -> Response:
    """The language comes from ?lang= only, never the cookie: one URL, one cached body."""
    if (consultation := await consultation_of(request)) is None:
        return not_found()
    asked = request.query_params.get("lang")
    language = asked if asked in LANGUAGES else DEFAULT_LANGUAGE
    filters = Filters()
    page = await published_submissions(request.state.pool, consultation.id, filters, FEED_SIZE)
    body = feed_document(request, consultation, page.items, language)
    return Response(body, media_type="application/atom+xml; charset=utf-8")
