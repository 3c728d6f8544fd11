"""The terminal app: browse, filter, assess, import and export a register from the keyboard.

Every read and write goes through RegisterService. Opening, reloading, saving, deleting,
importing and exporting run in thread workers that post messages; the handlers of those
messages own the app's state. Screens are imported when first opened: the Markdown help
alone would add 0.1 s to every launch.
"""

from __future__ import annotations

import gc
import re
from datetime import datetime
from pathlib import Path
from typing import Callable

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Footer, Header, Label, TabbedContent, TabPane

from register.domain.models import RecordKind
from register.paths import default_export_folder
from register.service import SCREENING_DECISIONS_TABLE, RegisterService
from register.tui.commands import RegisterCommands
from register.tui.messages import Problem, RegisterChanged
from register.tui.snapshot import RegisterSnapshot, heat_rows, record_rows, take_snapshot
from register.tui.table_data import SUBJECT_TYPES
from register.tui.widgets.dashboard import Dashboard
from register.tui.widgets.record_browser import RecordBrowser
from register.tui.workers import ReportsWorkerFailures, background

TABS = ("suppliers", "interconnections", "risks", "dashboard", "incidents")


class RegisterLoaded(Message):
    def __init__(self, service: RegisterService, snapshot: RegisterSnapshot) -> None:
        super().__init__()
        self.service = service
        self.snapshot = snapshot


class RecordDeleted(Message):
    def __init__(self, kind: RecordKind, record_id: str) -> None:
        super().__init__()
        self.kind = kind
        self.record_id = record_id


class ReferencesChecked(Message):
    def __init__(self, kind: RecordKind, record_id: str, revision: int | None, references: list[str]) -> None:
        super().__init__()
        self.kind = kind
        self.record_id = record_id
        self.revision = revision
        self.references = references


class SupplierOffboarded(Message):
    def __init__(self, supplier_id: str) -> None:
        super().__init__()
        self.supplier_id = supplier_id


