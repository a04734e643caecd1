"""Result folders on disk: Parquet tables beside one JSON summary, written and read back.

Plans, forecasts, sweeps and comparisons all save the same way: every table as
``NAME.parquet`` (and ``NAME.csv`` when asked) and a JSON file (``summary.json``, or
``comparison.json``) in which NaN and infinities are written as ``null``. Reading back
names the folder and says which command writes it when something is missing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gigawatt.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["json_ready", "json_ready_mapping", "read_summary", "read_tables", "save_result"]


def json_ready(value: Any) -> Any:
    """A copy of ``value`` fit for JSON.

    NaN and infinities become None, numpy scalars Python numbers, mapping keys strings
    and tuples lists.
    """
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Mapping):
        return json_ready_mapping(value)
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


def json_ready_mapping(value: Mapping[Any, Any]) -> dict[str, Any]:
    """:func:`json_ready` of a mapping, typed as the dict of strings it returns."""
    return {str(k): json_ready(v) for k, v in value.items()}


def save_result(
    directory: str | Path,
    tables: Mapping[str, pd.DataFrame],
    summary: Mapping[str, Any],
    *,
    summary_name: str = "summary.json",
    csv: bool = False,
) -> Path:
    """Write every table as Parquet (and CSV when ``csv``) and the summary as JSON.

    Returns:
        The folder (created when missing).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
        if csv:
            frame.to_csv(out / f"{name}.csv", index=False)
    text = json.dumps(json_ready(summary), indent=2, default=str)
    (out / summary_name).write_text(text, encoding="utf-8")
    return out


def read_summary(
    directory: str | Path, what: str, command: str, *, summary_name: str = "summary.json"
) -> dict[str, Any]:
    """The JSON summary of a result folder.

    Args:
        directory: The folder.
        what: What the folder should hold (``plan``, ``forecast``...), for messages.
        command: The command that writes one, for messages.
        summary_name: The summary's file name.

    Raises:
        GigawattError: no such file, unreadable, or not a JSON object.
    """
    path = Path(directory) / summary_name
    if not path.is_file():
        raise InputError(
            f"{Path(directory)} holds no {what} (no {summary_name}); write one with `{command}`"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{path} is not readable JSON ({exc}); write it again with `{command}`"
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{path} should hold a JSON object; write it again with `{command}`")
    return data


def read_tables(
    directory: str | Path,
    names: Iterable[str],
    *,
    required: Iterable[str] = (),
    what: str = "result",
) -> dict[str, pd.DataFrame]:
    """The tables among ``names`` that the folder holds, in that order.

    Raises:
        GigawattError: a ``required`` table is missing, or a file cannot be read.
    """
    folder = Path(directory)
    missing = [n for n in required if not (folder / f"{n}.parquet").is_file()]
    if missing:
        files = ", ".join(f"{n}.parquet" for n in missing)
        raise InputError(f"{folder} is a {what} without {files}; is it complete?")
    import pandas as pd  # loaded when a folder is read, not with the command line

    tables: dict[str, pd.DataFrame] = {}
    for name in names:
        path = folder / f"{name}.parquet"
        if not path.is_file():
            continue
        try:
            tables[name] = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types
            raise InputError(f"cannot read {path}: {exc}") from None
    return tables
