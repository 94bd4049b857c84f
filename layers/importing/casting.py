"""Turning a batch of raw field values into the column's type, whole Arrow arrays at a time.

The slow path (one value at a time) runs for the rare source types Arrow cannot convert the way a
person would read them, and to name the first bad value in an error message.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from layers.errors import LayersError
from layers.registry import Column

__all__ = ["Rules", "InvalidValue", "cast_values", "arrow_type"]

ARROW_TYPES = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_(), date: pa.date32()}


class InvalidValue(LayersError):
    code = "invalid_value"
    http_status = 422


@dataclass(frozen=True)
class Rules:
    required: bool
    choices: frozenset
    default: object  # Django fills defaults in Python, so columns left out of a file must get them here


def arrow_type(column: Column) -> pa.DataType:
    return ARROW_TYPES[column.type]


def _first_bad(column: Column, source: str, values: pa.Array, fids: np.ndarray, bad: np.ndarray):
    index = int(np.flatnonzero(bad)[0])
    return InvalidValue(f"feature {fids[index]}: {source} = {values[index].as_py()!r} is not a valid "
                        f"{column.type.__name__} for {column.name}; nothing was imported")


def _texts(column: Column, values: pa.Array) -> pa.Array:
    if pa.types.is_integer(values.type):
        return pc.cast(values, pa.string())
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return pa.array([column.cast(v) for v in values.to_pylist()], pa.string())
    text = pc.utf8_trim_whitespace(values.cast(pa.string()))
    # A code stored as a float by a spreadsheet ("12.0") is the code 12.
    if pc.any(pc.ends_with(text, ".0")).as_py():
        text = pc.replace_substring_regex(text, r"^(-?\d+)\.0$", r"\1")
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _numbers(column: Column, source: str, values: pa.Array, fids: np.ndarray) -> pa.Array:
    target = arrow_type(column)
    if pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
        numbers = values.cast(pa.float64())
        numbers = pc.if_else(pc.is_nan(numbers), pa.scalar(None, pa.float64()), numbers)
        blank = pc.is_null(numbers).to_numpy(zero_copy_only=False)
        parsed = numbers.to_numpy(zero_copy_only=False)
        bad = np.zeros(len(values), dtype=bool)
    else:
        series = pd.Series(values.to_pylist(), dtype=object)
        blank = (series.isna() | (series.astype(str).str.strip() == "")).to_numpy()
        parsed = pd.to_numeric(series.where(~blank), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isnan(parsed) & ~blank
    if column.type is int:
        bad |= ~blank & ~np.isnan(parsed) & (np.nan_to_num(parsed) % 1 != 0)
    if bad.any():
        raise _first_bad(column, source, values, fids, bad)
    if column.type is int:
        return pa.array(np.nan_to_num(parsed).astype(np.int64), target, mask=blank)
    return pa.array(parsed, target, mask=blank)


def _one_by_one(column: Column, source: str, values: pa.Array, fids: np.ndarray) -> pa.Array:
    cast = []
    for position, value in enumerate(values.to_pylist()):
        try:
            cast.append(column.cast(value))
        except (TypeError, ValueError) as exc:
            raise _first_bad(column, source, values, fids, np.arange(len(values)) == position) from exc
    return pa.array(cast, arrow_type(column))


def cast_values(column: Column, rules: Rules, source: str, values, fids: np.ndarray) -> pa.Array:
    """The values of one field as the column's Arrow type, with defaults filled and rules checked."""
    if not isinstance(values, pa.Array):
        values = pa.array(values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values)
    if pa.types.is_null(values.type):
        values = values.cast(pa.string())
    if column.type is str:
        out = _texts(column, values)
    elif column.type in (float, int):
        out = _numbers(column, source, values, fids)
    else:  # bool, date: few columns, small files
        out = _one_by_one(column, source, values, fids)
    if rules.default is not None and out.null_count:
        out = pc.fill_null(out, pa.scalar(rules.default, out.type))
    if rules.required and out.null_count:
        index = int(np.flatnonzero(pc.is_null(out).to_numpy(zero_copy_only=False))[0])
        raise InvalidValue(f"feature {fids[index]}: {column.name} is empty ({source}), but every feature needs one")
    if rules.choices:
        allowed = pa.array(sorted(rules.choices), pa.string())
        outside = pc.and_(pc.is_valid(out), pc.invert(pc.is_in(out.cast(pa.string()), value_set=allowed)))
        outside = outside.to_numpy(zero_copy_only=False)
        if outside.any():
            index = int(np.flatnonzero(outside)[0])
            raise InvalidValue(f"feature {fids[index]}: {column.name} = {out[index].as_py()!r} is not one of "
                               f"{', '.join(sorted(rules.choices))}")
    return out
