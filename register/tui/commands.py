"""Command-palette entries: one for every action of the app.

On the main screen the palette lists APP_COMMANDS; on a form or dialog it lists that
screen's own keys (save, cancel, add countermeasure, commit import, …).
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (palette text, app action, help). Keys are in the footer and on the help screen.
APP_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Show suppliers", "show_tab('suppliers')", "Suppliers tab (1)"),
    ("Show interconnections", "show_tab('interconnections')", "Interconnections tab (2)"),
    ("Show risks", "show_tab('risks')", "Risks tab (3)"),
    ("Show dashboard", "show_tab('dashboard')", "Heat map, band counts, overdue reviews, exposure (4)"),
    ("Filter the table", "focus_filter", "Type to filter the current table (/)"),
    ("Clear the filter", "clear_filter", "Show every row again (escape)"),
    ("Open the highlighted record", "open_current", "Every field of the record (enter)"),
    ("Sort by the highlighted column", "sort_current", "Choose the column with ← →; again reverses (s)"),
    ("Add a record", "add", "New supplier or interconnection; on Risks a new assessment (a)"),
    ("Edit the highlighted record", "edit", "Edit form; a risk opens its assessment (e)"),
    ("Delete the highlighted record", "delete", "Asks first; recorded in the audit log (d)"),
    ("New risk assessment", "assess", "Subject, scenario, likelihood, consequences, countermeasures (n)"),
    ("Review the highlighted supplier or interconnection", "review",
     "ISO 28001 4.5 performance review: criteria checklist, ratings, conformance, gaps (r)"),
    ("Statement of Application", "statement", "ISO 28001 4.1–4.5: every business partner with status and basis (p)"),
    ("Screening hits: open the highlighted supplier", "open_current",
     "Its hits with entity, list, score, caveat; c confirms, x dismisses with a reason (enter)"),
    ("Toggle heat map inherent/residual", "toggle_heat_mode", "Dashboard heat map (t)"),
    ("Import a spreadsheet", "import_file", "Pick a file, check the mapping, preview, commit (i)"),
    ("Export the auditor workbook", "export_workbook", "Write the .xlsx workbook for auditors (x)"),
    ("Reload the register", "reload", "Read the register file again (ctrl+r)"),
    ("Help: keys", "help", "Every key of the app (?)"),
    ("Quit", "quit", "Leave the app (ctrl+q)"),
)


class RegisterCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        app = self.app
        if self.screen is app.screen_stack[0]:
            for text, action, help_text in APP_COMMANDS:
                yield text, partial(app.run_action, action), help_text
            return
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if binding.description and active.enabled and binding.action != "quit":
                yield binding.description, partial(app.run_action, binding.action, active.node), f"key: {key}"

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)
