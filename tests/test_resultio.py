"""Result folders: tables and a JSON summary written, read back, and clear errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gigawatt.errors import InputError
from gigawatt.resultio import json_ready, read_summary, read_tables, save_result


def test_json_ready_makes_strict_json() -> None:
    data = {
        "nan": math.nan,
        "inf": -math.inf,
        "f32": np.float32(1.5),
        "i64": np.int64(7),
        "flag": np.bool_(True),
        "nested": {1: (np.float64("nan"), 2.0)},
    }
    out = json_ready(data)
    assert out == {
        "nan": None,
        "inf": None,
        "f32": 1.5,
        "i64": 7,
        "flag": True,
        "nested": {"1": [None, 2.0]},
    }
    json.dumps(out, allow_nan=False)  # raises on any NaN left


def test_round_trip_with_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame({"month": ["2025-01", "2025-02"], "usd": [1.0, math.nan]})
    out = save_result(tmp_path / "r", {"spend": frame}, {"x": math.nan}, csv=True)
    assert (out / "spend.csv").is_file()
    assert json.loads((out / "summary.json").read_text()) == {"x": None}
    assert read_summary(out, "plan", "gigawatt plan") == {"x": None}
    again = read_tables(out, ["spend", "absent"], required=["spend"])
    assert list(again) == ["spend"]
    pd.testing.assert_frame_equal(again["spend"], frame)


def test_missing_and_broken_files_say_how_to_fix(tmp_path: Path) -> None:
    assert InputError.exit_code == 2  # bad input, as a broken scenario file
    with pytest.raises(
        InputError,
        match=r"holds no plan \(no summary.json\); write one with `gigawatt plan FILE`",
    ):
        read_summary(tmp_path, "plan", "gigawatt plan FILE")
    (tmp_path / "summary.json").write_text("[1, 2]")
    with pytest.raises(InputError, match="should hold a JSON object"):
        read_summary(tmp_path, "plan", "gigawatt plan FILE")
    (tmp_path / "summary.json").write_text("{oops")
    with pytest.raises(InputError, match="is not readable JSON"):
        read_summary(tmp_path, "plan", "gigawatt plan FILE")
    with pytest.raises(InputError, match=r"is a forecast without bands.parquet"):
        read_tables(tmp_path, ["bands"], required=["bands"], what="forecast")
    (tmp_path / "bands.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="cannot read"):
        read_tables(tmp_path, ["bands"])
