"""A question with a few named answers, each on a key; escape answers None (nothing done)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from register.domain.text import terminal_safe


class ChoiceScreen(ModalScreen[str | None]):
    """`choices`: (answer, key, label, variant); the first "primary" one has the focus."""

    BINDINGS = [Binding("escape", "answer(None)", "Cancel")]

    def __init__(self, question: str, choices: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self.question = question
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(terminal_safe(self.question), id="confirm-question", markup=False)
            with Horizontal(id="confirm-buttons"):
                for answer, key, label, variant in self.choices:
                    yield Button(f"{label} ({key})", variant=variant, id=f"choice-{answer}")  # type: ignore[arg-type]

    def on_mount(self) -> None:
        focus = next((answer for answer, _, _, variant in self.choices if variant == "primary"), self.choices[-1][0])
        self.query_one(f"#choice-{focus}", Button).focus()

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        for answer, key, _, _ in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(answer)
                return

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(str(event.button.id).removeprefix("choice-"))
