"""The organizers' admin through the ASGI app, against real PostgreSQL, with the public
pages read by an anonymous visitor after every step."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from markupsafe import escape

from app.asgi import create_app
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.settings import Settings
from app.web.formatting import MONTREAL, when
from app.web.pdf import MAX_PDF_BYTES
from domain import Consultation, StaffId
from projections.engine.runner import Runner
from projections.registry import all_projections
from tests.unit.builders import content
from tests.web.test_sessions import COOKIE, signed_in

ORGANIZER: dict[str, Any] = {
    "kind": "staff",
    "staff_id": "a1b2c3d4e5f6a7b8",
    "name": "Odile",
    "roles": ["organizer"],
}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@dataclass
class Site:
    organizer: httpx.AsyncClient
    public: httpx.AsyncClient
    pool: asyncpg.Pool


@pytest.fixture
async def site(database_url: str, store: EventStore, pool: asyncpg.Pool) -> AsyncIterator[Site]:
    """The app with no page cache, and a projector beside it as in production."""
    settings = replace(Settings.from_env(), page_cache_seconds=0)
    stop = asyncio.Event()
    runner = Runner(store, build_mapper(settings.cipher_key), all_projections(), poll_interval=0.5)
    running = asyncio.create_task(runner.run(stop))
    app = create_app(database_url, settings, projector=False)
    try:
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            base = "http://tribune.test"
            async with (
                httpx.AsyncClient(transport=transport, base_url=base) as organizer,
                httpx.AsyncClient(transport=transport, base_url=base) as public,
            ):
                organizer.cookies.set(COOKIE, await signed_in(pool, **ORGANIZER))
                yield Site(organizer, public, pool)
    finally:
        stop.set()
        await running


def local(moment: datetime) -> str:
    return moment.astimezone(MONTREAL).strftime("%Y-%m-%dT%H:%M")


def soon(days: float) -> datetime:
    return (datetime.now(MONTREAL) + timedelta(days=days)).replace(second=0, microsecond=0)


def draft_form(title: str, **overrides: str) -> dict[str, str]:
    fields = {
        "csrf_token": "jeton",
        "title_fr": f"{title} (fr)",
        "title_en": f"{title} (en)",
        "summary_fr": "Un résumé clair.",
        "summary_en": "A clear summary.",
        "body_fr": "Premier paragraphe.\n\nSecond paragraphe.",
        "body_en": "First paragraph.\n\nSecond paragraph.",
        "question_fr_1": "Faut-il une taxe sur l'eau ?",
        "question_en_1": "Should water be taxed?",
        "question_fr_2": "",
        "question_en_2": "",
        "opens_at": local(soon(2)),
        "closes_at": local(soon(10)),
        "mail_grace_days": "0",
        "postal_address": "1020, rue des Parlementaires, Québec (Québec)",
        "phone": "1 800 555-0100",
        "phone_hours_fr": "du lundi au vendredi, de 9 h à 17 h",
        "phone_hours_en": "Monday to Friday, 9 a.m. to 5 p.m.",
    }
    return fields | overrides


async def draft(site: Site, title: str, **overrides: str) -> str:
    """A new draft through the form; returns its admin address."""
    new = await site.organizer.get("/admin/consultations/nouvelle")
    token = re.search(r'name="form_token" value="([^"]+)"', new.text)
    assert token is not None
    data = draft_form(title, form_token=token.group(1), **overrides)
    response = await site.organizer.post("/admin/consultations", data=data)
    assert response.status_code == 303, response.text
    return str(response.headers["location"]).removeprefix("http://tribune.test")


async def act(site: Site, url: str, files: Any = None, **data: str) -> httpx.Response:
    return await site.organizer.post(url, data={"csrf_token": "jeton", **data}, files=files)


async def public_page(site: Site, admin_url: str) -> httpx.Response:
    return await site.public.get(admin_url.removeprefix("/admin"))


def section(html: str, heading: str) -> str:
    """The home page's section under `heading`, up to the next one."""
    start = html.index(heading)
    end = html.find("<h2", start)
    return html[start : end if end > 0 else None]


def participation(html: str) -> str:
    """A consultation page's section on taking part, to the end of the page's content."""
    return html[
        html.index('<section aria-labelledby="participer">') : html.index("</main>")
    ].strip()


