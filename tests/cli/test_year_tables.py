"""Year tables split to fit the terminal instead of cutting cells short."""

from __future__ import annotations

from gigawatt.cli.output import compact_table, console, fits, print_year_tables


def test_a_table_wider_than_the_terminal_does_not_fit() -> None:
    wide = compact_table("x", ["a", *map(str, range(30))], [["label", *["123456"] * 30]])
    narrow = compact_table("x", ["a", "1"], [["label", "123456"]])
    assert not fits(wide, 80)
    assert fits(narrow, 80)


def test_year_tables_continue_rather_than_truncate() -> None:
    years = [str(y) for y in range(2022, 2031)]
    with console.capture() as captured:
        print_year_tables("T", ["", *years], [["a long row label", *["123,456.7M"] * 9]])
    text = captured.get()
    assert "…" not in text
    assert "(continued)" in text
    assert text.count("123,456.7M") == 9
