"""Turning a batch of raw field values into the column's type, whole arrays at a time.

The slow path (one value at a time) runs only to name the first bad value in an error message.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from layers.errors import LayersError
from layers.registry import Column

__all__ = ["Rules", "InvalidValue", "cast_values"]


class InvalidValue(LayersError):
    code = "invalid_value"
    http_status = 422


@dataclass(frozen=True)
class Rules:
    required: bool
    choices: frozenset
    default: object  # Django fills defaults in Python, so columns left out of a file must get them here


def _blank(series: pd.Series) -> np.ndarray:
    return (series.isna() | (series.astype(str).str.strip() == "")).to_numpy()


def _first_bad(column: Column, source: str, values: pd.Series, fids: np.ndarray, bad: np.ndarray):
    index = int(np.flatnonzero(bad)[0])
    return InvalidValue(f"feature {fids[index]}: {source} = {values.iloc[index]!r} is not a valid "
                        f"{column.type.__name__} for {column.name}; nothing was imported")


def cast_values(column: Column, rules: Rules, source: str, values, fids: np.ndarray) -> np.ndarray:
    series = pd.Series(values, dtype=object)
    blank = _blank(series)
    if column.type in (float, int):
        numbers = pd.to_numeric(series.where(~blank), errors="coerce")
        bad = numbers.isna().to_numpy() & ~blank
        if column.type is int:
            bad |= ~blank & numbers.notna().to_numpy() & (numbers.fillna(0) % 1 != 0).to_numpy()
        if bad.any():
            raise _first_bad(column, source, series, fids, bad)
        convert = int if column.type is int else float
        # A list, not Series.map: pandas would turn ints mixed with None back into floats.
        out = pd.Series([None if gap else convert(v) for gap, v in zip(blank, numbers.to_numpy(), strict=True)],
                        dtype=object)
    elif column.type is str:
        out = series.map(lambda v: None if v is None else column.cast(v))
        out = out.where(~blank, None)
    else:  # bool, date: few columns, small files
        cast = []
        for position, value in enumerate(series):
            try:
                cast.append(column.cast(value))
            except (TypeError, ValueError) as exc:
                raise _first_bad(column, source, series, fids, np.arange(len(series)) == position) from exc
        out = pd.Series(cast, dtype=object)
    out = out.to_numpy(dtype=object, copy=True)
    missing = pd.isna(out)
    out[missing] = None  # pandas leaves NaN for gaps; the database wants NULL
    if missing.any() and rules.default is not None:
        out[missing] = rules.default
        missing = pd.isna(out)
    if rules.required and missing.any():
        index = int(np.flatnonzero(missing)[0])
        raise InvalidValue(f"feature {fids[index]}: {column.name} is empty ({source}), but every feature needs one")
    if rules.choices:
        outside = ~missing & ~pd.Series(out).astype(str).isin(rules.choices).to_numpy()
        if outside.any():
            index = int(np.flatnonzero(outside)[0])
            raise InvalidValue(f"feature {fids[index]}: {column.name} = {out[index]!r} is not one of "
                               f"{', '.join(sorted(rules.choices))}")
    return out

