"""Messages that thread workers post to the screen that started them."""

from __future__ import annotations

from textual.message import Message


class Problem(Message):
    """Work failed with a one-line reason the user can act on."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class Progress(Message):
    """`done` of `total` steps (total 0 when unknown)."""

    def __init__(self, done: int, total: int = 0) -> None:
        super().__init__()
        self.done = done
        self.total = total


class Finished(Message):
    """Work finished; `result` is what it produced (a report, a path)."""

    def __init__(self, result: object) -> None:
        super().__init__()
        self.result = result


class RegisterChanged(Message):
    """A screen wrote to the register; the main screen reads it again."""
