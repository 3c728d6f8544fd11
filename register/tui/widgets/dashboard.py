"""The dashboard: what needs attention (each entry opens the records behind it), a 5 × 5 heat
map (inherent or residual) whose cells the arrow keys move between and enter opens, open
risks by band, and the extra-hemispheric suppliers with the worst residual scores."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from register.domain.dashboard import HEAT_MODES, AttentionEntry
from register.domain.text import terminal_safe
from register.tui.snapshot import RegisterSnapshot

LEVELS = (1, 2, 3, 4, 5)
# Lines of an attention entry's records shown under the list (the records tab shows them all).
NOTES_SHOWN = 50
COUNT_WIDTH = 5
# Below this height the heat map's cells take two rows instead of three.
SHORT_HEIGHT = 30


class HeatCell(Static, can_focus=True):
    BINDINGS = [
        Binding("enter", "choose", "Open risks", id="heat.choose"),
        Binding("up", "move(1, 0)", "Up", show=False),
        Binding("down", "move(-1, 0)", "Down", show=False),
        Binding("left", "move(0, -1)", "Left", show=False),
        Binding("right", "move(0, 1)", "Right", show=False),
    ]

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

    def action_move(self, likelihood: int, consequence: int) -> None:
        """Likelihood grows upwards, consequence to the right; past C5 is the attention list."""
        target_c = self.consequence + consequence
        if target_c > LEVELS[-1]:
            self.screen.query_one("#attention", OptionList).focus()
            return
        target_l = min(max(self.likelihood + likelihood, LEVELS[0]), LEVELS[-1])
        self.screen.query_one(f"#heat-{target_l}-{max(target_c, LEVELS[0])}", HeatCell).focus()

    def on_click(self) -> None:
        self.action_choose()


class AttentionList(OptionList):
    BINDINGS = [Binding("left", "back_to_heat_map", "Heat map", show=False)]

    def action_back_to_heat_map(self) -> None:
        self.screen.query_one("#heat-3-5", HeatCell).focus()


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

    class AttentionChosen(Message):
        """Enter on an attention entry: open the records behind it."""

        def __init__(self, entry: AttentionEntry) -> None:
            super().__init__()
            self.entry = entry

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
            with Vertical(id="attention-panel"):
                yield Label("Needs attention (enter opens)", classes="panel-title")
                yield AttentionList(id="attention")
                yield Label("Open risks by residual band", classes="panel-title")
                yield Static("", id="band-counts")
        with Horizontal(id="dashboard-bottom"):
            with VerticalScroll(id="attention-notes-panel"):
                yield Label("", id="attention-notes-title", classes="panel-title")
                yield Static("", id="attention-notes")
            with VerticalScroll(id="exposure-panel"):
                yield Label("Top extra-hemispheric exposure", classes="panel-title")
                yield Static("", id="exposure")

    def on_resize(self) -> None:
        self.set_class(self.app.size.height < SHORT_HEIGHT, "-short")

    def load(self, snapshot: RegisterSnapshot) -> None:
        self.snapshot = snapshot
        self._paint()

    def watch_mode(self) -> None:
        self._paint()

    def action_toggle_mode(self) -> None:
        self.mode = HEAT_MODES[1 - HEAT_MODES.index(self.mode)]

    @property
    def entries(self) -> list[AttentionEntry]:
        return self.snapshot.dashboard.attention if self.snapshot is not None else []

    def _paint(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or not self.is_mounted:
            return
        board = snapshot.dashboard
        self.query_one("#heat-title", Label).update(f"Heat map — {self.mode} (t toggles)")
        for cell in self.query(HeatCell):
            count = len(board.cells.get((self.mode, cell.likelihood, cell.consequence), []))
            cell.update(str(count) if count else "·")
            band = snapshot.cell_band(cell.likelihood, cell.consequence)
            cell.set_classes(f"heat-cell band-{band}")
        self._paint_attention()
        labels = {b.id: b.label for b in snapshot.method.bands}
        counts = [f"{labels[band]} {count}" for band, count in board.band_counts.known.items()]
        counts += [f"{band} (other method) {count}" for band, count in board.band_counts.unknown.items()]
        lines = [" · ".join(counts)]
        if board.acceptances:
            accepted = board.acceptances
            lines.append("Acceptances: " + " · ".join(f"{label} {accepted.get(state, 0)}" for state, label in
                                                      (("valid", "valid"), ("expired", "expired"),
                                                       ("not_permitted", "not permitted"))))
        self.query_one("#band-counts", Static).update(Content("\n".join(lines)))
        exposure = [f"{e.supplier_id:<10} {terminal_safe(e.name)[:28]:<28} {e.countries:<8} {e.worst_residual:>3} {e.band}"
                    for e in board.exposure]
        self.query_one("#exposure", Static).update(Content("\n".join(exposure) or "No assessed extra-hemispheric suppliers."))

    def _paint_attention(self) -> None:
        attention = self.query_one("#attention", AttentionList)
        highlighted = attention.highlighted
        attention.clear_options()
        attention.add_options([
            # Figure spaces align the counts: leading plain spaces would be trimmed when wrapping.
            Option(Content.assemble((f"{entry.count:,}".rjust(COUNT_WIDTH, "\u2007"), "bold" if entry.count else "dim"),
                                    f" {entry.title}"), id=entry.key)
            for entry in self.entries
        ])
        if self.entries:
            attention.highlighted = min(highlighted or 0, len(self.entries) - 1)
        self._show_notes(attention.highlighted)

    def _show_notes(self, index: int | None) -> None:
        entries = self.entries
        title = self.query_one("#attention-notes-title", Label)
        notes = self.query_one("#attention-notes", Static)
        if index is None or not 0 <= index < len(entries):
            title.update("")
            notes.update("")
            return
        entry = entries[index]
        title.update(Content(entry.title))
        lines = [f"{terminal_safe(record_id)}  {terminal_safe(note)}"
                 for record_id, note in list(zip(entry.ids, entry.notes))[:NOTES_SHOWN]]
        if entry.count > NOTES_SHOWN:
            lines.append(f"… and {entry.count - NOTES_SHOWN:,} more (enter lists them all)")
        notes.update(Content("\n".join(lines) or "Nothing needs this attention."))

    @on(OptionList.OptionHighlighted, "#attention")
    def _attention_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_notes(event.option_index)

    @on(OptionList.OptionSelected, "#attention")
    def _attention_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entries = self.entries
        if 0 <= event.option_index < len(entries):
            entry = entries[event.option_index]
            if entry.count == 0:
                self.app.notify(f"{entry.title}: none.", title="Nothing to open")
                return
            self.post_message(self.AttentionChosen(entry))

    @on(HeatCell.Chosen)
    def _cell_chosen(self, event: HeatCell.Chosen) -> None:
        event.stop()
        if self.snapshot is None:
            return
        risk_ids = self.snapshot.dashboard.cells.get((self.mode, event.likelihood, event.consequence), [])
        if not risk_ids:
            # Filtering to an empty list would only look like a lost register.
            self.app.notify(f"No open risks in L{event.likelihood}×C{event.consequence} on the {self.mode} map.",
                            title="Empty cell")
            return
        self.post_message(self.CellChosen(self.mode, event.likelihood, event.consequence, list(risk_ids)))