class RegisterApp(ReportsWorkerFailures, App[None]):
    TITLE = "register"
    CSS_PATH = ["app.tcss", "widgets/virtual_table.tcss", "widgets/dashboard.tcss", "screens/forms.tcss"]
    COMMANDS = App.COMMANDS | {RegisterCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("slash", "focus_filter", "Filter", id="app.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="app.clear_filter"),
        Binding("a", "add", "Add", id="app.add"),
        Binding("e", "edit", "Edit", id="app.edit"),
        Binding("d", "delete", "Delete", id="app.delete"),
        Binding("n", "assess", "Assess", id="app.assess"),
        Binding("r", "review", "Review", id="app.review"),
        Binding("p", "statement", "Partners (SoA)", id="app.statement"),
        Binding("i", "import_file", "Import", id="app.import"),
        Binding("x", "export_workbook", "Export", id="app.export"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="app.reload"),
        *(Binding(str(n), f"show_tab('{tab}')", tab.title(), show=False, id=f"app.tab.{tab}") for n, tab in enumerate(TABS, start=1)),
    ]

    # Actions of the main screen; on a form or dialog their keys belong to that screen.
    MAIN_SCREEN_ACTIONS = frozenset({
        "focus_filter", "clear_filter", "add", "edit", "delete", "assess", "import_file", "export_workbook",
        "show_tab", "open_current", "sort_current", "toggle_heat_mode", "reload", "review", "statement",
    })

    def __init__(self, db_path: Path, *, actor: str | None = None, clock: Callable[[], datetime] | None = None,
                 workdir: Path | None = None, export_folder: Path | None = None) -> None:
        super().__init__()
        self.db_path = db_path
        # The file's name, or the database (and schema) of a PostgreSQL register.
        self.db_name = RegisterService.location_name(db_path)
        self.actor = actor
        self.clock = clock
        self.workdir = workdir or Path.cwd()
        # Where exports go unless the user says (default: paths.default_export_folder).
        self.export_folder = export_folder
        self.service: RegisterService | None = None
        self.snapshot: RegisterSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs", initial="suppliers"):
            for kind in (RecordKind.suppliers, RecordKind.interconnections, RecordKind.risks):
                with TabPane(kind.value.title(), id=kind.value):
                    yield RecordBrowser(kind, id=f"browser-{kind.value}")
            with TabPane("Dashboard", id="dashboard"):
                yield Dashboard(id="dashboard-view")
            # ISO 28001 5.7: incidents at suppliers or on ties, which call their risks back for re-assessment.
            with TabPane("Incidents", id=RecordKind.incidents.value):
                yield RecordBrowser(RecordKind.incidents, id=f"browser-{RecordKind.incidents.value}")
        yield Label(f"Opening {self.db_name}…", id="status-line")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.MAIN_SCREEN_ACTIONS and self.screen is not self.screen_stack[0]:
            return False
        return True

    def on_mount(self) -> None:
        self.sub_title = self.db_name
        self.load_register()

    # --- loading -------------------------------------------------------------------------------
    @background("load")
    def load_register(self) -> None:
        # Parsing a big register makes millions of objects, and the collector would walk
        # them again and again while they arrive (2-3× the parse time at 50,000 records).
        # It stays paused until settle_after_load has collected once, after the first paint.
        gc.disable()
        try:
            service = self.service
            if service is None:
                options = {"clock": self.clock} if self.clock else {}
                service = RegisterService.open(self.db_path, actor=self.actor, **options)
            snapshot = take_snapshot(service)
        except BaseException:
            gc.enable()
            raise
        self.post_message(RegisterLoaded(service, snapshot))

    def on_register_loaded(self, message: RegisterLoaded) -> None:
        first = self.snapshot is None
        self.service, self.snapshot = message.service, message.snapshot
        for browser in self.query(RecordBrowser).results(RecordBrowser):
            browser.load(message.snapshot)
        self.query_one(Dashboard).load(message.snapshot)
        counts = ", ".join(f"{t.total:,} {k.value}" for k, t in message.snapshot.tables.items())
        if message.snapshot.offboarded:
            counts += f" ({message.snapshot.offboarded:,} offboarded suppliers not shown)"
        self.sub_title = f"{message.snapshot.name} — {self.db_name}"
        self.query_one("#status-line", Label).update(f"{counts} · method {message.snapshot.method.method_version} · ? help · ctrl+p commands")
        if first:
            self.current_browser().table.focus()
        # Both hold the interpreter for a moment: start them once the tables are painted.
        self.call_after_refresh(self.settle_after_load, message.snapshot)

    @background("after-load")
    def settle_after_load(self, snapshot: RegisterSnapshot) -> None:
        for table in snapshot.tables.values():
            table.prepare_filter()  # so the first keystroke does not pay for it
        # A full garbage collection walks every object of a big register (about 0.3 s at
        # 50,000 records), a stall that would otherwise land in the middle of typing.
        # Collect once now and freeze what is loaded so later collections skip it;
        # unfreeze first so a snapshot that was just replaced can still be freed.
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        gc.enable()

    async def action_quit(self) -> None:
        """Quit; when a form or a review holds unsaved work, ask first (ctrl+q again, or y, quits)."""
        from register.tui.screens.confirm import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen) and getattr(self.screen, "quitting", False):
            self.exit()
            return
        unsaved = [screen for screen in self.screen_stack if getattr(screen, "has_unsaved_changes", lambda: False)()]
        if not unsaved:
            self.exit()
            return
        where = "; ".join(str(getattr(screen, "unsaved_title", type(screen).__name__)) for screen in unsaved)

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        question = ConfirmScreen(f"Unsaved changes: {where}. Quit and lose them? (n or escape goes back; ctrl+s there saves)")
        question.quitting = True  # type: ignore[attr-defined]
        self.push_screen(question, answered)

    def on_problem(self, message: Problem) -> None:
        self.query_one("#status-line", Label).update(message.text)
        self.notify(message.text, severity="error")

    def action_reload(self) -> None:
        self.load_register()

    def on_register_changed(self, message: RegisterChanged) -> None:
        self.load_register()

    # --- where we are --------------------------------------------------------------------------
    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    def current_kind(self) -> RecordKind | None:
        return RecordKind(self.active_tab) if self.active_tab != "dashboard" else None

    def current_browser(self) -> RecordBrowser:
        kind = self.current_kind() or RecordKind.risks
        return self.query_one(f"#browser-{kind.value}", RecordBrowser)

    def _current_record(self) -> tuple[RecordKind, str, dict] | None:
        kind = self.current_kind()
        if kind is None or self.snapshot is None:
            return None
        record_id = self.current_browser().table.current_id
        if record_id is None:
            return None
        return kind, record_id, self.snapshot.stored[kind][record_id]

    def _has_register(self) -> bool:
        if self.service is None or self.snapshot is None:
            self.notify("The register is still opening.", severity="warning")
            return False
        return True

    # --- navigation ----------------------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab == "dashboard":
            self.query_one("#heat-5-5").focus()
        else:
            self.current_browser().table.focus()

    def action_focus_filter(self) -> None:
        if self.current_kind() is None:
            self.action_show_tab("risks")
        self.current_browser().filter_input.focus()

    def action_sort_current(self) -> None:
        if self.current_kind() is not None:
            self.current_browser().table.action_sort()

    def action_clear_filter(self) -> None:
        if self.current_kind() is not None:
            self.current_browser().clear_filter()

    def action_toggle_heat_mode(self) -> None:
        self.action_show_tab("dashboard")
        self.query_one(Dashboard).action_toggle_mode()

    def action_help(self) -> None:
        from register.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if self.current_kind() is not None:
            self.current_browser().table.focus()

    @on(Dashboard.CellChosen)
    def _heat_cell_chosen(self, event: Dashboard.CellChosen) -> None:
        if self.snapshot is None:
            return
        self.query_one(TabbedContent).active = "risks"
        browser = self.query_one("#browser-risks", RecordBrowser)
        browser.restrict(heat_rows(self.snapshot, event.risk_ids), f"{event.mode} L{event.likelihood}×C{event.consequence} (escape clears)")
        browser.table.focus()

    @on(Dashboard.AttentionChosen)
    def _attention_chosen(self, event: Dashboard.AttentionChosen) -> None:
        """Open the records behind an attention entry: their tab, showing only them."""
        if self.snapshot is None:
            return
        entry = event.entry
        kind = RecordKind(entry.kind)
        self.query_one(TabbedContent).active = kind.value
        browser = self.query_one(f"#browser-{kind.value}", RecordBrowser)
        browser.restrict(record_rows(self.snapshot, kind, entry.ids), f"{entry.title} (escape clears)")
        browser.table.focus()

    # --- records -------------------------------------------------------------------------------
    @on(RecordBrowser.Opened)
    def _opened(self, event: RecordBrowser.Opened) -> None:
        self.action_open_current()

    def action_open_current(self) -> None:
        current = self._current_record()
        if current is None or self.snapshot is None:
            return
        kind, record_id, record = current
        from register.tui.screens.record import RecordScreen

        self.push_screen(RecordScreen(kind, record_id, record, self.snapshot.method, service=self.service,
                                      decisions=self.snapshot.revisions.get(SCREENING_DECISIONS_TABLE, {}),
                                      hits=self.snapshot.hits.get(record_id), standing=self.snapshot.standings.get(record_id)))

    def _after_save(self, record_id: str | None) -> None:
        if record_id:
            self.load_register()

    def action_add(self) -> None:
        kind = self.current_kind()
        if not self._has_register() or kind is None:
            return
        assert self.service is not None and self.snapshot is not None
        if kind is RecordKind.risks:
            self.action_assess()
        else:
            from register.tui.screens.edit import EditScreen

            self.push_screen(EditScreen(self.service, kind), self._after_save)

    def action_edit(self) -> None:
        current = self._current_record()
        if not self._has_register() or current is None:
            return
        assert self.service is not None and self.snapshot is not None
        kind, record_id, record = current
        from register.tui.screens.assessment import AssessmentScreen
        from register.tui.screens.edit import EditScreen

        # The form saves against the revision of what it shows: a change made meanwhile by
        # anyone else is refused, never silently overwritten.
        revision = self.snapshot.revisions[kind].get(record_id, 0)
        if kind is RecordKind.risks:
            self.push_screen(AssessmentScreen(self.service, self.snapshot, risk=record, revision=revision), self._after_save)
        else:
            self.push_screen(EditScreen(self.service, kind, record, revision=revision), self._after_save)

    def action_assess(self) -> None:
        if not self._has_register():
            return
        assert self.service is not None and self.snapshot is not None
        from register.tui.screens.assessment import AssessmentScreen

        current = self._current_record()
        subject = None
        if current is not None and current[0] in SUBJECT_TYPES:
            subject = (SUBJECT_TYPES[current[0]], current[1])
        self.push_screen(AssessmentScreen(self.service, self.snapshot, subject=subject), self._after_save)

    def action_delete(self) -> None:
        """Delete the highlighted record: its references are checked first (in a worker), so
        a record still in use is never offered for deletion; a supplier can be offboarded."""
        current = self._current_record()
        if not self._has_register() or current is None:
            return
        kind, record_id, _ = current
        revision = self.snapshot.revisions[kind].get(record_id, 0) if self.snapshot else None
        self.check_references(kind, record_id, revision)

    @background("references")
    def check_references(self, kind: RecordKind, record_id: str, revision: int | None) -> None:
        assert self.service is not None
        self.post_message(ReferencesChecked(kind, record_id, revision, self.service.references(kind, record_id)))

    def on_references_checked(self, message: ReferencesChecked) -> None:
        from register.tui.screens.choice import ChoiceScreen

        kind, record_id, revision, users = message.kind, message.record_id, message.revision, message.references
        noun = kind.value[:-1]
        named = ", ".join(users[:6]) + (f" and {len(users) - 6} more" if len(users) > 6 else "")
        today = self.snapshot.today.isoformat() if self.snapshot else ""
        offboard_note = (f"Offboarding marks it offboarded on {today}: it leaves the active views and exposure "
                         "figures, and keeps its risks, reviews and history.")

        def answered(answer: str | None) -> None:
            if answer == "delete":
                self.delete_record(kind, record_id, revision)
            elif answer == "offboard":
                self.offboard_supplier(record_id, revision)

        if users and kind is not RecordKind.suppliers:
            self.notify(f"{record_id} cannot be deleted: {named} refer to it. Change or delete those first.",
                        severity="warning", timeout=8)
            return
        if users:
            self.push_screen(ChoiceScreen(
                f"{record_id} cannot be deleted: {named} refer to it. Offboard it instead? {offboard_note}",
                [("offboard", "o", "Offboard", "warning"), ("cancel", "n", "Cancel", "primary")]), answered)
            return
        choices = [("delete", "y", "Delete", "error")]
        question = f"Delete {noun} {record_id}? The deletion is recorded in the audit log."
        if kind is RecordKind.suppliers:
            choices.append(("offboard", "o", "Offboard instead", "warning"))
            question += f" Or offboard it: {offboard_note}"
        choices.append(("cancel", "n", "Cancel", "primary"))
        self.push_screen(ChoiceScreen(question, choices), answered)

    @background("save")
    def offboard_supplier(self, supplier_id: str, revision: int | None) -> None:
        assert self.service is not None
        self.service.offboard(supplier_id, revision=revision)
        self.post_message(SupplierOffboarded(supplier_id))

    def on_supplier_offboarded(self, message: SupplierOffboarded) -> None:
        self.notify(f"{message.supplier_id} offboarded: its history is kept")
        self.load_register()

    @background("save")
    def delete_record(self, kind: RecordKind, record_id: str, revision: int | None = None) -> None:
        assert self.service is not None
        self.service.delete(kind, record_id, revision=revision)
        self.post_message(RecordDeleted(kind, record_id))

    def on_record_deleted(self, message: RecordDeleted) -> None:
        self.notify(f"{message.record_id} deleted")
        self.load_register()

    # --- ISO 28001 business partners: reviews and the Statement of Application -----------------
    def action_review(self) -> None:
        current = self._current_record()
        if not self._has_register():
            return
        if current is None or current[0] not in SUBJECT_TYPES:
            self.notify("Highlight a supplier or an interconnection to review it.", severity="warning")
            return
        assert self.service is not None and self.snapshot is not None
        kind, record_id, record = current
        from register.tui.screens.review import ReviewScreen

        self.push_screen(ReviewScreen(self.service, self.snapshot.method, SUBJECT_TYPES[kind], record_id, record.get("name", ""),
                                      criticality=record.get("criticality")))

    def action_statement(self) -> None:
        if not self._has_register():
            return
        assert self.service is not None
        from register.tui.screens.partners import StatementScreen

        self.push_screen(StatementScreen(self.service))

    # --- files ---------------------------------------------------------------------------------
    def action_import_file(self) -> None:
        if not self._has_register():
            return
        assert self.service is not None

        def done(written: bool | None) -> None:
            if written:
                self.load_register()

        from register.tui.screens.import_screen import ImportScreen

        self.push_screen(ImportScreen(self.service, self.workdir), done)

    def action_export_workbook(self) -> None:
        if not self._has_register():
            return
        assert self.service is not None and self.snapshot is not None
        slug = re.sub(r"[^A-Za-z0-9]+", "-", self.snapshot.name).strip("-").lower() or "register"
        folder = self.export_folder or default_export_folder(self.db_path)
        default = folder / f"{slug}-{self.snapshot.today.isoformat()}.xlsx"
        from register.tui.screens.export import ExportScreen

        self.push_screen(ExportScreen(self.service, default, as_of=self.snapshot.today, preparer=self.service.actor))


def run_app(db_path: Path, *, actor: str | None = None) -> None:
    RegisterApp(db_path, actor=actor).run()