async def test_an_organizer_carries_a_consultation_from_draft_to_report_in_public_view(
    site: Site,
) -> None:
    url = await draft(site, "Avenir de l'eau")
    assert (await public_page(site, url)).status_code == 404
    assert "Avenir de l&#39;eau" not in (await site.public.get("/")).text

    preview = await site.organizer.get(url + "/apercu")
    assert preview.status_code == 200
    assert "Aperçu." in preview.text
    assert "pas encore publique" in preview.text
    assert "<h1>Avenir de l&#39;eau (fr)</h1>" in preview.text
    assert "<h2>Les questions</h2>" in preview.text  # the public page itself
    assert "Comment donner votre avis" in preview.text  # as it will read once open
    assert "Faut-il une taxe sur l&#39;eau ?" in preview.text

    files = {"document_file": ("dossier.pdf", PDF, "application/pdf")}
    attached = await act(site, url + "/documents", files, document_fr="Dossier", document_en="File")
    assert attached.status_code == 303
    assert "dossier.pdf" in (await site.organizer.get(url)).text

    assert (await act(site, url + "/programmer")).status_code == 303
    home = (await site.public.get("/")).text
    assert "Avenir de l&#39;eau (fr)" in section(home, "Consultations à venir")
    assert (await public_page(site, url)).status_code == 200

    assert (await act(site, url + "/ouvrir")).status_code == 303
    home = (await site.public.get("/")).text
    assert "Avenir de l&#39;eau (fr)" in section(home, "Consultations ouvertes")

    later = soon(20)
    assert (await act(site, url + "/prolonger", new_closes_at=local(later))).status_code == 303
    assert when(later, "fr") in (await public_page(site, url)).text

    reason = "Le projet de loi a été retiré."
    assert (await act(site, url + "/fermer", close_reason=reason)).status_code == 303
    page = (await public_page(site, url)).text
    assert f"Fermée plus tôt que prévu : {escape(reason)}" in page
    assert "Terminée" in page

    files = {"report_file": ("rapport.pdf", PDF, "application/pdf")}
    summary = {"report_fr": "Ce que nous avons entendu.", "report_en": "What we heard."}
    assert (await act(site, url + "/rapport", files, **summary)).status_code == 303
    page = (await public_page(site, url)).text
    assert "Le rapport" in page
    assert "Ce que nous avons entendu." in page
    english = (await site.public.get(url.removeprefix("/admin"), params={"lang": "en"})).text
    assert "What we heard." in english

    history = (await site.organizer.get(url + "/historique")).text
    for label in ("Brouillon créé", "Document ajouté", "Programmée", "Clôture reportée"):
        assert label in history
    assert "Fermée plus tôt que prévu" in history
    assert "Rapport publié" in history
    assert history.count(ORGANIZER["staff_id"]) == 7


async def test_a_draft_preview_shows_the_phone_hours_and_address_to_proofread(
    site: Site,
) -> None:
    url = await draft(site, "Ports du Saint-Laurent")
    preview = (await site.organizer.get(url + "/apercu")).text
    ways = participation(preview)
    assert "Comment donner votre avis" in ways
    assert "1 800 555-0100" in ways
    assert "du lundi au vendredi, de 9 h à 17 h." in ways
    assert "1020, rue des Parlementaires, Québec (Québec)" in ways
    assert "tels qu'ils paraîtront à l'ouverture" in preview
    english = (await site.organizer.get(url + "/apercu", params={"lang": "en"})).text
    assert "Monday to Friday, 9 a.m. to 5 p.m." in english
    assert "as they will once the consultation opens" in english


async def test_a_draft_preview_links_to_none_of_its_public_pages_which_do_not_exist_yet(
    site: Site,
) -> None:
    url = await draft(site, "Ports du Saint-Laurent")
    consultation_id = url.rstrip("/").rsplit("/", 1)[1]
    preview = (await site.organizer.get(url + "/apercu")).text
    public = re.findall(rf'href="([^"]*(?<!/admin)/consultations/{consultation_id}[^"]*)"', preview)
    assert public == []
    assert "Donner votre avis" in preview  # named, as it will read, but not a link


async def test_a_scheduled_preview_shows_the_ways_to_take_part_as_they_will_read_open(
    site: Site,
) -> None:
    url = await draft(site, "Forêts publiques")
    assert (await act(site, url + "/programmer")).status_code == 303
    assert "Cette consultation ouvrira le" in (await public_page(site, url)).text
    preview = (await site.organizer.get(url + "/apercu")).text
    assert "Comment donner votre avis" in preview
    assert "1 800 555-0100" in preview


