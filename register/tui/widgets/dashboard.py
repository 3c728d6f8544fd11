"""The dashboard: a 5 × 5 heat map (inherent or residual), band counts, overdue reviews and
the extra-hemispheric suppliers with the worst residual scores."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Label, Static

from register.domain.dashboard import HEAT_MODES
from register.domain.text import terminal_safe
from register.tui.snapshot import RegisterSnapshot

LEVELS = (1, 2, 3, 4, 5)


class HeatCell(Static, can_focus=True):
    BINDINGS = [Binding("enter", "choose", "Filter risks", id="heat.choose")]

    class Chosen(Message):
        def __init__(self, likelihood: int, consequence: int) -> None:
            super().__init__()
            self.likelihood = likelihood
            self.consequence = consequence

    def __init__(self, likelihood: int, consequence: int) -> None:
        super().__init__("", id=f"heat-{likelihood}-{consequence}", classes="heat-cell")
        self.likelihood = likelihood
        self.consequence = consequence

    def action_choose(self) -> None:
        self.post_message(self.Chosen(self.likelihood, self.consequence))

    def on_click(self) -> None:
        self.action_choose()


class Dashboard(Vertical):
    BINDINGS = [Binding("t", "toggle_mode", "Inherent/residual", id="dashboard.toggle")]

    mode: reactive[str] = reactive("residual")

    class CellChosen(Message):
        def __init__(self, mode: str, likelihood: int, consequence: int, risk_ids: list[str]) -> None:
            super().__init__()
            self.mode = mode
            self.likelihood = likelihood
            self.consequence = consequence
            self.risk_ids = risk_ids

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.snapshot: RegisterSnapshot | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="dashboard-top"):
            with Vertical(id="heat-panel"):
                yield Label("", id="heat-title")
                with Grid(id="heat-map"):
                    for likelihood in reversed(LEVELS):
                        yield Label(f"L{likelihood}", classes="heat-axis")
                        for consequence in LEVELS:
                            yield HeatCell(likelihood, consequence)
                    yield Label("", classes="heat-axis")
                    for consequence in LEVELS:
                        yield Label(f"C{consequence}", classes="heat-axis")
            with Vertical(id="band-panel"):
                yield Label("Open risks by residual band", classes="panel-title")
                yield Static("", id="band-counts")
        with Horizontal(id="dashboard-bottom"):
            with VerticalScroll(id="overdue-panel"):
                yield Label("Overdue reviews", classes="panel-title")
                yield Static("", id="overdue")
            with VerticalScroll(id="exposure-panel"):
                yield Label("Top extra-hemispheric exposure", classes="panel-title")
                yield Static("", id="exposure")

    def load(self, snapshot: RegisterSnapshot) -> None:
        self.snapshot = snapshot
        self._paint()

    def watch_mode(self) -> None:
        self._paint()

    def action_toggle_mode(self) -> None:
        self.mode = HEAT_MODES[1 - HEAT_MODES.index(self.mode)]

    def _paint(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or not self.is_mounted:
            return
        board = snapshot.dashboard
        self.query_one("#heat-title", Label).update(f"Heat map — {self.mode} (t toggles; enter filters the risk list)")
        for cell in self.query(HeatCell):
            count = len(board.cells.get((self.mode, cell.likelihood, cell.consequence), []))
            cell.update(str(count) if count else "·")
            band = snapshot.cell_band(cell.likelihood, cell.consequence)
            cell.set_classes(f"heat-cell band-{band}")
        labels = {b.id: b.label for b in snapshot.method.bands}
        counts = [f"{labels[band]:<10}{count:>6}" for band, count in board.band_counts.known.items()]
        counts += [f"{band} (other method){count:>6}" for band, count in board.band_counts.unknown.items()]
        if board.acceptances:
            accepted = board.acceptances
            counts += ["", "Acceptances", *(f"{label:<14}{accepted.get(state, 0):>2}" for state, label in
                                             (("valid", "valid"), ("expired", "expired"), ("not_permitted", "not permitted")))]
        self.query_one("#band-counts", Static).update("\n".join(counts))
        overdue = [f"{o.risk_id:<12} {o.subject_id:<16} due {o.due.isoformat()}  {o.band}" for o in board.overdue]
        self.query_one("#overdue", Static).update("\n".join(overdue) or "None overdue.")
        exposure = [f"{e.supplier_id:<10} {terminal_safe(e.name)[:28]:<28} {e.countries:<8} {e.worst_residual:>3} {e.band}"
                    for e in board.exposure]
        self.query_one("#exposure", Static).update(Content("\n".join(exposure) or "No assessed extra-hemispheric suppliers."))

    @on(HeatCell.Chosen)
    def _cell_chosen(self, event: HeatCell.Chosen) -> None:
        event.stop()
        if self.snapshot is None:
            return
        risk_ids = self.snapshot.dashboard.cells.get((self.mode, event.likelihood, event.consequence), [])
        self.post_message(self.CellChosen(self.mode, event.likelihood, event.consequence, list(risk_ids)))
