"""ISO 28001 performance review of one supplier or interconnection (4.5, A.3.3): a checklist
of the applicable criteria grouped by category, rated by key, with evidence and a note per
criterion, live progress and conformance, the gaps, and a risk opened from a gap.

Ratings are kept on screen until saved; saving records the review (`record_review`) or
changes the recorded one (`rate`) in a thread worker.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from register.domain.criteria import CriteriaCatalogue, Criterion
from register.domain.method import Method
from register.domain.reviews import (
    REVIEWS_TABLE, CriterionRating, Rating, Review, blank_ratings, conformance_by_category, gaps, overall_conformance, rating_label,
)
from register.domain.text import terminal_safe
from register.errors import RegisterError
from register.service import RegisterService
from register.tui.messages import Problem, RegisterChanged
from register.tui.workers import ReportsWorkerFailures, background

NEW_REVIEW = "new"
RATING_MARKS: dict[Rating | None, tuple[str, str]] = {
    Rating.met: ("✓ met", "$success"),
    Rating.partly_met: ("◐ partly", "$warning"),
    Rating.not_met: ("✗ not met", "bold $error"),
    Rating.not_applicable: ("– n/a", "$text-muted"),
    None: ("· unrated", "$text-muted"),
}
MARK_WIDTH = max(len(mark) for mark, _ in RATING_MARKS.values())


class ReviewLoaded(Message):
    def __init__(self, criteria: list[Criterion], reviews: list[Review], revisions: dict[str, int]) -> None:
        super().__init__()
        self.criteria = criteria
        self.reviews = reviews
        self.revisions = revisions


class ReviewSaved(Message):
    def __init__(self, review: Review, status: str, risk_id: str | None = None, revision: int = 0) -> None:
        super().__init__()
        self.review = review
        self.status = status
        self.risk_id = risk_id
        self.revision = revision


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f} %"


def criterion_prompt(item: CriterionRating, criterion: Criterion | None) -> Content:
    mark, style = RATING_MARKS[item.rating]
    text = criterion.text.en if criterion is not None else "(no longer in the catalogue)"
    parts: list[tuple[str, str] | str] = [(mark.ljust(MARK_WIDTH), style), " ", (item.criterion_id, "bold"),
                                          f" {item.requirement} · w{item.weight}  ", text]
    if item.risk_id:
        parts.append((f"  → {item.risk_id}", "$accent"))
    return Content.assemble(*parts)


def sensible_gap_levels(gap: CriterionRating, criticality: int | None, method: Method) -> tuple[int, dict[str, int]]:
    """A starting point for the assessor: an unmet must is possible (3), a partly met one
    unlikely (2); the information and economic consequences follow the subject's criticality."""
    partly = gap.rating is Rating.partly_met
    likelihood = 2 if partly else 3
    severe = max(1, (criticality or 3) - (1 if partly else 0))
    consequences = {c.id: 1 for c in method.consequence_categories}
    for category in ("information", "economic"):
        if category in consequences:
            consequences[category] = severe
    return likelihood, consequences