async def test_a_preview_in_the_mail_grace_period_gives_the_postal_address_as_the_public_page(
    site: Site,
) -> None:
    url = await draft(site, "Routes rurales", mail_grace_days="7")
    assert (await act(site, url + "/ouvrir")).status_code == 303
    assert (await act(site, url + "/fermer", close_reason="Assez d'avis.")).status_code == 303
    public = participation((await public_page(site, url)).text)
    preview = participation((await site.organizer.get(url + "/apercu")).text)
    assert "compte encore si elle est reçue avant le" in preview
    assert "1020, rue des Parlementaires, Québec (Québec)" in preview
    assert "ne reçoit plus d&#39;avis" not in preview
    assert preview == public


async def test_documents_are_downloadable_by_the_public_once_the_consultation_is_public(
    site: Site,
) -> None:
    url = await draft(site, "Transport en région")
    files = {"document_file": ("C:\\Dossiers\\étude.pdf", PDF, "application/pdf")}
    await act(site, url + "/documents", files, document_fr="Étude", document_en="Study")
    page = (await site.organizer.get(url)).text
    link = re.search(
        r'href="http://tribune.test(/admin/consultations/[^"]+/documents/[^"]+)"', page
    )
    assert link is not None
    admin_copy = await site.organizer.get(link.group(1))
    assert admin_copy.content == PDF
    assert admin_copy.headers["content-type"] == "application/pdf"
    assert "%C3%A9tude.pdf" in admin_copy.headers["content-disposition"]
    public_link = link.group(1).removeprefix("/admin")
    assert (await site.public.get(public_link)).status_code == 404  # still a draft

    await act(site, url + "/programmer")
    shown = (await public_page(site, url)).text
    assert f'href="http://tribune.test{public_link}"' in shown
    assert "Étude" in shown
    assert (await site.public.get(public_link)).content == PDF

    await act(site, public_link.replace("/consultations", "/admin/consultations") + "/retirer")
    assert (await site.public.get(public_link)).status_code == 404
    assert "Aucun document pour le moment." in (await site.organizer.get(url)).text


async def test_the_admin_lists_every_consultation_drafts_included(site: Site) -> None:
    await draft(site, "Brouillon discret")
    page = await site.organizer.get("/admin/")
    assert page.status_code == 200
    assert "Brouillon discret (fr)" in page.text
    assert "Brouillon" in page.text


async def test_a_form_with_errors_keeps_everything_typed_and_says_what_is_wrong(
    site: Site,
) -> None:
    data = draft_form(
        "Plein d'erreurs",
        form_token="7e0b3f0c-0000-4000-8000-000000000001",
        title_en="",
        question_en_2="Only in English",
        mail_grace_days="beaucoup",
        opens_at="demain",
    )
    response = await site.organizer.post("/admin/consultations", data=data)
    assert response.status_code == 400
    html = response.text
    assert 'role="alert"' in html
    for field in ("title_en", "question_fr_2", "mail_grace_days", "opens_at"):
        assert f'href="#champ-{field}"' in html
        assert f'id="erreur-{field}"' in html
        assert re.search(rf'id="champ-{field}"[^>]*aria-describedby="[^"]*erreur-{field}', html)
        assert re.search(rf'id="champ-{field}"[^>]*aria-invalid="true"', html)
    assert "Titre, en anglais : Ce champ est obligatoire." in html
    assert "Entrez un nombre entier de jours, de 0 à 60." in html
    assert 'value="Plein d&#39;erreurs (fr)"' in html
    assert 'value="Only in English"' in html
    assert 'value="beaucoup"' in html
    assert 'value="demain"' in html
    assert "Premier paragraphe.\n\nSecond paragraphe.</textarea>" in html
    assert 'value="7e0b3f0c-0000-4000-8000-000000000001"' in html
    assert html.count("<h1>") == 1


async def test_closing_before_opening_is_refused_with_the_reason_in_both_languages(
    site: Site,
) -> None:
    data = draft_form("À l'envers", opens_at=local(soon(10)), closes_at=local(soon(2)))
    data["form_token"] = "7e0b3f0c-0000-4000-8000-000000000002"
    refused = await site.organizer.post("/admin/consultations", data=data)
    assert refused.status_code == 400
    assert "La clôture doit venir après l'ouverture." in refused.text
    assert f'value="{data["closes_at"]}"' in refused.text
    english = await site.organizer.post("/admin/consultations?lang=en", data=data)
    assert "Closing must come after opening." in english.text
    assert (
        await site.pool.fetchval(
            "SELECT count(*) FROM admin_consultations WHERE title->>'fr' = $1", "À l'envers (fr)"
        )
        == 0
    )


