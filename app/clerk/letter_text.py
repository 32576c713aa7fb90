"""What an acknowledgment letter says, in French and in English (the writer's
language), as the emails do (app/services/notices.py): plain language."""

from __future__ import annotations

LETTER: dict[str, dict[str, str]] = {
    "fr": {
        "subject": "Objet : accusé de réception de votre avis — {title}",
        "greeting": "Bonjour,",
        "received_mail": "Nous avons bien reçu votre lettre le {received}.",
        "received_phone": (
            "Nous avons bien reçu l'avis que vous nous avez donné par téléphone le {received}."
        ),
        "number": "Votre numéro de réception : {receipt}",
        "keep": (
            "Gardez ce numéro : il vous permet de suivre votre avis, de le retirer avant la"
            " fermeture de la consultation, ou de faire appel d'une décision."
        ),
        "next": (
            "Les modérateurs de l'organisme indépendant liront votre avis selon la charte "
            "de modération publiée, comme tous les avis, qu'ils arrivent en ligne, par la "
            "poste ou par téléphone. S'il la respecte, il sera publié avec les autres."
        ),
        "late_postmarked_after_closing": (
            "Votre lettre porte un cachet de la poste postérieur à la fermeture de la "
            "consultation. Elle est conservée au dossier et comptée comme arrivée en "
            "retard, mais elle ne sera pas publiée."
        ),
        "late_received_after_grace": (
            "Votre lettre nous est parvenue après le délai de grâce accordé au courrier. "
            "Elle est conservée au dossier et comptée comme arrivée en retard, mais elle ne"
            " sera pas publiée."
        ),
        "follow": (
            "Pour suivre votre avis : {url}, ou par téléphone au {phone}, avec votre numéro"
            " de réception."
        ),
        "closing": "Merci de votre participation.",
        "signature": "L'organisme indépendant de consultation",
    },
    "en": {
        "subject": "Re: acknowledgment of your opinion — {title}",
        "greeting": "Hello,",
        "received_mail": "We received your letter on {received}.",
        "received_phone": "We received the opinion you gave us by phone on {received}.",
        "number": "Your receipt number: {receipt}",
        "keep": (
            "Keep this number: with it you can follow your opinion, withdraw it before the "
            "consultation closes, or appeal a decision."
        ),
        "next": (
            "The independent body's moderators will read your opinion against the published"
            " moderation charter, as they read every opinion, whether it came online, by "
            "mail or by phone. If it follows the charter, it will be published with the "
            "others."
        ),
        "late_postmarked_after_closing": (
            "Your letter was postmarked after the consultation closed. It is kept on file "
            "and counted as late, but it will not be published."
        ),
        "late_received_after_grace": (
            "Your letter reached us after the grace period for mail. It is kept on file and"
            " counted as late, but it will not be published."
        ),
        "follow": (
            "To follow your opinion: {url}, or by phone at {phone}, with your receipt number."
        ),
        "closing": "Thank you for taking part.",
        "signature": "The independent consultation body",
    },
}
