"""Supplier questionnaires: a workbook a supplier fills in, and reading it back as a review.

The workbook has an instructions sheet, a question sheet with one row per applicable criterion
(only the answer, evidence and comment cells are unlocked; answers are offered from a list of
the four ratings in the workbook's language) and a hidden sheet naming the supplier and the
catalogue version. Every text cell is written as a string, never as a formula. Reading accepts
answers typed in English, Spanish or French and reports each unusable row with its reason.

File format only: the questions come in as a plain `QuestionnaireForm`, the answers go out as
plain `QuestionnaireAnswers`; register.service.questionnaires records them as a review.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from register.domain.labels import LANGUAGES
from register.domain.reviews import Rating, parse_rating, rating_label
from register.domain.rows import Reject
from register.domain.text import fold
from register.errors import RegisterError, UnreadableFile
from register.io.outputs import atomic_output
from register.io.reading import Workbook, open_workbook
from register.io.safety import FileFormat
from register.io.xlsx import write_text

META_SHEET = "_register"
# A questionnaire holds one row per criterion; anything far larger is not one of ours.
MAX_ROWS = 2_000
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
FIELD_MAX_CHARS = 2_000

COLUMNS = ("criterion_id", "category", "requirement", "criterion", "answer", "evidence", "comment")
ANSWER_COLUMNS = ("answer", "evidence", "comment")
HEADERS: dict[str, dict[str, str]] = {
    "criterion_id": {"en": "ID", "es": "ID", "fr": "ID"},
    "category": {"en": "Category", "es": "Categoría", "fr": "Catégorie"},
    "requirement": {"en": "Requirement", "es": "Requisito", "fr": "Exigence"},
    "criterion": {"en": "Criterion", "es": "Criterio", "fr": "Critère"},
    "answer": {"en": "Answer", "es": "Respuesta", "fr": "Réponse"},
    "evidence": {"en": "Evidence", "es": "Evidencia", "fr": "Preuves"},
    "comment": {"en": "Comment", "es": "Comentario", "fr": "Commentaire"},
}
WIDTHS = {"criterion_id": 10, "category": 28, "requirement": 14, "criterion": 80, "answer": 24, "evidence": 40, "comment": 40}
REQUIREMENT_LABELS = {
    "must": {"en": "Must", "es": "Obligatorio", "fr": "Obligatoire"},
    "should": {"en": "Should", "es": "Recomendado", "fr": "Recommandé"},
}
SHEET_TITLES = {
    "instructions": {"en": "Instructions", "es": "Instrucciones", "fr": "Directives"},
    "questions": {"en": "Questionnaire", "es": "Cuestionario", "fr": "Questionnaire"},
}
INSTRUCTIONS = {
    "en": {
        "title": "Supply chain security questionnaire",
        "supplier": "Supplier", "catalogue": "Criteria", "prepared": "Prepared on",
        "steps": (
            "On the sheet “{sheet}”, answer every criterion in the Answer column by choosing from the list: {answers}.",
            "“Must” criteria are requirements; “Should” criteria are recommended practice.",
            "In the Evidence column, name or reference what shows the answer (policy, certificate, audit report); add any remark in the Comment column.",
            "Only the Answer, Evidence and Comment columns can be edited. Please do not add, remove or reorder rows.",
            "Return the completed workbook to the person who sent it.",
        ),
    },
    "es": {
        "title": "Cuestionario de seguridad de la cadena de suministro",
        "supplier": "Proveedor", "catalogue": "Criterios", "prepared": "Preparado el",
        "steps": (
            "En la hoja «{sheet}», responda cada criterio en la columna Respuesta eligiendo de la lista: {answers}.",
            "Los criterios «Obligatorio» son requisitos; los «Recomendado» son buenas prácticas.",
            "En la columna Evidencia, indique o haga referencia a lo que respalda la respuesta (política, certificado, informe de auditoría); agregue cualquier observación en la columna Comentario.",
            "Solo se pueden editar las columnas Respuesta, Evidencia y Comentario. No agregue, elimine ni reordene filas.",
            "Devuelva el libro completo a la persona que se lo envió.",
        ),
    },
    "fr": {
        "title": "Questionnaire sur la sécurité de la chaîne d'approvisionnement",
        "supplier": "Fournisseur", "catalogue": "Critères", "prepared": "Préparé le",
        "steps": (
            "Dans la feuille « {sheet} », répondez à chaque critère dans la colonne Réponse en choisissant dans la liste : {answers}.",
            "Les critères « Obligatoire » sont des exigences; les critères « Recommandé » sont de bonnes pratiques.",
            "Dans la colonne Preuves, indiquez ou citez ce qui appuie la réponse (politique, certificat, rapport d'audit); ajoutez toute remarque dans la colonne Commentaire.",
            "Seules les colonnes Réponse, Preuves et Commentaire sont modifiables. N'ajoutez, ne supprimez et ne réordonnez aucune ligne.",
            "Retournez le classeur rempli à la personne qui vous l'a envoyé.",
        ),
    },
}


def check_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise RegisterError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")


@dataclass(frozen=True)
class Question:
    criterion_id: str
    category: str  # the category's label in the workbook's language
    requirement: str  # "must" or "should"
    text: str  # the criterion in the workbook's language


@dataclass(frozen=True)
class QuestionnaireForm:
    """Everything a questionnaire workbook shows, in one language."""

    supplier_id: str
    supplier_name: str
    catalogue_title: str
    catalogue_version: str
    prepared_on: date
    lang: str
    questions: list[Question]


def _text(sheet: Any, row: int, column: int, value: str) -> Any:
    return write_text(sheet, row, column, value)


def write_questionnaire(path: Path, form: QuestionnaireForm) -> int:
    """Write the questionnaire workbook; returns the number of criteria in it."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    lang = form.lang
    check_language(lang)
    answers = [rating_label(r, lang) for r in Rating]
    words = INSTRUCTIONS[lang]
    questions_title = SHEET_TITLES["questions"][lang]

    book = Workbook()
    intro = book.active
    intro.title = SHEET_TITLES["instructions"][lang]
    _text(intro, 1, 1, words["title"]).font = Font(bold=True, size=14)
    details = (
        (words["supplier"], f"{form.supplier_name} ({form.supplier_id})"),
        (words["catalogue"], f"{form.catalogue_title} — {form.catalogue_version}"),
        (words["prepared"], form.prepared_on.isoformat()),
    )
    for offset, (label, value) in enumerate(details, start=3):
        _text(intro, offset, 1, label).font = Font(bold=True)
        _text(intro, offset, 2, value)
    for offset, step in enumerate(words["steps"], start=len(details) + 4):
        _text(intro, offset, 1, f"{offset - len(details) - 3}.")
        _text(intro, offset, 2, step.format(sheet=questions_title, answers=", ".join(answers)))
    intro.column_dimensions["A"].width = 16
    intro.column_dimensions["B"].width = 120
    intro.protection.sheet = True

    sheet = book.create_sheet(questions_title)
    for column, name in enumerate(COLUMNS, start=1):
        _text(sheet, 1, column, HEADERS[name][lang]).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS[name]
    wrap = Alignment(wrap_text=True, vertical="top")
    editable = Protection(locked=False)
    for row, question in enumerate(form.questions, start=2):
        values = {
            "criterion_id": question.criterion_id,
            "category": question.category,
            "requirement": REQUIREMENT_LABELS[question.requirement][lang],
            "criterion": question.text,
        }
        for column, name in enumerate(COLUMNS, start=1):
            cell = _text(sheet, row, column, values[name]) if name in values else sheet.cell(row=row, column=column)
            cell.alignment = wrap
            if name in ANSWER_COLUMNS:
                cell.protection = editable
    last = len(form.questions) + 1
    answer_letter = get_column_letter(COLUMNS.index("answer") + 1)
    validation = DataValidation(
        type="list", formula1='"' + ",".join(answers) + '"', allow_blank=True,
        showErrorMessage=True, errorTitle=HEADERS["answer"][lang], error=", ".join(answers),
        showInputMessage=True, promptTitle=HEADERS["answer"][lang], prompt=", ".join(answers),
    )
    validation.add(f"{answer_letter}2:{answer_letter}{last}")
    sheet.add_data_validation(validation)
    sheet.freeze_panes = "B2"
    sheet.protection.sheet = True
    # Suppliers may still resize rows and columns to read long criteria.
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False

    meta = book.create_sheet(META_SHEET)
    for row, (key, value) in enumerate(
        (("supplier_id", form.supplier_id), ("catalogue_version", form.catalogue_version), ("lang", lang)), start=1
    ):
        _text(meta, row, 1, key)
        _text(meta, row, 2, value)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    book.active = 1
    with atomic_output(path, "questionnaire") as temporary:
        book.save(temporary)
    return len(form.questions)


