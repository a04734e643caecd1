"""Tables that fit the terminal: no word split inside a name, no line wider than the screen.

Rich shrinks every wrappable column evenly when a table is too wide, which splits names
mid-word (``microsoft-202 / 5-01``) and squeezes prose to one word a line. A
:class:`Grid` instead lays itself out at the width it is rendered at (80 columns in a
pipe): each column gets its natural width when the table fits; otherwise columns give
up space in proportion to their natural widths, never below their longest word (a name
is one word), and numbers never wrap. When even the longest words do not fit side by
side, each row is printed as a record (``column  value`` lines), which fits any width.
The title is a line of its own, so it wraps (at word boundaries) only when it is wider
than the terminal, not when the table under it is narrow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

__all__ = ["GAP", "PHRASE", "Grid", "column_widths"]

#: Columns between two cells: one space of padding each side and a one-space rule.
GAP = 3
#: Cells up to this many columns wide are kept on one line when the table still fits.
PHRASE = 18


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def column_widths(
    cells: Sequence[Sequence[str]], wrappable: Sequence[bool], width: int
) -> list[int] | None:
    """Widths of the columns of a table that must fit in ``width`` terminal columns.

    Args:
        cells: Rows of text, the header first.
        wrappable: Per column, whether its cells may wrap between words.
        width: Terminal columns available.

    Returns:
        One width per column (their sum plus :data:`GAP` between columns is at most
        ``width``), each at least its longest word (its longest cell if it may not
        wrap); ``None`` when even those do not fit.
    """
    n = len(wrappable)
    natural = [
        max((cell_len(line) for r in cells for line in r[i].split("\n")), default=0)
        for i in range(n)
    ]
    words = [max((_longest_word(r[i]) for r in cells), default=0) for i in range(n)]
    room = width - GAP * (n - 1)
    # short phrases (a label such as "growth per year") stay on one line when that fits
    least = [
        min(natural[i], max(words[i], PHRASE)) if wrappable[i] else natural[i] for i in range(n)
    ]
    if sum(least) > room:
        least = [words[i] if wrappable[i] else natural[i] for i in range(n)]
    if sum(least) > room:
        return None
    widths = list(natural)
    excess = sum(widths) - room
    while excess > 0:
        # columns shrink in proportion to their natural widths: the one that has kept
        # the largest share of its own gives up a column of text
        i = max(
            (k for k in range(n) if widths[k] > least[k]),
            key=lambda k: (widths[k] / natural[k], widths[k]),
        )
        widths[i] -= 1
        excess -= 1
    return widths


@dataclass(frozen=True)
class Grid:
    """A titled table of plain-text cells, laid out for the width it is printed at.

    Attributes:
        title: One line above the table.
        columns: Column headers.
        rows: Cells as text (never read as markup).
        numeric: Per column, whether it holds numbers (right-aligned, never wrapped).
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]

    @classmethod
    def of(
        cls,
        title: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[str]],
        numeric: Sequence[bool],
    ) -> Grid:
        """A grid from any sequences."""
        return cls(title, tuple(columns), tuple(tuple(r) for r in rows), tuple(numeric))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Title, then the table at its widths, or one record per row if it cannot fit."""
        width = options.max_width
        yield Text(self.title, style="bold")
        cells = [self.columns, *self.rows]
        widths = column_widths(cells, [not n for n in self.numeric], width)
        if widths is None:
            yield from self._records(width)
            return
        t = Table(
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            padding=(0, 1),
            collapse_padding=False,
        )
        for header, w, num in zip(self.columns, widths, self.numeric, strict=True):
            t.add_column(
                Text(header),
                justify="right" if num else "left",
                width=w,
                no_wrap=num,
                overflow="fold",
            )
        for r in self.rows:
            t.add_row(*[Text(c) for c in r])
        yield t

    def _records(self, width: int) -> RenderResult:
        label = max((cell_len(c) for c in self.columns), default=0)
        for k, r in enumerate(self.rows):
            grid = Table.grid(padding=(0, 2))
            grid.add_column(no_wrap=True, width=label)
            grid.add_column(width=max(1, width - label - 2), overflow="fold")
            for header, cell in zip(self.columns, r, strict=True):
                grid.add_row(Text(header, style="dim"), Text(cell))
            if k:
                yield Text("")
            yield grid
