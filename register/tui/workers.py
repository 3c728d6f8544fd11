"""Thread workers and the one place their failures are handled.

Every blocking call in the app runs in a `background` worker, which posts messages on
success and simply raises on failure. Textual then posts `Worker.StateChanged` (ERROR) to the
screen or app that started it, and `ReportsWorkerFailures` — mixed into the app and every
screen with workers — turns the error into one line the user can act on (a `Problem`
message), instead of a crash or a copy of the same try/except in every worker.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from textual import work
from textual.worker import Worker, WorkerState

from register.errors import RegisterError
from register.tui.messages import Problem

F = TypeVar("F", bound=Callable[..., Any])


def background(group: str) -> Callable[[F], F]:
    """Run the decorated method in an exclusive thread worker of `group`; a failure is
    reported by ReportsWorkerFailures, never left to stop the app."""
    return work(thread=True, exclusive=True, group=group, exit_on_error=False)  # type: ignore[return-value]


def failure_text(error: BaseException) -> str:
    """One line for the user: a RegisterError says what to do; anything else is named as unexpected."""
    if isinstance(error, RegisterError):
        return str(error)
    if isinstance(error, OSError):
        target = f" {error.filename}" if error.filename else ""
        return f"cannot use{target}: {error.strerror or error}"
    return f"unexpected error: {type(error).__name__}: {error}"


class ReportsWorkerFailures:
    """Mixed into the app and every screen that starts workers (see the module docstring)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        if not self.worker_failed(event.worker, error):
            self.post_message(Problem(failure_text(error)))  # type: ignore[attr-defined]

    def worker_failed(self, worker: Worker[Any], error: BaseException) -> bool:
        """Handle a failure this screen knows better than the generic line; True when handled."""
        return False
