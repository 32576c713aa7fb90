"""The organizers' admin used for real: each command on a consultation of its own, and
its event seen in the history, its effect on the consultation's page."""

from __future__ import annotations

from app.services.consultations import draft_id
from tests.web.route_uses import (
    Check,
    Params,
    Seen,
    Text,
    Use,
    answer_has,
    answer_is_the_pdf,
    csrf,
    on,
    page_has,
    plain,
)
from tests.web.route_world import CORRECTED, LETTER_TEXT, PDF, World
from tests.web.test_admin import draft_form, local


def admin_shows(command: str, event: str, *wanted: Text, absent: str = "") -> Check:
    """The command's event in its consultation's history; what the organizer's page of
    that consultation shows (and no longer shows) since."""

    def path(w: World) -> str:
        return f"/admin/consultations/{w.targets[command]}"

    history = page_has("organizer", lambda w: path(w) + "/historique", event)
    page = page_has("organizer", path, *wanted, absent=absent)

    async def check(seen: Seen) -> None:
        await history(seen)
        await page(seen)

    return check


async def closes_later(seen: Seen) -> None:
    await admin_shows("admin_consultation_extend", "Clôture reportée")(seen)
    target = seen.world.targets["admin_consultation_extend"]
    page = await seen.organizer.get(f"/admin/consultations/{target}")
    assert f'datetime="{seen.world.extended_to.isoformat()}"' in page.text, "not the new closing"


def target(command: str) -> Params:
    return on(lambda w: w.targets[command])


DRAFT = on(lambda w: w.draft)
DOCUMENT = on(lambda w: w.open, document_id=lambda w: w.document)

ADMIN_USES = {
    "admin_consultation_list": Use(plain, answer_has("Un brouillon (fr)")),
    "admin_consultation_new": Use(plain, answer_has('name="form_token"')),
    "admin_consultation_create": Use(
        plain,
        page_has(
            "organizer",
            lambda w: f"/admin/consultations/{draft_id(w.new_draft)}",
            "Une nouvelle (fr)",
            "État : Brouillon",
        ),
        form=lambda w: draft_form("Une nouvelle", form_token=w.new_draft),
    ),
    "admin_consultation_show": Use(DRAFT, answer_has("Un brouillon (fr)", "État : Brouillon")),
    "admin_consultation_edit": Use(DRAFT, answer_has('value="Un brouillon (fr)"')),
    "admin_consultation_update": Use(
        target("admin_consultation_update"),
        admin_shows("admin_consultation_update", "Brouillon modifié", "Titre changé (fr)"),
        form=lambda w: draft_form("Titre changé", version="1"),
    ),
    "admin_consultation_preview": Use(DRAFT, answer_has("Un brouillon (fr)", "Question 1 (fr)")),
    "admin_consultation_history": Use(DRAFT, answer_has("Brouillon créé")),
    "admin_consultation_corrections": Use(
        on(lambda w: w.desk),
        answer_has(LETTER_TEXT, CORRECTED),  # before, and after
    ),
    "admin_consultation_double_keying": Use(
        target("admin_consultation_double_keying"),
        admin_shows(
            "admin_consultation_double_keying",
            "Double saisie des lettres",
            "Ne plus exiger la double saisie",
        ),
        form=csrf({"required": "1"}),
    ),
    "admin_consultation_schedule": Use(
        target("admin_consultation_schedule"),
        admin_shows("admin_consultation_schedule", "Programmée", "État : À venir"),
        form=csrf({}),
    ),
    "admin_consultation_open": Use(
        target("admin_consultation_open"),
        admin_shows("admin_consultation_open", "Ouverte plus tôt que prévu", "État : Ouverte"),
        form=csrf({}),
    ),
    "admin_consultation_extend": Use(
        target("admin_consultation_extend"),
        closes_later,
        form=lambda w: {"csrf_token": "jeton", "new_closes_at": local(w.extended_to)},
    ),
    "admin_consultation_close_early": Use(
        target("admin_consultation_close_early"),
        admin_shows(
            "admin_consultation_close_early",
            "Fermée plus tôt que prévu",
            "État : Terminée",
            "Travaux finis",
        ),
        form=csrf({"close_reason": "Travaux finis"}),
    ),
    "admin_consultation_cancel": Use(
        target("admin_consultation_cancel"),
        admin_shows(
            "admin_consultation_cancel", "Annulée", "État : Annulée", "Reportée au printemps"
        ),
        form=csrf({"cancel_reason": "Reportée au printemps"}),
    ),
    "admin_report_publish": Use(
        target("admin_report_publish"),
        admin_shows("admin_report_publish", "Rapport publié", "rapport publié"),
        form=csrf({"report_fr": "Ce que nous avons entendu.", "report_en": "What we heard."}),
        files={"report_file": ("rapport.pdf", PDF, "application/pdf")},
    ),
    "admin_document_attach": Use(
        target("admin_document_attach"),
        admin_shows("admin_document_attach", "Document ajouté", "Annexe technique (fr)"),
        form=csrf({"document_fr": "Annexe technique (fr)", "document_en": "Annex (en)"}),
        files={"document_file": ("annexe.pdf", PDF, "application/pdf")},
    ),
    "admin_document_show": Use(DOCUMENT, answer_is_the_pdf),
    "admin_document_remove": Use(
        on(lambda w: w.targets["admin_document_remove"], document_id=lambda w: w.removable),
        admin_shows("admin_document_remove", "Document retiré", absent="Document à retirer (fr)"),
        form=csrf({}),
    ),
}