async def test_an_extension_to_an_earlier_time_is_refused_with_the_reason(site: Site) -> None:
    url = await draft(site, "Prolongation ratée")
    await act(site, url + "/programmer")
    earlier = local(soon(5))
    refused = await act(site, url + "/prolonger", new_closes_at=earlier)
    assert refused.status_code == 400
    assert "La nouvelle clôture doit venir après la clôture actuelle." in refused.text
    assert f'value="{earlier}"' in refused.text
    assert 'href="#champ-new_closes_at"' in refused.text


async def test_a_file_that_is_not_a_pdf_is_refused_with_a_clear_message(site: Site) -> None:
    url = await draft(site, "Pièces jointes")
    files = {"document_file": ("faux.pdf", b"<html>pas un PDF</html>", "application/pdf")}
    refused = await act(site, url + "/documents", files, document_fr="Faux", document_en="Fake")
    assert refused.status_code == 400
    assert "Ce fichier n'est pas un PDF. Seuls les documents PDF sont acceptés." in refused.text
    assert 'value="Faux"' in refused.text
    assert "Aucun document pour le moment." in refused.text
    assert (
        await site.pool.fetchval("SELECT count(*) FROM documents WHERE filename = 'faux.pdf'") == 0
    )


async def test_a_pdf_over_the_size_limit_is_refused_whether_or_not_it_is_read(
    site: Site,
) -> None:
    url = await draft(site, "Gros fichiers")
    for size in (MAX_PDF_BYTES + 1, MAX_PDF_BYTES + 1024 * 1024):
        big = PDF + b"0" * (size - len(PDF))
        files = {"document_file": ("gros.pdf", big, "application/pdf")}
        refused = await act(site, url + "/documents", files, document_fr="Gros", document_en="Big")
        assert refused.status_code == 400
        assert "Ce fichier dépasse la taille permise de 10 Mo." in refused.text
    assert (
        await site.pool.fetchval("SELECT count(*) FROM documents WHERE filename = 'gros.pdf'") == 0
    )


async def test_a_stale_edit_is_refused_rather_than_lost(site: Site) -> None:
    url = await draft(site, "Deux organisateurs")
    form = (await site.organizer.get(url + "/modifier")).text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version is not None
    first = draft_form("Deux organisateurs", version=version.group(1), summary_fr="Premier.")
    assert (await site.organizer.post(url + "/modifier", data=first)).status_code == 303
    second = draft_form("Deux organisateurs", version=version.group(1), summary_fr="Second.")
    refused = await site.organizer.post(url + "/modifier", data=second)
    assert refused.status_code == 400
    assert "Quelqu'un a modifié cette consultation entre-temps." in refused.text
    assert "Premier." in (await site.organizer.get(url)).text


async def test_a_staff_member_without_the_organizer_role_is_refused(site: Site) -> None:
    moderator = {**ORGANIZER, "roles": ["moderator"]}
    site.public.cookies.set(COOKIE, await signed_in(site.pool, **moderator))
    assert (await site.public.get("/admin/")).status_code == 403
    data = draft_form("Interdit", form_token="7e0b3f0c-0000-4000-8000-000000000003")
    assert (await site.public.post("/admin/consultations", data=data)).status_code == 403


async def test_an_anonymous_visitor_is_sent_to_sign_in(site: Site) -> None:
    response = await site.public.get("/admin/consultations/nouvelle")
    assert response.status_code == 303
    assert response.headers["location"].endswith(
        "/connexion/staff?suivant=/admin/consultations/nouvelle"
    )


async def test_a_post_without_the_csrf_token_is_refused(site: Site) -> None:
    data = draft_form("Sans jeton", form_token="7e0b3f0c-0000-4000-8000-000000000004")
    del data["csrf_token"]
    assert (await site.organizer.post("/admin/consultations", data=data)).status_code == 403
    forged = {**data, "csrf_token": "pas-le-bon"}
    assert (await site.organizer.post("/admin/consultations", data=forged)).status_code == 403
    assert "Sans jeton" not in (await site.organizer.get("/admin/")).text