@dataclass
class QuestionnaireAnswers:
    """What a filled-in questionnaire says: the usable answers, and every row that was not."""

    supplier_id: str
    prepared_for: str | None = None  # the supplier the hidden sheet names, if it is there
    total: int = 0
    accepted: int = 0
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # criterion id → {rating, evidence, note}
    rejects: list[Reject] = field(default_factory=list)
    rows: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # criterion id → (row, sheet, answer header)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_text(value: Any) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _open_workbook(path: Path) -> Workbook:
    """The questionnaire as the imports read any file people send: python-calamine behind the
    pre-flight checks (never openpyxl, whose lxml parser would accept entity declarations)."""
    if not path.is_file():
        raise UnreadableFile(f"cannot read {path}: no such file")
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise UnreadableFile(f"cannot read {path.name}: not a readable .xlsx workbook ({exc})") from None
        if unpacked > MAX_UNPACKED_BYTES:
            raise UnreadableFile(f"cannot read {path.name}: it unpacks to {unpacked:,} bytes, far more than a questionnaire holds")
    book = open_workbook(path)
    if book.format is FileFormat.text:
        book.close()
        raise UnreadableFile(f"cannot read {path.name}: not a readable .xlsx workbook (it holds plain text)")
    return book


_HEADER_INDEX = {fold(label): name for name, labels in HEADERS.items() for label in labels.values()}


