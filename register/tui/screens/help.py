"""`?`: every key of the app and what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP_TEXT = """\
# register — keys

| Key | Action |
|---|---|
| `1` `2` `3` `4` | Suppliers, Interconnections, Risks, Dashboard |
| `/` | Filter the current table (typing filters as you type) |
| `escape` | Clear the filter (and a heat-map selection) |
| `↑` `↓` `PgUp` `PgDn` `Home` `End` | Move the cursor |
| `←` `→`, then `s` | Choose a column, sort by it (again: reverse); or click a header |
| `enter` | Open the highlighted record |
| `a` | Add a record (on Risks: a new assessment) |
| `e` | Edit the highlighted record (a risk opens its assessment) |
| `d` | Delete the highlighted record, after confirmation |
| `n` | New risk assessment |
| `r` | Review the highlighted supplier or interconnection against the ISO 28001 criteria |
| `p` | Statement of Application: every business partner, its status, basis and dates |
| `t` | Dashboard: toggle the heat map between inherent and residual |
| `i` | Import a spreadsheet |
| `x` | Export the auditor workbook |
| `ctrl+r` | Reload the register from disk |
| `ctrl+p` | Command palette: every action, and themes |
| `?` | This help |
| `ctrl+q` | Quit |

In forms: `ctrl+s` saves, `escape` goes back. Every change goes through the register's
service, so it is validated and written to the audit log.

**Suppliers** show their screening hit (⚑ potential in the warning colour, ⚑ confirmed in the
error colour) and ISO 28001 partner status; the detail pane gives the basis and every hit.
On a supplier's full record (`enter`): `c` confirms and `x` dismisses the highlighted hit,
after asking for the reason that goes into the audit log.

**Review** (`r`): `↑` `↓` choose a criterion; `1` met, `2` partly met, `3` not met,
`4` not applicable, `0` clear; `ctrl+e` evidence and note (`enter` back to the list);
`g` opens a risk from the highlighted gap (asks likelihood and consequences);
`ctrl+s` saves the review; the list at the top opens an earlier review.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(HELP_TEXT)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