async def test_the_same_draft_form_sent_twice_makes_one_draft(site: Site) -> None:
    data = draft_form("Double clic", form_token="7e0b3f0c-0000-4000-8000-000000000005")
    first = await site.organizer.post("/admin/consultations", data=data)
    second = await site.organizer.post("/admin/consultations", data=data)
    assert first.headers["location"] == second.headers["location"]
    assert (await site.organizer.get("/admin/")).text.count("Double clic (fr)") == 1


async def test_a_closing_time_past_year_2999_is_refused_at_its_field_with_everything_kept(
    site: Site,
) -> None:
    """9999-12-31 23:59 in Montréal is in year 10000 in UTC: stored, it stopped every
    projection for good."""
    data = draft_form("Éternelle", closes_at="9999-12-31T23:59")
    refused = await site.organizer.post("/admin/consultations", data=data)
    assert refused.status_code == 400
    assert re.search(r"Clôture : Entrez une date comprise entre l(&#39;|')an 2000", refused.text)
    assert re.search(r'id="champ-closes_at"[^>]*aria-invalid="true"', refused.text)
    assert 'value="9999-12-31T23:59"' in refused.text
    assert 'value="Éternelle (fr)"' in refused.text
    english = await site.organizer.post("/admin/consultations?lang=en", data=data)
    assert "Enter a date between the years 2000 and 2999." in english.text


async def test_an_opening_time_before_year_2000_is_refused_at_its_field(site: Site) -> None:
    data = draft_form("Ancienne", opens_at="0001-01-01T00:00")
    refused = await site.organizer.post("/admin/consultations", data=data)
    assert refused.status_code == 400
    assert 'href="#champ-opens_at"' in refused.text
    assert 'value="0001-01-01T00:00"' in refused.text


async def test_an_extension_past_year_2999_is_refused_at_its_field(site: Site) -> None:
    url = await draft(site, "Prolongation sans fin")
    await act(site, url + "/programmer")
    refused = await act(site, url + "/prolonger", new_closes_at="9999-12-31T23:59")
    assert refused.status_code == 400
    assert 'href="#champ-new_closes_at"' in refused.text
    assert re.search(r"Entrez une date comprise entre l(&#39;|')an 2000", refused.text)
    assert 'value="9999-12-31T23:59"' in refused.text


async def test_a_draft_without_a_question_is_refused_at_the_first_question(site: Site) -> None:
    data = draft_form("Sans question", question_fr_1="", question_en_1="")
    refused = await site.organizer.post("/admin/consultations", data=data)
    assert refused.status_code == 400
    assert 'href="#champ-question_fr_1"' in refused.text
    assert "Question 1, en français : Posez au moins une question" in refused.text
    assert 'value="Sans question (fr)"' in refused.text
    english = await site.organizer.post("/admin/consultations?lang=en", data=data)
    assert "Ask at least one question, in French and in English." in english.text


async def test_a_draft_saved_without_a_question_cannot_be_opened(
    site: Site, store: EventStore
) -> None:
    """As a draft saved before a question was required: the public could not answer it."""
    draft_id = uuid4()
    legacy = Consultation(
        id=draft_id,
        by=StaffId(ORGANIZER["staff_id"]),
        at=datetime.now(MONTREAL),
        **content(questions=[], opens_at=soon(2), closes_at=soon(10)),
    )
    position = await Repository(store, build_mapper(Settings.from_env().cipher_key)).save(legacy)
    await store.wait("admin_consultations", position, timeout=5)
    url = f"/admin/consultations/{draft_id}"
    for action in ("/ouvrir", "/programmer"):
        refused = await act(site, url + action)
        assert refused.status_code == 400
        assert "Le brouillon ne pose aucune question" in refused.text
    assert (await public_page(site, url)).status_code == 404


@pytest.mark.parametrize("days", ["²", "٣", "-1", "61", "9" * 5000])
async def test_a_grace_period_that_is_not_0_to_60_in_digits_is_refused_at_its_field(
    site: Site, days: str
) -> None:
    refused = await site.organizer.post(
        "/admin/consultations", data=draft_form("Délai", mail_grace_days=days)
    )
    assert refused.status_code == 400
    assert "Délai de grâce pour le courrier : Entrez un nombre entier de jours" in refused.text
    assert f'value="{days}"' in refused.text