def _question_sheet(book: Workbook, path: Path) -> tuple[str, dict[str, int], list[str]]:
    """The sheet whose first row names the ID and Answer columns, with column positions."""
    for name in book.sheet_names:
        if name is None or name == META_SHEET:
            continue
        first = (book.head(name, 1) or [[]])[0][:len(COLUMNS) * 3]
        headers = [_cell_text(v) for v in first]
        positions: dict[str, int] = {}
        for index, header in enumerate(headers):
            field_name = _HEADER_INDEX.get(fold(header))
            if field_name is not None and field_name not in positions:
                positions[field_name] = index
        if {"criterion_id", "answer"} <= set(positions):
            return name, positions, headers
    raise UnreadableFile(f"{path.name} is not a questionnaire: no sheet has an ID column and an Answer column")


def _metadata(book: Workbook) -> dict[str, str]:
    """What the hidden sheet says about the questionnaire (empty if someone copied the rows elsewhere)."""
    if META_SHEET not in book.sheet_names:
        return {}
    rows = book.head(META_SHEET, 10)
    return {_cell_text(row[0]): _cell_text(row[1]) for row in rows if len(row) >= 2 and not _blank(row[0])}


def read_questionnaire(path: Path, supplier_id: str, applicable: set[str]) -> QuestionnaireAnswers:
    """Read a filled-in questionnaire of `supplier_id`, whose applicable criteria are `applicable`.

    Blank rows are skipped; unanswered rows, unreadable answers and rows naming unknown or
    inapplicable criteria are rejected with their reason (evidence and comments of unusable
    answers are kept, unrated). A workbook prepared for another supplier is refused.
    """
    book = _open_workbook(path)
    try:
        meta = _metadata(book)
        prepared_for = meta.get("supplier_id")
        if prepared_for and prepared_for != supplier_id:
            raise RegisterError(f"{path.name} was prepared for supplier {prepared_for}, not {supplier_id}; nothing was imported")
        sheet_name, positions, headers = _question_sheet(book, path)
        found = QuestionnaireAnswers(supplier_id, prepared_for=prepared_for or None)
        lang = meta.get("lang") if meta.get("lang") in LANGUAGES else "en"
        found.answers = _read_answers(sheet_name, book.sheet(sheet_name).rows, positions, headers, applicable, found, lang)
    finally:
        book.close()
    return found