class GapRiskScreen(ModalScreen[tuple[int, dict[str, int]] | None]):
    """Likelihood and consequences for the risk a gap opens (the rest is pre-filled)."""

    BINDINGS = [
        Binding("ctrl+s", "open_risk", "Open the risk", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, title: str, method: Method, likelihood: int, consequences: dict[str, int]) -> None:
        super().__init__()
        self.title_text = title
        self.method = method
        self.likelihood = likelihood
        self.consequences = consequences

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="gap-risk-box"):
            yield Label(self.title_text, classes="screen-title")
            yield Label("Pre-filled from the subject's criticality; change them, then ctrl+s opens the risk.", classes="prompt-hint")
            with Horizontal(classes="form-row"):
                yield Label("likelihood", classes="field-label")
                yield Select([(f"{lvl.value} {lvl.label}", lvl.value) for lvl in self.method.likelihood_scale],
                             value=self.likelihood, allow_blank=False, id="gap-likelihood", compact=True)
            for category in self.method.consequence_categories:
                with Horizontal(classes="form-row"):
                    yield Label(category.label, classes="field-label")
                    yield Select([(f"{i} {anchor}", i) for i, anchor in enumerate(category.anchors, start=1)],
                                 value=self.consequences.get(category.id, 1), allow_blank=False,
                                 id=f"gap-c_{category.id}", compact=True)

    def action_open_risk(self) -> None:
        likelihood = int(self.query_one("#gap-likelihood", Select).value)  # type: ignore[arg-type]
        consequences = {c.id: int(self.query_one(f"#gap-c_{c.id}", Select).value)  # type: ignore[arg-type]
                        for c in self.method.consequence_categories}
        self.dismiss((likelihood, consequences))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReviewScreen(ReportsWorkerFailures, Screen[None]):
    BINDINGS = [
        Binding("1", "rate('met')", "Met"),
        Binding("2", "rate('partly_met')", "Partly met"),
        Binding("3", "rate('not_met')", "Not met"),
        Binding("4", "rate('not_applicable')", "N/A"),
        Binding("0", "rate('')", "Clear"),
        Binding("g", "open_risk", "Risk from gap"),
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+e", "edit_evidence", "Evidence", priority=True),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self, service: RegisterService, method: Method, subject_type: str, subject_id: str, subject_name: str,
                 criticality: int | None = None) -> None:
        super().__init__()
        self.service = service
        self.method = method
        self.subject_type = subject_type
        self.subject_id = subject_id
        self.subject_name = terminal_safe(subject_name)  # shown in titles: escape codes escaped
        self.criticality = criticality
        self.catalogue: CriteriaCatalogue = service.catalogue
        self.criteria: dict[str, Criterion] = {}
        self.applicable: list[Criterion] = []
        self.reviews: dict[str, Review] = {}
        self.review_id: str | None = None
        self.review_revisions: dict[str, int] = {}  # the revision each review was read at
        self.ratings: list[CriterionRating] = []
        self.dirty = False
        self._discard_warned = False

    # --- layout --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Label(f"Performance review (ISO 28001 4.5) — {self.subject_type} {self.subject_id} {self.subject_name}",
                    classes="screen-title", markup=False)
        with Horizontal(id="review-bar"):
            yield Select([("New review", NEW_REVIEW)], value=NEW_REVIEW, allow_blank=False, id="review-choice", compact=True)
            yield Label("Reading the criteria…", id="review-status")
        with Horizontal(id="review-body"):
            with Vertical(id="review-main"):
                yield OptionList(id="checklist")
                yield Static("", id="criterion-detail")
                with Horizontal(classes="form-row"):
                    yield Label("evidence", classes="review-field-label")
                    yield Input(placeholder="evidence seen (document, test, visit)", id="review-evidence", compact=True)
                with Horizontal(classes="form-row"):
                    yield Label("note", classes="review-field-label")
                    yield Input(placeholder="note", id="review-note", compact=True)
            with VerticalScroll(id="review-panel"):
                yield Static("", id="review-progress", classes="score")
                yield Static("", id="review-conformance")
                yield Static("", id="review-gaps")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#checklist", OptionList).focus()
        self.load_review_data()

    @background("review-load")
    def load_review_data(self) -> None:
        criteria = self.service.applicable_criteria(self.subject_type, self.subject_id)
        # Revisions first: a review changed after this read is refused as stale, never overwritten.
        revisions = self.service.revisions(REVIEWS_TABLE)
        reviews = self.service.reviews(self.subject_type, self.subject_id)
        self.post_message(ReviewLoaded(criteria, reviews, revisions))

    def on_review_loaded(self, message: ReviewLoaded) -> None:
        self.applicable = message.criteria
        self.criteria = {c.id: c for c in self.catalogue.criteria}
        self.reviews = {r.review_id: r for r in message.reviews}
        self.review_revisions = message.revisions
        self._refresh_choices()
        latest = message.reviews[-1] if message.reviews else None
        # Carry on with an unfinished review; after a completed one, start the next.
        self._show_review(latest if latest is not None and latest.status == "in_progress" else None)

    def _refresh_choices(self) -> None:
        choice = self.query_one("#review-choice", Select)
        options = [("New review", NEW_REVIEW)] + [
            (f"{r.review_id} · {r.reviewed_on.isoformat()} · {r.status.replace('_', ' ')}", r.review_id)
            for r in self.reviews.values()
        ]
        with self.prevent(Select.Changed):
            choice.set_options(options)
            choice.value = self.review_id or NEW_REVIEW

    def _show_review(self, review: Review | None) -> None:
        self.review_id = review.review_id if review else None
        self.ratings = list(review.ratings) if review else blank_ratings(self.applicable)
        self.dirty = False
        with self.prevent(Select.Changed):
            self.query_one("#review-choice", Select).value = self.review_id or NEW_REVIEW
        self._build_checklist()
        self._update_panel()

    @on(Select.Changed, "#review-choice")
    def _review_chosen(self, event: Select.Changed) -> None:
        if event.value == (self.review_id or NEW_REVIEW):
            return
        if self.dirty:
            self.notify("Unsaved ratings were discarded.", severity="warning")
        self._show_review(self.reviews.get(str(event.value)))

    # --- the checklist -------------------------------------------------------------------------
    def _category_label(self, category_id: str) -> str:
        try:
            return self.catalogue.category(category_id).labels.en
        except KeyError:
            return category_id

    def _build_checklist(self) -> None:
        checklist = self.query_one("#checklist", OptionList)
        by_category: dict[str, list[CriterionRating]] = {}
        for item in self.ratings:
            by_category.setdefault(item.category, []).append(item)
        options: list[Option] = []
        for category, items in by_category.items():
            options.append(Option(Content.styled(self._category_label(category).upper(), "bold $primary"), disabled=True))
            options += [Option(criterion_prompt(i, self.criteria.get(i.criterion_id)), id=i.criterion_id) for i in items]
        checklist.set_options(options)
        first = next((n for n, o in enumerate(options) if not o.disabled), None)
        checklist.highlighted = first

    def current_item(self) -> CriterionRating | None:
        checklist = self.query_one("#checklist", OptionList)
        option = checklist.highlighted_option
        if option is None or option.id is None:
            return None
        return next(i for i in self.ratings if i.criterion_id == option.id)

    def _replace(self, updated: CriterionRating) -> None:
        self.ratings = [updated if i.criterion_id == updated.criterion_id else i for i in self.ratings]
        checklist = self.query_one("#checklist", OptionList)
        checklist.replace_option_prompt(updated.criterion_id, criterion_prompt(updated, self.criteria.get(updated.criterion_id)))
        self.dirty = True
        self._discard_warned = False
        self._update_panel()

    @on(OptionList.OptionHighlighted, "#checklist")
    def _criterion_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        item = self.current_item()
        criterion = self.criteria.get(item.criterion_id) if item else None
        detail = ""
        if item is not None and criterion is not None:
            detail = Content.assemble(
                (f"{criterion.id} ", "bold"), f"({self._category_label(criterion.category)}, {criterion.requirement}, weight {criterion.weight}) ",
                criterion.text.en, ("\n" + " · ".join(criterion.cross_references), "$text-muted"),
            )
        self.query_one("#criterion-detail", Static).update(detail)
        self.query_one("#review-evidence", Input).value = item.evidence if item else ""
        self.query_one("#review-note", Input).value = item.note if item else ""

    @on(Input.Changed, "#review-evidence, #review-note")
    def _text_changed(self, event: Input.Changed) -> None:
        item = self.current_item()
        field = "evidence" if event.input.id == "review-evidence" else "note"
        if item is None or getattr(item, field) == event.value:
            return  # the input was just filled from the highlighted criterion
        self._replace(item.model_copy(update={field: event.value}))

    @on(Input.Submitted, "#review-evidence, #review-note")
    def _text_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#checklist", OptionList).focus()

    def action_rate(self, rating: str) -> None:
        item = self.current_item()
        if item is None:
            return
        self._replace(item.model_copy(update={"rating": Rating(rating) if rating else None}))
        # On to the next criterion, so a checklist can be rated key after key.
        checklist = self.query_one("#checklist", OptionList)
        checklist.action_cursor_down()

    def action_edit_evidence(self) -> None:
        self.query_one("#review-evidence", Input).focus()

    # --- progress, conformance and gaps --------------------------------------------------------
    def draft(self) -> Review:
        """The review as the screen holds it, for the domain's conformance rules."""
        return Review.model_construct(ratings=self.ratings)

    def _update_panel(self) -> None:
        draft = self.draft()
        rated = sum(1 for i in self.ratings if i.rating is not None)
        overall = overall_conformance(draft)
        state = "unsaved changes" if self.dirty else ("saved" if self.review_id else "not recorded yet")
        self.query_one("#review-status", Label).update(f"{self.review_id or 'new review'} · {state} · ctrl+s saves")
        self.query_one("#review-progress", Static).update(
            f"{rated} of {len(self.ratings)} rated\nOverall conformance {percent(overall.share)}")
        lines: list[tuple[str, str] | str] = [("Conformance by category\n", "bold")]
        for category, figures in conformance_by_category(draft).items():
            lines.append(f"{self._category_label(category)[:26]:<26} {percent(figures.share):>5}\n")
        self.query_one("#review-conformance", Static).update(Content.assemble(*lines))
        found = gaps(draft)
        gap_lines: list[tuple[str, str] | str] = [(f"\nGaps: {len(found)} (unmet musts; g opens a risk)\n", "bold")]
        for gap in found:
            gap_lines += [(f"{gap.criterion_id} ", "$error"), rating_label(gap.rating).lower() if gap.rating else "",
                          (f" → {gap.risk_id}" if gap.risk_id else "", "$accent"), "\n"]
        self.query_one("#review-gaps", Static).update(Content.assemble(*gap_lines))

    # --- saving --------------------------------------------------------------------------------
    def _answers(self) -> dict[str, dict[str, Any]]:
        return {
            i.criterion_id: {"rating": i.rating.value if i.rating else None, "evidence": i.evidence, "note": i.note}
            for i in self.ratings if i.rating is not None or i.evidence or i.note or self.review_id
        }

    def _store(self, review_id: str | None, answers: dict[str, dict[str, Any]]) -> tuple[str, Review]:
        """Record the review, or change the recorded one (runs in a worker)."""
        if review_id is None:
            return self.service.record_review(self.subject_type, self.subject_id, answers)
        return "updated", self.service.rate(review_id, answers, revision=self.review_revisions.get(review_id, 0))

    def _stored_review(self, review_id: str) -> tuple[Review, int]:
        """The review as stored now with its revision, read together (runs in a worker)."""
        record, revision = self.service.read_record(REVIEWS_TABLE, review_id)
        return Review.model_validate(record), revision or 0

    def action_save(self) -> None:
        self.save_review(self.review_id, self._answers())

    @background("review-save")
    def save_review(self, review_id: str | None, answers: dict[str, dict[str, Any]]) -> None:
        status, review = self._store(review_id, answers)
        stored, revision = self._stored_review(review.review_id)
        self.post_message(ReviewSaved(stored if status != "unchanged" else review, status, revision=revision))

    def on_review_saved(self, message: ReviewSaved) -> None:
        review = message.review
        if message.status == "unchanged":
            self.notify("The same answers were already recorded today; nothing new to save.")
            return
        self.reviews[review.review_id] = review
        self.review_revisions[review.review_id] = message.revision
        self.review_id = review.review_id
        self.ratings = list(review.ratings)
        self.dirty = False
        self._refresh_choices()
        if message.risk_id:
            self._build_checklist_keeping_cursor()
            self.notify(f"Risk {message.risk_id} opened from the gap; assess it on the Risks tab.")
        else:
            self.notify(f"Review {review.review_id} {message.status} ({review.status.replace('_', ' ')})")
        self._update_panel()
        self.app.post_message(RegisterChanged())

    def _build_checklist_keeping_cursor(self) -> None:
        checklist = self.query_one("#checklist", OptionList)
        highlighted = checklist.highlighted
        self._build_checklist()
        checklist.highlighted = highlighted

    # --- a risk from a gap ---------------------------------------------------------------------
    def action_open_risk(self) -> None:
        item = self.current_item()
        if item is None:
            return
        if item not in gaps(self.draft()):
            self.notify(f"{item.criterion_id} is not a gap: only a must rated not met or partly met is.", severity="warning")
            return
        if item.risk_id:
            self.notify(f"{item.criterion_id} already has risk {item.risk_id}.", severity="warning")
            return
        method = self.method
        likelihood, consequences = sensible_gap_levels(item, self.criticality, method)
        title = f"Open a risk from gap {item.criterion_id} of {self.subject_name}"

        def chosen(levels: tuple[int, dict[str, int]] | None) -> None:
            if levels is not None:
                # The gap must be recorded before a risk can point at it: what is on screen is saved first.
                answers = self._answers() if self.dirty or self.review_id is None else None
                self.open_gap_risk(self.review_id, answers, item.criterion_id, *levels)

        self.app.push_screen(GapRiskScreen(title, method, likelihood, consequences), chosen)

    @background("review-save")
    def open_gap_risk(self, review_id: str | None, answers: dict[str, dict[str, Any]] | None, criterion_id: str,
                      likelihood: int, consequences: dict[str, int]) -> None:
        if answers is not None:
            status, review = self._store(review_id, answers)
            if status == "unchanged":
                raise RegisterError("these answers are already recorded today; open that review to take a risk from its gap")
            review_id = review.review_id
        assert review_id is not None
        risk = self.service.open_risk_from_gap(review_id, criterion_id, likelihood=likelihood, consequences=consequences)
        review, revision = self._stored_review(review_id)
        self.post_message(ReviewSaved(review, "updated", risk.risk_id, revision))

    # --- leaving -------------------------------------------------------------------------------
    def has_unsaved_changes(self) -> bool:
        return self.dirty

    @property
    def unsaved_title(self) -> str:
        return f"ratings of the review of {self.subject_id}"

    def action_close(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#checklist", OptionList).focus()
            return
        if self.dirty and not self._discard_warned:
            self._discard_warned = True
            self.notify("Unsaved ratings: ctrl+s saves them, escape again leaves without saving.", severity="warning")
            return
        self.dismiss(None)

    def on_problem(self, message: Problem) -> None:
        message.stop()
        self.query_one("#review-status", Label).update(message.text)
        self.notify(message.text, severity="error")
