"""What an author is told of their opinion, in French and in English, plain text and
plain language: the one wording for an email, a decision letter and a call-back."""

from __future__ import annotations

from dataclasses import dataclass

from domain import format_receipt
from domain.charter import CHARTER

# The charter's reasons (domain/charter.py), as a sentence reads them: "hors sujet".
REASONS: dict[str, dict[str, str]] = {
    language: {
        code.value: texts[language].label[0].lower() + texts[language].label[1:]
        for code, texts in CHARTER.items()
    }
    for language in ("fr", "en")
}

SUBJECTS = {
    "fr": {
        "received": "Avis reçu : {receipt}",
        "received_late": "Lettre reçue en retard : {receipt}",
        "published": "Votre avis {receipt} est publié",
        "refused": "Votre avis {receipt} n'est pas publié",
        "withdrawn": "Avis retiré : {receipt}",
        "appealed": "Appel reçu : {receipt}",
        "appeal_granted": "Appel accepté : votre avis {receipt} est publié",
        "appeal_dismissed": "Appel rejeté : {receipt}",
    },
    "en": {
        "received": "Opinion received: {receipt}",
        "received_late": "Letter received late: {receipt}",
        "published": "Your opinion {receipt} is published",
        "refused": "Your opinion {receipt} is not published",
        "withdrawn": "Opinion withdrawn: {receipt}",
        "appealed": "Appeal received: {receipt}",
        "appeal_granted": "Appeal granted: your opinion {receipt} is published",
        "appeal_dismissed": "Appeal dismissed: {receipt}",
    },
}

BODIES = {
    "fr": {
        "received": (
            "Nous avons bien reçu votre avis sur la consultation « {title} ».\n\n"
            "Votre numéro de réception : {receipt}\n"
            "Gardez-le : il sert à suivre votre avis, à le retirer ou à faire appel.\n\n"
            "Et maintenant ? Un modérateur ou une modératrice de l'organisme indépendant "
            "va lire votre avis selon la charte de modération. Nous vous écrirons quand "
            "une décision sera prise."
        ),
        "received_late": (
            "Nous avons bien reçu votre lettre sur la consultation « {title} », mais après "
            "le délai : elle est conservée au dossier et comptée comme arrivée en retard, "
            "et elle ne sera pas publiée.\n\n"
            "Votre numéro de réception : {receipt}"
        ),
        "published": (
            "Votre avis sur la consultation « {title} » est maintenant publié.\n\n"
            "Numéro de réception : {receipt}"
        ),
        "refused": (
            "Votre avis sur la consultation « {title} » n'est pas publié : il enfreint "
            "la charte de modération.\n\n"
            "Numéro de réception : {receipt}\n"
            "Motif : {reasons}\n\n"
            "Deux personnes ont pris cette décision. Vous pouvez faire appel une fois : "
            "une personne qui n'y a pas participé tranchera."
        ),
        "withdrawn": (
            "Votre avis sur la consultation « {title} » est retiré. Il n'est plus montré "
            "au public.\n\n"
            "Numéro de réception : {receipt}\n\n"
            "Si vous n'avez pas demandé ce retrait, répondez à ce message."
        ),
        "appealed": (
            "Nous avons bien reçu votre appel pour votre avis sur la consultation "
            "« {title} ».\n\n"
            "Numéro de réception : {receipt}\n\n"
            "Et maintenant ? Une personne qui n'a pas participé au refus va relire "
            "votre avis. Nous vous écrirons quand elle aura décidé."
        ),
        "appeal_granted": (
            "Votre appel est accepté. Votre avis sur la consultation « {title} » est "
            "maintenant publié.\n\n"
            "Numéro de réception : {receipt}"
        ),
        "appeal_dismissed": (
            "Votre appel est rejeté. Votre avis sur la consultation « {title} » reste "
            "non publié.\n\n"
            "Numéro de réception : {receipt}\n"
            "Motif du refus : {reasons}\n\n"
            "Cette décision est finale."
        ),
    },
    "en": {
        "received": (
            'We received your opinion on the consultation "{title}".\n\n'
            "Your receipt number: {receipt}\n"
            "Keep it: you need it to follow your opinion, withdraw it or appeal.\n\n"
            "What happens next? A moderator of the independent body will read your "
            "opinion under the moderation charter. We will write to you when a decision "
            "is made."
        ),
        "received_late": (
            'We received your letter on the consultation "{title}", but after the '
            "deadline: it is kept on file and counted as late, and it will not be "
            "published.\n\n"
            "Your receipt number: {receipt}"
        ),
        "published": (
            'Your opinion on the consultation "{title}" is now published.\n\n'
            "Receipt number: {receipt}"
        ),
        "refused": (
            'Your opinion on the consultation "{title}" is not published: it breaks the '
            "moderation charter.\n\n"
            "Receipt number: {receipt}\n"
            "Reason: {reasons}\n\n"
            "Two people made this decision. You can appeal once: someone who took no part "
            "in it will decide."
        ),
        "withdrawn": (
            'Your opinion on the consultation "{title}" is withdrawn. The public no '
            "longer sees it.\n\n"
            "Receipt number: {receipt}\n\n"
            "If you did not ask for this, reply to this message."
        ),
        "appealed": (
            'We received your appeal for your opinion on the consultation "{title}".\n\n'
            "Receipt number: {receipt}\n\n"
            "What happens next? Someone who took no part in the refusal will read your "
            "opinion again. We will write to you when they decide."
        ),
        "appeal_granted": (
            'Your appeal is granted. Your opinion on the consultation "{title}" is now '
            "published.\n\n"
            "Receipt number: {receipt}"
        ),
        "appeal_dismissed": (
            'Your appeal is dismissed. Your opinion on the consultation "{title}" stays '
            "unpublished.\n\n"
            "Receipt number: {receipt}\n"
            "Reason for the refusal: {reasons}\n\n"
            "This decision is final."
        ),
    },
}

REDACTED = {
    "fr": "Certains passages sont retirés et remplacés par leur motif : {reasons}.",
    "en": "Some passages are removed and replaced by their reason: {reasons}.",
}
FOLLOW = {"fr": "Suivre votre avis : {url}", "en": "Follow your opinion: {url}"}
SIGNATURE = {
    "fr": "Tribune — consultations publiques\nCe message est envoyé automatiquement.",
    "en": "Tribune — public consultations\nThis message is sent automatically.",
}
UNTITLED = {"fr": "(sans titre)", "en": "(untitled)"}


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def reasons_text(codes: str | None, language: str) -> str:
    """ "R3, R5" as "R3 (other people's personal information), R5 (advertising or spam)"."""
    names = REASONS[language]
    found = [c for c in (codes or "").split(",") if c]
    return ", ".join(f"{c} ({names[c]})" if c in names else c for c in found)


def render(
    kind: str,
    language: str,
    receipt_number: str,
    title: dict[str, str] | None,
    reasons: str | None = None,
    follow_url: str | None = None,
) -> Text:
    """The subject and body of one email, in the submission's language."""
    language = language if language in SUBJECTS else "fr"
    values = {
        "receipt": format_receipt(receipt_number),
        "title": (title or {}).get(language) or UNTITLED[language],
        "reasons": reasons_text(reasons, language),
    }
    parts = [BODIES[language][kind].format(**values)]
    if kind == "published" and reasons:
        parts.append(REDACTED[language].format(**values))
    if follow_url and kind != "withdrawn":
        parts.append(FOLLOW[language].format(url=follow_url))
    parts.append("-- \n" + SIGNATURE[language])
    return Text(SUBJECTS[language][kind].format(**values), "\n\n".join(parts) + "\n")