def _read_answers(
    sheet: str, rows: list[list[Any]], positions: dict[str, int], headers: list[str], applicable: set[str],
    report: QuestionnaireAnswers, lang: str,
) -> dict[str, dict[str, Any]]:
    width = max(positions.values()) + 1
    answers: dict[str, dict[str, Any]] = {}
    first_row_of: dict[str, int] = {}
    offered = ", ".join(rating_label(r, lang) for r in Rating)
    other_languages = " or ".join({"en": "English", "es": "Spanish", "fr": "French"}[other] for other in LANGUAGES if other != lang)

    def reject(number: int, criterion_id: str | None, column: str, value: Any, reason: str) -> None:
        report.rejects.append(Reject(number, criterion_id, headers[positions[column]], value, reason, sheet=sheet))

    for number, values in enumerate((row[:width] for row in rows[1:]), start=2):
        if number > MAX_ROWS + 1:
            raise UnreadableFile(f"sheet {sheet!r} has more than {MAX_ROWS} rows; a questionnaire has one row per criterion")
        cells = {name: (values[i] if i < len(values) else None) for name, i in positions.items()}
        if all(_blank(v) for v in cells.values()):
            continue
        report.total += 1
        criterion_id = _cell_text(cells["criterion_id"]).upper()
        raw_answer = cells["answer"]
        row_answer = {
            "evidence": _cell_text(cells.get("evidence")), "note": _cell_text(cells.get("comment")),
        }
        if not criterion_id:
            reject(number, None, "criterion_id", None, "no criterion id in this row")
            continue
        if criterion_id in first_row_of:
            reject(number, criterion_id, "criterion_id", criterion_id, f"duplicate criterion: {criterion_id} already answered in row {first_row_of[criterion_id]}")
            continue
        if criterion_id not in applicable:
            reject(number, criterion_id, "criterion_id", criterion_id, f"{criterion_id} is not a criterion that applies to supplier {report.supplier_id}")
            continue
        first_row_of[criterion_id] = number
        report.rows[criterion_id] = (number, sheet, headers[positions["answer"]])
        too_long = [n for n in ("evidence", "note") if len(row_answer[n]) > FIELD_MAX_CHARS]
        if too_long:
            column = "evidence" if too_long[0] == "evidence" else "comment"
            reject(number, criterion_id, column, None, f"longer than {FIELD_MAX_CHARS} characters")
            continue
        # Evidence and comments of unusable answers are kept on the unrated criterion.
        answers[criterion_id] = {"rating": None, **row_answer}
        if _blank(raw_answer):
            reject(number, criterion_id, "answer", None, "unanswered")
            continue
        try:
            answers[criterion_id]["rating"] = parse_rating(_cell_text(raw_answer))
        except ValueError:
            reject(number, criterion_id, "answer", _cell_text(raw_answer),
                   f"{_cell_text(raw_answer)!r} is not an answer: use {offered} (or the same in {other_languages})")
            continue
        report.accepted += 1
    return answers
