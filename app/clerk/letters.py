"""Letters to writers and callers as one PDF, a letter a page, laid out for a window
envelope (the address where a No. 10 envelope's window is), in the writer's language:
acknowledgments, and decisions in the very words of the emails (app/services/notices.py).

fpdf2 writes the PDF; DejaVu Sans (static/fonts) holds every letter of every name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF

from app.clerk.letter_text import LETTER
from app.services.notices import render
from app.settings import ROOT
from app.web import formatting
from domain import format_receipt

FONTS = ROOT / "static" / "fonts"
MARGIN = 20  # mm
WINDOW = (22, 50, 95)  # the recipient's address: left, top, width (mm)


@dataclass(frozen=True)
class Letter:
    language: str
    name: str
    postal_address: str
    receipt_number: str
    channel: str
    received_at: datetime
    title: str
    """The consultation's title, in the writer's language."""
    return_address: str
    """The body's postal address for the consultation."""
    phone: str
    follow_url: str
    late_reason: str | None = None
    kind: str = "received"
    """An acknowledgment ("received"), or the decision the notice names."""
    reasons: str | None = None
    """The charter's codes of a refusal or of passages withheld, comma-separated."""


def letters_pdf(letters: list[Letter], printed_on: datetime) -> bytes:
    pdf = FPDF(format="letter", unit="mm")
    pdf.set_title("Accusés de réception — Acknowledgments")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    for letter in letters:
        _page(pdf, letter, printed_on)
    return bytes(pdf.output())


def _page(pdf: FPDF, letter: Letter, printed_on: datetime) -> None:
    subject, paragraphs = _content(letter)
    pdf.add_page()
    pdf.set_font("DejaVu", size=9)
    pdf.multi_cell(90, 4.5, letter.return_address)
    left, top, width = WINDOW
    pdf.set_xy(left, top)
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(width, 5.5, f"{letter.name}\n{letter.postal_address}")
    pdf.set_xy(MARGIN, 95)
    pdf.cell(0, 6, formatting.day(printed_on, letter.language), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, subject)
    pdf.ln(3)
    number = format_receipt(letter.receipt_number)
    for paragraph in paragraphs:
        bold = number in paragraph and len(paragraph) < 60
        pdf.set_font("DejaVu", "B" if bold else "", 13 if bold else 11)
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(3)


def _content(letter: Letter) -> tuple[str, list[str]]:
    """The subject and the paragraphs: an acknowledgment's, or a decision's notice."""
    if letter.kind == "received":
        text = LETTER[letter.language]
        return text["subject"].format(title=letter.title), _paragraphs(letter, text)
    title = {letter.language: letter.title}
    notice = render(
        letter.kind,
        letter.language,
        letter.receipt_number,
        title,
        letter.reasons,
        letter.follow_url,
    )
    return notice.subject, [p.removeprefix("-- \n") for p in notice.body.strip().split("\n\n")]


def _paragraphs(letter: Letter, text: dict[str, str]) -> list[str]:
    received = formatting.day(letter.received_at, letter.language)
    said = text["received_mail" if letter.channel == "mail" else "received_phone"]
    late = [text[f"late_{letter.late_reason}"]] if letter.late_reason else []
    return [
        text["greeting"],
        said.format(received=received),
        text["number"].format(receipt=format_receipt(letter.receipt_number)),
        text["keep"],
        *(late or [text["next"]]),
        text["follow"].format(url=letter.follow_url, phone=letter.phone),
        text["closing"],
        text["signature"],
    ]
