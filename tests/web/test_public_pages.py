"""The public pages through the ASGI app, against real PostgreSQL, in both languages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest
from markupsafe import escape

from app.asgi import create_app
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.services.submissions import SubmissionForm, receive_submission
from domain import Channel, Consultation, ReasonCode, StaffId, Submission, format_receipt
from projections.engine.runner import Runner
from projections.registry import all_projections
from tests.unit.builders import ORGANIZER, content
from tests.web.asgi import served

NOW = datetime.now(UTC)
FIRST, SECOND = StaffId("moderator-1"), StaffId("moderator-2")
TEXTS = [f"La taxe sur l'eau doit être plus élevée, avis {i}." for i in range(25)]
REFUSED_TEXT = "Un texte injurieux qui ne doit jamais paraître."


@dataclass
class Site:
    consultation: Consultation
    upcoming: Consultation
    published: list[Submission]
    refused: Submission
    pending: Submission


async def consultation(repository: Repository, opens: int, closes: int, title: str) -> Consultation:
    fields = content(
        opens_at=NOW + timedelta(days=opens),
        closes_at=NOW + timedelta(days=closes),
        title={"fr": f"{title} (fr)", "en": f"{title} (en)"},
    )
    c = Consultation.draft(uuid4(), by=ORGANIZER, at=NOW - timedelta(days=30), **fields)
    c.schedule(ORGANIZER, NOW - timedelta(days=29))
    await repository.save(c)
    return c


async def submit(repository: Repository, c: Consultation, text: str, i: int) -> Submission:
    channel = list(Channel)[i % 3]
    form = SubmissionForm(
        form_token=str(uuid4()),
        consultation_id=c.id,
        channel=channel,
        participant_id=uuid4(),
        text=text,
        language="fr",
        region="03" if i % 2 else "06",
        received_at=NOW - timedelta(hours=1),
        postmarked_at=NOW - timedelta(days=1) if channel is Channel.MAIL else None,
        call_started_at=NOW - timedelta(hours=1) if channel is Channel.PHONE else None,
        keyed_by=StaffId("clerk") if channel is not Channel.ONLINE else None,
        read_back_confirmed=channel is Channel.PHONE,
    )
    receipt = await receive_submission(repository, form)
    return await repository.get(receipt.submission_id, Submission)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with served(create_app(database_url, projector=False)) as c:
        yield c


_SITE: list[Site] = []


@pytest.fixture
async def site(store: EventStore) -> Site:
    """Written once for the module (its database is shared by its tests)."""
    if _SITE and await store.max_notification_id():
        return _SITE[0]
    _SITE.clear()
    repository = Repository(store, build_mapper())
    c = await consultation(repository, -5, 20, "Avenir de l'eau")
    upcoming = await consultation(repository, 10, 40, "Transport en région")
    published = []
    for i, text in enumerate(TEXTS):
        s = await submit(repository, c, text, i)
        s.publish(FIRST, NOW - timedelta(minutes=50 - i))
        published.append(s)
    refused = await submit(repository, c, REFUSED_TEXT, 1)
    refused.propose_refusal(FIRST, NOW, ReasonCode("R4"))
    refused.confirm_refusal(SECOND, NOW)
    pending = await submit(repository, c, "Encore en attente de modération.", 2)
    await repository.save(*published, refused)
    await Runner(store, build_mapper(), all_projections()).catch_up_all()
    _SITE.append(Site(c, upcoming, published, refused, pending))
    return _SITE[0]


def receipts_in(html: str) -> list[str]:
    return re.findall(r'id="avis-([0-9A-Z]{9})"', html)


async def test_home_lists_open_then_upcoming_consultations_with_their_counts(
    client: httpx.AsyncClient, site: Site
) -> None:
    html = (await client.get("/")).text
    assert html.index("Consultations ouvertes") < html.index("Consultations à venir")
    assert html.index("Avenir de l&#39;eau (fr)") < html.index("Transport en région (fr)")
    assert "<dd>27</dd>" in html  # received
    assert "<dd>25</dd>" in html  # published


async def test_home_in_english(client: httpx.AsyncClient, site: Site) -> None:
    html = (await client.get("/?lang=en")).text
    assert '<html lang="en">' in html
    assert "Open consultations" in html
    assert "Avenir de l&#39;eau (en)" in html


async def test_the_language_chosen_is_remembered_for_the_next_page(
    client: httpx.AsyncClient, site: Site
) -> None:
    await client.get("/?lang=en")
    html = (await client.get(f"/consultations/{site.consultation.id}")).text
    assert '<html lang="en">' in html


async def test_a_consultation_shows_the_three_channels_on_one_page(
    client: httpx.AsyncClient, site: Site
) -> None:
    html = (await client.get(f"/consultations/{site.consultation.id}?lang=fr")).text
    for heading in ("En ligne", "Par la poste", "Par téléphone"):
        assert f">{heading}</h3>" in html
    assert "oblitérée avant la clôture" in html
    assert "1 800 555-0100" in html
    assert "rue des Parlementaires" in html


async def test_the_list_shows_only_published_opinions_newest_first_in_pages(
    client: httpx.AsyncClient, site: Site
) -> None:
    url: str | None = f"/consultations/{site.consultation.id}/avis?lang=fr"
    seen: list[str] = []
    for _ in range(len(TEXTS) + 1):  # a page holds one opinion at least
        if url is None:
            break
        html = (await client.get(url)).text
        assert REFUSED_TEXT not in html
        seen += receipts_in(html)
        found = re.search(r'class="next" href="([^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert url is None, "the list never ends: its next pages come round again"
    newest_first = [s.receipt_number for s in reversed(site.published)]
    assert seen == newest_first


async def test_search_ignores_accents(client: httpx.AsyncClient, site: Site) -> None:
    base = f"/consultations/{site.consultation.id}/avis"
    accented = receipts_in((await client.get(base, params={"q": "élevée"})).text)
    plain = receipts_in((await client.get(base, params={"q": "elevee"})).text)
    assert accented
    assert accented == plain
    assert not receipts_in((await client.get(base, params={"q": "injurieux"})).text)


async def test_filters_by_region_and_channel(client: httpx.AsyncClient, site: Site) -> None:
    base = f"/consultations/{site.consultation.id}/avis"
    html = (await client.get(base, params={"region": "03", "canal": "mail"})).text
    expected = {
        s.receipt_number for s in site.published if s.region == "03" and s.channel is Channel.MAIL
    }
    assert set(receipts_in(html)) == expected


async def test_htmx_gets_the_results_fragment_on_the_same_url(
    client: httpx.AsyncClient, site: Site
) -> None:
    url = f"/consultations/{site.consultation.id}/avis?q=eau"
    fragment = (await client.get(url, headers={"HX-Request": "true"})).text
    full = (await client.get(url)).text
    assert "<html" not in fragment
    assert fragment.strip().startswith('<section id="resultats"')
    assert "<html" in full
    assert receipts_in(fragment) == receipts_in(full)


async def test_an_opinion_has_a_permanent_page_by_its_receipt_number(
    client: httpx.AsyncClient, site: Site
) -> None:
    s = site.published[0]
    for spelling in (format_receipt(s.receipt_number), s.receipt_number.lower()):
        page = await client.get(f"/avis/{spelling}")
        assert page.status_code == 200
        assert str(escape(s.text)) in page.text
        link = f'href="http://tribune.test/consultations/{site.consultation.id}">'
        assert link + str(escape(site.consultation.title["fr"])) in page.text


async def test_a_refused_opinion_shows_its_status_and_reason_but_never_its_text(
    client: httpx.AsyncClient, site: Site
) -> None:
    html = (await client.get(f"/avis/{site.refused.receipt_number}")).text
    assert "Non publié" in html
    assert "R4" in html
    assert REFUSED_TEXT not in html


async def test_a_wrong_receipt_number_gives_a_clear_not_found_page(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/avis/ABC-DEF-GHJ")
    assert page.status_code == 404
    assert "<h1>Page introuvable</h1>" in page.text


async def test_statistics_count_by_status_and_channel_in_tables(
    client: httpx.AsyncClient, site: Site
) -> None:
    html = (await client.get(f"/consultations/{site.consultation.id}/statistiques")).text
    assert "Avis reçus : <strong>27</strong>" in html
    assert "<caption>Avis par moyen et par état</caption>" in html
    assert '<svg role="img"' in html
    assert "<desc" in html


async def test_the_ledger_lists_decisions_with_reasons_and_totals_that_reconcile(
    client: httpx.AsyncClient, site: Site
) -> None:
    html = (await client.get(f"/consultations/{site.consultation.id}/registre")).text
    assert "Refus confirmé" in html
    assert "R4" in html
    assert "Vérification : reçus = publiés + non publiés + en attente + retirés." in html
    assert REFUSED_TEXT not in html
    assert "moderator-1" not in html


async def test_every_page_sets_a_title_that_says_where_you_are(
    client: httpx.AsyncClient, site: Site
) -> None:
    c = site.consultation.id
    for path, title in [
        (f"/consultations/{c}/statistiques?lang=en", "Statistics — Avenir de l&#39;eau (en)"),
        (f"/consultations/{c}/registre?lang=fr", "Registre de modération — Avenir"),
    ]:
        html = (await client.get(path)).text
        assert f"<title>{title}" in html


# Whatever is typed in an address: the bad value is ignored, never a 500 ----------------

BEYOND_YEAR_9999 = "99999999999999999999999"
SUPERSCRIPT_TWO = "\u00b2"  # str.isdigit() says yes, int() says no


async def first_page_receipts(client: httpx.AsyncClient, site: Site) -> list[str]:
    return receipts_in((await client.get(f"/consultations/{site.consultation.id}/avis")).text)


async def test_a_cursor_that_cannot_be_a_moment_starts_the_list_over(
    client: httpx.AsyncClient, site: Site
) -> None:
    base = f"/consultations/{site.consultation.id}/avis"
    first = await first_page_receipts(client, site)
    for micros in (BEYOND_YEAR_9999, "-" + BEYOND_YEAR_9999, SUPERSCRIPT_TWO, "9" * 5000):
        response = await client.get(base, params={"apres": f"{micros}_{uuid4()}"})
        assert response.status_code == 200, micros[:30]
        assert receipts_in(response.text) == first


async def test_control_characters_in_a_search_are_ignored(
    client: httpx.AsyncClient, site: Site
) -> None:
    base = f"/consultations/{site.consultation.id}/avis"
    found = receipts_in((await client.get(base, params={"q": "élevée"})).text)
    for typed in ("élevée\x00", "\x00élevée\x1f", "élevée\t\x7f"):
        response = await client.get(base, params={"q": typed})
        assert response.status_code == 200
        assert receipts_in(response.text) == found
    only_nul = await client.get(base, params={"q": "\x00"})
    assert (only_nul.status_code, receipts_in(only_nul.text)) == (
        200, await first_page_receipts(client, site)
    )  # fmt: skip


def decisions_in(html: str) -> list[str]:
    return re.findall(r'<td><a href="[^"]+/avis/([0-9A-Z-]+)">', html)


async def test_a_ledger_position_that_is_no_number_or_too_big_shows_the_latest_decisions(
    client: httpx.AsyncClient, site: Site
) -> None:
    base = f"/consultations/{site.consultation.id}/registre"
    latest = decisions_in((await client.get(base)).text)
    assert latest
    for before in ("9" * 26, SUPERSCRIPT_TWO, "-1", "12abc", "\x00"):
        response = await client.get(base, params={"avant": before})
        assert response.status_code == 200, before
        assert decisions_in(response.text) == latest


async def test_no_query_parameter_of_a_public_page_can_cause_a_server_error(
    client: httpx.AsyncClient, site: Site
) -> None:
    c = site.consultation.id
    paths = [
        "/",
        f"/consultations/{c}",
        f"/consultations/{c}/avis",
        f"/consultations/{c}/statistiques",
        f"/consultations/{c}/registre",
        f"/avis/{site.published[0].receipt_number}",
    ]
    nonsense = ["\x00", SUPERSCRIPT_TWO, "9" * 30, "-1", f"{BEYOND_YEAR_9999}_{uuid4()}", "é" * 300]
    names = ("q", "apres", "avant", "region", "canal", "lang", "limite")
    for path in paths:
        for name in names:
            for value in nonsense:
                response = await client.get(path, params={name: value})
                assert response.status_code == 200, (path, name, value[:30])
