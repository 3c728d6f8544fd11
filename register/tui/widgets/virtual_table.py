"""A table that renders only the rows on screen (Textual's Line API) over columnar TableData.

Adding 50,000 rows to Textual's DataTable measures every cell on the event loop; here a
filter or sort only swaps a list of row indices, and painting costs the visible rows.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from register.tui.table_data import TableData

BAND_IDS = ("low", "medium", "high", "critical")
TONES = ("error", "warning", "success", "muted")
COLUMN_GAP = 1
# Columns of a priority below this get their room first (id, name, band, flags); the rest
# fill what is left.
ESSENTIAL_PRIORITY = 6
# A text column that fits neither whole nor squeezed still shows in the room left, if this wide.
MIN_SHOWN_WIDTH = 8


class VirtualTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {
        "virtual-table--header",
        "virtual-table--header-cursor",
        "virtual-table--cursor",
        "virtual-table--empty",
        *(f"virtual-table--band-{band}" for band in BAND_IDS),
        *(f"virtual-table--tone-{tone}" for tone in TONES),
    }
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("left", "column_left", "Column left", show=False),
        Binding("right", "column_right", "Column right", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First row", show=False),
        Binding("end", "last", "Last row", show=False),
        Binding("enter", "select", "Open", id="table.open"),
        Binding("s", "sort", "Sort", id="table.sort"),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True)
    cursor_column: reactive[int] = reactive(0)

    class Highlighted(Message):
        """The cursor moved to another record (None: the view is empty)."""

        def __init__(self, table: VirtualTable, record_id: str | None) -> None:
            super().__init__()
            self.table = table
            self.record_id = record_id

        @property
        def control(self) -> VirtualTable:
            return self.table

    class Selected(Highlighted):
        """`enter` on a record."""

    def __init__(self, *, empty_text: str = "Nothing to show", name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.data: TableData | None = None
        self.empty_text = empty_text
        self._layout_key: tuple[int, int, int] | None = None
        self._layout: list[tuple[int, int]] = []

    # --- which columns fit ---------------------------------------------------------------------
    def layout(self, width: int | None = None) -> list[tuple[int, int]]:
        """(column index, width) of the columns shown at this width, in the table's order:
        columns are taken by priority while they fit (prose squeezed to its minimum first),
        then the room left widens the squeezed ones, most important first."""
        data = self.data
        if data is None:
            return []
        if width is None:
            width = self.scrollable_content_region.width
        key = (id(data), len(data.columns), width)
        if key != self._layout_key:
            self._layout_key, self._layout = key, column_layout(data, width)
        return self._layout

    @property
    def shown_columns(self) -> list[int]:
        return [index for index, _ in self.layout()]

    def on_resize(self) -> None:
        self._update_virtual_size()
        self.refresh()

    def _update_virtual_size(self) -> None:
        data = self.data
        rows = len(data.visible) if data else 0
        width = sum(w + COLUMN_GAP for _, w in self.layout()) if data else 0
        self.virtual_size = Size(width, rows + 1)

    # --- data ----------------------------------------------------------------------------------
    def set_data(self, data: TableData | None, *, keep_id: str | None = None) -> None:
        self.data = data
        self.refresh_view(keep_id=keep_id)

    def refresh_view(self, *, keep_id: str | None = None) -> None:
        """Call after the data's order or filter changed."""
        data = self.data
        rows = len(data.visible) if data else 0
        self._update_virtual_size()
        target = 0
        if keep_id is not None and data is not None:
            row = data.row_of(keep_id)
            if row is not None and row in data.visible:
                target = data.visible.index(row)
        self.cursor_row = min(target, max(rows - 1, 0))
        self.refresh()

    @property
    def current_id(self) -> str | None:
        data = self.data
        if data is None or not data.visible:
            return None
        return data.ids[data.visible[min(self.cursor_row, len(data.visible) - 1)]]

    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    # --- cursor --------------------------------------------------------------------------------
    def watch_cursor_row(self, old: int, new: int) -> None:
        top = round(self.scroll_y)
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + self.page_rows:
            self.scroll_to(y=new - self.page_rows + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Highlighted(self, self.current_id))

    def watch_cursor_column(self) -> None:
        self.refresh()

    def _move(self, delta: int) -> None:
        rows = len(self.data.visible) if self.data else 0
        if rows:
            self.cursor_row = max(0, min(rows - 1, self.cursor_row + delta))

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_page_up(self) -> None:
        self._move(-self.page_rows)

    def action_page_down(self) -> None:
        self._move(self.page_rows)

    def action_first(self) -> None:
        self._move(-self.cursor_row)

    def action_last(self) -> None:
        self._move(len(self.data.visible) if self.data else 0)

    def action_column_left(self) -> None:
        shown = self.shown_columns
        before = [index for index in shown if index < self.cursor_column]
        if before:
            self.cursor_column = before[-1]

    def action_column_right(self) -> None:
        shown = self.shown_columns
        after = [index for index in shown if index > self.cursor_column]
        if after:
            self.cursor_column = after[0]

    def action_sort(self) -> None:
        if self.data is None or not self.data.columns:
            return
        keep = self.current_id
        self.data.sort(self.cursor_column)
        self.refresh_view(keep_id=keep)

    def action_select(self) -> None:
        record_id = self.current_id
        if record_id is not None:
            self.post_message(self.Selected(self, record_id))

    def _column_at(self, x: int) -> int | None:
        if self.data is None:
            return None
        edge = 0
        for index, width in self.layout():
            edge += width + COLUMN_GAP
            if x < edge:
                return index
        return None

    def on_click(self, event: events.Click) -> None:
        column = self._column_at(event.x + round(self.scroll_x))
        if event.y == 0:
            if column is not None:
                self.cursor_column = column
                self.action_sort()
            return
        row = round(self.scroll_y) + event.y - 1
        if self.data and 0 <= row < len(self.data.visible):
            if column is not None:
                self.cursor_column = column
            if row == self.cursor_row and event.chain > 1:
                self.action_select()
            self.cursor_row = row

    # --- painting ------------------------------------------------------------------------------
    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"virtual-table--{name}")

    def _band_style(self, band: str | None) -> Style | None:
        if band in BAND_IDS:
            return self._style(f"band-{band}")
        return None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        data = self.data
        if data is None:
            return Strip.blank(width, base)
        scroll_x = round(self.scroll_x)
        if y == 0:
            return self._header(data, base, width).crop_extend(scroll_x, scroll_x + width, base)
        position = round(self.scroll_y) + y - 1
        if position >= len(data.visible):
            if position == 0:
                text = f" {self.empty_text}"
                return Strip([Segment(text, self._style("empty"))]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        row = data.visible[position]
        is_cursor = position == self.cursor_row
        row_style = base + self._style("cursor") if is_cursor and self.has_focus else base
        if is_cursor and not self.has_focus:
            row_style = base + Style(underline=True)
        segments = []
        columns = data.columns
        for index, shown_width in self.layout(width):
            column = columns[index]
            text = column.cells[row]
            cell = _fit(text, shown_width, column.numeric, column.truncate)
            style = row_style
            if column.bands is not None:
                band_style = self._band_style(column.bands[row])
                if band_style is not None:
                    style = row_style + band_style if not is_cursor else row_style + Style(bold=True)
            elif column.tones is not None and column.tones[row] in TONES:
                style = row_style + self._style(f"tone-{column.tones[row]}") if not is_cursor else row_style + Style(bold=True)
            segments.append(Segment(cell, style))
            segments.append(Segment(" " * COLUMN_GAP, row_style))
        return Strip(segments).crop_extend(scroll_x, scroll_x + width, row_style)

    def _header(self, data: TableData, base: Style, width: int) -> Strip:
        header = base + self._style("header")
        active = base + self._style("header-cursor")
        segments = []
        for index, shown_width in self.layout(width):
            column = data.columns[index]
            arrow = ""
            if data.sort_column == index:
                arrow = " ▼" if data.sort_reverse else " ▲"
            title = _fit(column.title + arrow, shown_width, False)
            segments.append(Segment(title, active if index == self.cursor_column and self.has_focus else header))
            segments.append(Segment(" " * COLUMN_GAP, header))
        return Strip(segments)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


def _fit(text: str, width: int, right: bool, truncate: str = "end") -> str:
    if len(text) > width:
        if truncate == "middle" and width >= 5:
            tail = (width - 1) // 2
            return text[: width - 1 - tail] + "…" + text[-tail:]
        return text[: width - 1] + "…"
    return text.rjust(width) if right else text.ljust(width)


def column_layout(data: TableData, width: int) -> list[tuple[int, int]]:
    """(column index, width) of the columns that fit in `width`, in the table's order.

    The essential columns (priority below ESSENTIAL_PRIORITY) come first: taken by priority
    while their narrowest fits (prose squeezed), then widened back, most important first.
    The others then fill what is left, by priority, each at its width if it fits, else at its
    narrowest, else (text) in the room left when that is MIN_SHOWN_WIDTH or more, cut with an
    ellipsis; one that does not fit is skipped, so a smaller one may still take the room.
    The first column by priority is always shown."""
    columns = data.columns
    order = sorted(range(len(columns)), key=lambda i: (columns[i].priority, i))

    def narrowest(index: int) -> int:
        column = columns[index]
        return min(column.width, column.min_width or column.width)

    widths: dict[int, int] = {}
    spare = width
    essential = [i for i in order if columns[i].priority < ESSENTIAL_PRIORITY] or order[:1]
    for index in essential:
        if not widths or narrowest(index) + COLUMN_GAP <= spare:
            widths[index] = narrowest(index)
            spare -= widths[index] + COLUMN_GAP

    def widen() -> None:
        nonlocal spare
        for index in order:
            if spare <= 0:
                return
            if index in widths:
                grow = min(spare, columns[index].width - widths[index])
                widths[index] += grow
                spare -= grow

    widen()
    for index in order:
        if index in widths:
            continue
        column = columns[index]
        # Its width, else its narrowest, else (text) the room left, cut with an ellipsis.
        room = spare - COLUMN_GAP
        fallback = room if not column.numeric and room >= MIN_SHOWN_WIDTH else 0
        for candidate in (column.width, narrowest(index), fallback):
            if 0 < candidate <= room:
                widths[index] = candidate
                spare -= candidate + COLUMN_GAP
                break
    widen()
    return sorted(widths.items())
