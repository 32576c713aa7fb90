"""The moderation charter's reasons: one source for the code, the public charter page,
the moderators' forms, the ledger, the emails and letters, and the open data.

docs/charter.md is the readable copy; a test checks it says exactly this.
"""

from __future__ import annotations

from typing import NamedTuple

from domain.values import ReasonCode


class Reason(NamedTuple):
    label: str
    """A few words, as the ledger and the emails show it."""
    explanation: str
    """What it covers, in plain language."""


CHARTER: dict[ReasonCode, dict[str, Reason]] = {
    ReasonCode.HATE_SPEECH: {
        "fr": Reason(
            "Propos haineux",
            "propos qui attaquent une personne ou un groupe à cause de son origine, de sa"
            " religion, de son sexe, de son orientation sexuelle, d'un handicap ou d'une autre"
            " caractéristique protégée.",
        ),
        "en": Reason(
            "Hate speech",
            "words that attack a person or group because of their origin, religion, sex,"
            " sexual orientation, disability or another protected characteristic.",
        ),
    },
    ReasonCode.VIOLENCE: {
        "fr": Reason(
            "Menaces ou incitation à la violence",
            "menaces contre une personne ou un groupe, ou appels à la violence.",
        ),
        "en": Reason(
            "Threats or incitement to violence",
            "threats against a person or group, or calls to violence.",
        ),
    },
    ReasonCode.PERSONAL_INFORMATION: {
        "fr": Reason(
            "Renseignements personnels d'autrui",
            "nom, adresse, téléphone, courriel ou autre renseignement permettant d'identifier"
            " une autre personne que vous.",
        ),
        "en": Reason(
            "Other people's personal information",
            "a name, address, phone number, email or anything else that identifies someone"
            " other than you.",
        ),
    },
    ReasonCode.DEFAMATION: {
        "fr": Reason(
            "Diffamation ou insultes",
            "accusations sans fondement, injures ou harcèlement visant une personne.",
        ),
        "en": Reason(
            "Defamation or insults",
            "unfounded accusations, insults or harassment aimed at a person.",
        ),
    },
    ReasonCode.ADVERTISING: {
        "fr": Reason(
            "Publicité ou pollupostage",
            "promotion d'un produit, d'un service ou d'un site, ou messages répétés.",
        ),
        "en": Reason(
            "Advertising or spam",
            "promoting a product, service or website, or repeated messages.",
        ),
    },
    ReasonCode.IMPERSONATION: {
        "fr": Reason(
            "Usurpation d'identité",
            "se faire passer pour une autre personne ou une organisation.",
        ),
        "en": Reason("Impersonation", "pretending to be another person or an organisation."),
    },
    ReasonCode.UNINTELLIGIBLE: {
        "fr": Reason("Texte incompréhensible", "texte qu'on ne peut pas lire ou comprendre."),
        "en": Reason("Unintelligible text", "text that cannot be read or understood."),
    },
    ReasonCode.OFF_TOPIC: {
        "fr": Reason("Hors sujet", "texte qui n'est pas un avis sur la consultation."),
        "en": Reason("Off-topic", "text that is not an opinion on the consultation."),
    },
}


def reason(code: str, language: str) -> Reason | None:
    """The charter's words for a code, in French or English; None for an unknown code."""
    try:
        texts = CHARTER[ReasonCode(code)]
    except ValueError:
        return None
    return texts.get(language) or texts["fr"]
