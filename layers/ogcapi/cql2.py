"""CQL2 filters (text and JSON) on a collection's queryables, parsed by pygeofilter and turned into a Django Q.

Nothing is evaluated and nothing is formatted into SQL: each literal becomes a bound value, each property a
column the registry lists as public, and anything else (a private or unknown property, a literal of the wrong
type, an operator not offered) is refused with a 400 before the database is asked.
"""

import json
import operator
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache, reduce
from pathlib import Path
from typing import Any

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Polygon
from django.db.models import F, Q, Value
from django.db.models.functions import Lower
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
    Lookup,
    Range,
)
from lark import Lark
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parser as text_parser

from ..exporting import ExportField
from .crs import Crs, flip, parse_crs
from .errors import InvalidFilter

__all__ = ["FILTER_LANGS", "GEOMETRY", "MAX_DEPTH", "MAX_FILTER_CHARS", "parse_filter", "to_q"]

FILTER_LANGS = ("cql2-text", "cql2-json")
GEOMETRY = "geometry"  # the queryable that stands for the feature's geometry
_NUMBER = (int, float)
_COMPARE = {"=": Exact, "<": LessThan, "<=": LessThanOrEqual, ">": GreaterThan, ">=": GreaterThanOrEqual}
_MIRROR = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_SPATIAL = {"INTERSECTS": "intersects", "DISJOINT": "disjoint", "CONTAINS": "contains", "WITHIN": "within",
            "TOUCHES": "touches", "CROSSES": "crosses", "OVERLAPS": "overlaps", "EQUALS": "equals"}
_SPATIAL_MIRROR = {"contains": "within", "within": "contains"}
MAX_FILTER_CHARS = 20_000
MAX_DEPTH = 40  # nesting of AND/OR/NOT groups a filter may have
_TOO_DEEP = f"The filter nests more than {MAX_DEPTH} levels deep."


# pygeofilter 0.4 reads NOT only before a single predicate; CQL2 negates any parenthesised condition.
_NOT_PREDICATE = '''| "NOT"i "(" predicate ")"'''
_NOT_CONDITION = '''| "NOT"i "(" condition ")"'''


@cache
def _text_parser() -> Lark:
    """pygeofilter's CQL2 text grammar and transformer (LALR: linear time, no recursion on nesting), with NOT
    widened to what CQL2 allows. Should pygeofilter change that rule, its grammar is used as it comes."""
    folder = Path(text_parser.__file__).parent
    grammar = (folder / "grammar.lark").read_text(encoding="utf-8").replace(_NOT_PREDICATE, _NOT_CONDITION)
    return Lark(grammar, parser="lalr", maybe_placeholders=False, transformer=text_parser.CQLTransformer(),
                import_paths=[str(folder.parent)])


def parse_filter(text: str, lang: str) -> ast.Node:
    """Parse a CQL2 filter; a syntax error is a 400 that says where (line, column and character position)."""
    if len(text) > MAX_FILTER_CHARS:
        raise InvalidFilter(f"The filter is longer than {MAX_FILTER_CHARS} characters.")
    if lang == "cql2-text":
        try:
            return _text_parser().parse(text)
        except UnexpectedInput as exc:
            raise _syntax_error(text, exc) from exc
        except (LarkError, ValueError, TypeError, KeyError) as exc:
            raise InvalidFilter(f"The filter could not be read: {exc}") from exc
    try:
        document = json.loads(text)
    except RecursionError as exc:
        raise InvalidFilter(_TOO_DEEP) from exc
    except json.JSONDecodeError as exc:
        raise InvalidFilter(f"The filter is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
                            f"(character {exc.pos + 1}).", position=exc.pos + 1, line=exc.lineno,
                            column=exc.colno) from exc
    try:
        return parse_json(_standard_json(document))
    except RecursionError as exc:
        raise InvalidFilter(_TOO_DEEP) from exc
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise InvalidFilter(f"The filter is not valid CQL2 JSON: {exc}") from exc


def _syntax_error(text: str, exc: UnexpectedInput) -> InvalidFilter:
    at_end = isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END")
    offset = exc.pos_in_stream if isinstance(exc.pos_in_stream, int) and exc.pos_in_stream >= 0 else len(text)
    if at_end:
        offset, found = len(text), "end of input"
    elif isinstance(exc, UnexpectedCharacters):
        found = repr(exc.char)
    else:
        found = repr(str(exc.token)) if isinstance(exc, UnexpectedToken) else "input"
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return InvalidFilter(f"CQL2 syntax error: unexpected {found} at line {line}, column {column} "
                         f"(character {offset + 1}).", position=offset + 1, line=line, column=column)


def _standard_json(node: Any) -> Any:
    """Bring CQL2 JSON 1.0 into the shapes pygeofilter reads: a bbox literal as a polygon, BETWEEN with
    three arguments as (value, [low, high])."""
    if isinstance(node, list):
        return [_standard_json(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "filter" in node or "filter-lang" in node:
        raise InvalidFilter("A CQL2 JSON filter is the expression itself, not wrapped in another object.")
    if set(node) == {"bbox"}:
        return json.loads(_bbox_polygon(node["bbox"]).json)
    node = {key: _standard_json(value) for key, value in node.items()}
    if node.get("op") == "between" and isinstance(node.get("args"), list) and len(node["args"]) == 3:
        node["args"] = [node["args"][0], node["args"][1:]]
    return node


def _bbox_polygon(numbers: Any) -> Polygon:
    if not isinstance(numbers, (list, tuple)) or len(numbers) not in (4, 6) or not all(
            isinstance(n, _NUMBER) and not isinstance(n, bool) for n in numbers):
        raise InvalidFilter("A BBOX literal has four (or six) numbers.")
    low_x, low_y, high_x, high_y = numbers if len(numbers) == 4 else (*numbers[:2], *numbers[3:5])
    if low_x > high_x or low_y > high_y:
        raise InvalidFilter("A BBOX literal gives its lower corner first.")
    return Polygon.from_bbox((low_x, low_y, high_x, high_y))


class _Like(Lookup):
    """SQL LIKE, whose wildcards (% and _) and escape character (\\) are CQL2's own."""

    lookup_name = "cql2_like"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs_sql} LIKE {rhs_sql}", [*lhs_params, *rhs_params]


def to_q(node: ast.Node, fields: Mapping[str, ExportField], *, filter_crs: Crs) -> Q:
    """The condition `node` (from parse_filter) over the queryables `fields`, as a Q on the feature model."""
    translator = _Translator(fields, filter_crs)
    try:
        return translator.condition(node)
    except RecursionError as exc:
        raise InvalidFilter(_TOO_DEEP) from exc


class _Translator:
    def __init__(self, fields: Mapping[str, ExportField], crs: Crs):
        self.fields = fields
        self.crs = crs

    # --- conditions ------------------------------------------------------------------------------------------

    def condition(self, node: Any, depth: int = 0) -> Q:
        if depth > MAX_DEPTH:
            raise InvalidFilter(_TOO_DEEP)
        if isinstance(node, bool):
            return Q() if node else Q(pk__in=[])
        if isinstance(node, (ast.And, ast.Or)):
            # a AND b AND c … is one level, however long, so only real nesting counts towards MAX_DEPTH.
            parts = [self.condition(part, depth + 1) for part in _chain(node)]
            return reduce(operator.and_ if isinstance(node, ast.And) else operator.or_, parts)
        if isinstance(node, ast.Not):
            return ~self.condition(node.sub_node, depth + 1)
        if isinstance(node, ast.Include):
            return Q(pk__in=[]) if node.not_ else Q()
        if isinstance(node, ast.Comparison):
            return self.comparison(node.op.value, node.lhs, node.rhs)
        if isinstance(node, ast.Like):
            return self.like(node)
        if isinstance(node, ast.Between):
            field, expression = self.scalar_property(node.lhs, "BETWEEN")
            low, high = self.value(node.low, field), self.value(node.high, field)
            return self.negated(Q(Range(expression, (Value(low), Value(high)))), node.not_)
        if isinstance(node, ast.In):
            field, expression = self.scalar_property(node.lhs, "IN")
            if not isinstance(node.sub_nodes, list):
                raise InvalidFilter("IN takes a list of values.")
            options = [Value(self.value(item, field)) for item in node.sub_nodes]
            return self.negated(Q(In(expression, options)), node.not_)
        if isinstance(node, ast.IsNull):
            _, expression = self.scalar_property(node.lhs, "IS NULL")
            return self.negated(Q(IsNull(expression, True)), node.not_)
        if isinstance(node, ast.SpatialComparisonPredicate):
            return self.spatial(_SPATIAL[node.op.name], node.lhs, node.rhs)
        if isinstance(node, ast.BBox):
            box = _bbox_polygon([node.minx, node.miny, node.maxx, node.maxy])
            return self.spatial("intersects", node.lhs, values.Geometry(json.loads(box.json)))
        raise InvalidFilter(f"This service does not offer {_describe(node)} in filters.")

    @staticmethod
    def negated(q: Q, not_: bool) -> Q:
        return ~q if not_ else q

    def comparison(self, op: str, lhs: Any, rhs: Any) -> Q:
        if not self.is_property(lhs):
            if not self.is_property(rhs):
                raise InvalidFilter("A comparison needs a property on at least one side.")
            lhs, rhs, op = rhs, lhs, _MIRROR[op]
        field, left = self.scalar_property(lhs, op)
        if self.is_property(rhs):
            other, right = self.scalar_property(rhs, op)
            if _kind(other.type) != _kind(field.type):
                raise InvalidFilter(f"{field.name} and {other.name} hold different types of values.")
        else:
            right = self.literal(rhs, field)
        if op == "<>":
            return ~Q(Exact(left, right))
        return Q(_COMPARE[op](left, right))

    def like(self, node: ast.Like) -> Q:
        field, expression = self.scalar_property(node.lhs, "LIKE")
        if field.type is not str:
            raise InvalidFilter(f"LIKE compares text; {field.name} is not text.")
        pattern = node.pattern
        lowered = isinstance(node.lhs, ast.Function) or node.nocase
        if isinstance(pattern, dict) and pattern.get("op") == "casei" and len(pattern.get("args", ())) == 1:
            pattern, lowered = pattern["args"][0], True  # CQL2 JSON: {"op": "casei", "args": ["pattern"]}
        elif isinstance(pattern, ast.Function) and pattern.name == "lower" and len(pattern.arguments) == 1:
            pattern, lowered = pattern.arguments[0], True
        if not isinstance(pattern, str):
            raise InvalidFilter("The pattern of LIKE is a text literal.")
        if lowered:
            return self.negated(Q(_Like(Lower(F(field.path)), Lower(Value(pattern)))), node.not_)
        return self.negated(Q(_Like(expression, Value(pattern))), node.not_)

    def spatial(self, lookup: str, lhs: Any, rhs: Any) -> Q:
        if not self.is_geometry(lhs):
            if not self.is_geometry(rhs):
                raise InvalidFilter(f"Spatial functions compare the property {GEOMETRY!r} with a geometry literal.")
            lhs, rhs, lookup = rhs, lhs, _SPATIAL_MIRROR.get(lookup, lookup)
        if self.is_geometry(rhs):
            raise InvalidFilter(f"Spatial functions compare the property {GEOMETRY!r} with a geometry literal.")
        return Q(**{f"geom__{lookup}": self.geometry(rhs)})

    # --- operands --------------------------------------------------------------------------------------------

    def is_property(self, node: Any) -> bool:
        return isinstance(node, ast.Attribute) or (
            isinstance(node, ast.Function) and node.name == "lower" and len(node.arguments) == 1
            and isinstance(node.arguments[0], ast.Attribute))

    def is_geometry(self, node: Any) -> bool:
        return isinstance(node, ast.Attribute) and node.name == GEOMETRY

    def scalar_property(self, node: Any, op: str) -> tuple[ExportField, Any]:
        """(the queryable, its expression) for a property or CASEI(property)."""
        if isinstance(node, ast.Function) and self.is_property(node):
            field = self.queryable(node.arguments[0].name)
            if field.type is not str:
                raise InvalidFilter(f"CASEI applies to text; {field.name} is not text.")
            return field, Lower(F(field.path))
        if not isinstance(node, ast.Attribute):
            raise InvalidFilter(f"{op} needs a property on its left, not {_describe(node)}.")
        return (field := self.queryable(node.name)), F(field.path)

    def queryable(self, name: str) -> ExportField:
        if name == GEOMETRY:
            raise InvalidFilter(f"{GEOMETRY!r} can be used only in spatial functions (S_INTERSECTS, …).")
        field = self.fields.get(name)
        if field is None:
            raise InvalidFilter(f"{name!r} is not a queryable of this collection; see its queryables.")
        return field

    def literal(self, node: Any, field: ExportField) -> Value:
        """A literal compared with `field`, as a bound value; CASEI('x') lowers it in SQL."""
        if isinstance(node, ast.Function) and node.name == "lower" and len(node.arguments) == 1:
            if not isinstance(node.arguments[0], str):
                raise InvalidFilter("CASEI applies to text.")
            return Lower(Value(node.arguments[0]))
        return Value(self.value(node, field))

    @staticmethod
    def value(node: Any, field: ExportField) -> Any:
        """`node` as a Python value of the queryable's type, or a 400 if it is not one."""
        wanted = field.type
        if wanted is bool and isinstance(node, bool):
            return node
        if wanted in _NUMBER and isinstance(node, _NUMBER) and not isinstance(node, bool):
            return node
        if wanted is str and isinstance(node, str):
            return node
        if wanted is date:
            if isinstance(node, datetime):
                return node.date()
            if isinstance(node, date):
                return node
            if isinstance(node, str):
                try:
                    return date.fromisoformat(node)
                except ValueError:
                    pass
        raise InvalidFilter(f"{field.name} holds {_kind(wanted)} values, not {_describe(node)}.")

    def geometry(self, node: Any) -> GEOSGeometry:
        """A geometry literal in the filter's CRS, as GEOS with that SRID (PostGIS transforms it)."""
        if isinstance(node, ast.Function) and node.name == "bbox":
            node = values.Geometry(json.loads(_bbox_polygon(node.arguments).json))
        if isinstance(node, values.Envelope):
            node = values.Geometry(json.loads(_bbox_polygon([node.x1, node.y1, node.x2, node.y2]).json))
        if not isinstance(node, values.Geometry):
            raise InvalidFilter(f"A geometry literal is expected, not {_describe(node)}.")
        data = {key: value for key, value in node.geometry.items() if key != "crs"}
        srid, lat_first = self.crs.srid, self.crs.lat_first
        if "crs" in node.geometry:  # EWKT's SRID=…; as in PostGIS, x is the easting or longitude
            name = str(node.geometry["crs"].get("properties", {}).get("name", ""))
            srid, lat_first = parse_crs(name, parameter="filter").srid, False
        if lat_first:
            data = _flip_geometry(data)
        try:
            geometry = GEOSGeometry(json.dumps(data))
        except (GDALException, GEOSException, ValueError, TypeError) as exc:
            raise InvalidFilter(f"The geometry literal could not be read: {exc}") from exc
        if geometry.empty or not geometry.valid:
            raise InvalidFilter(f"The geometry literal is not valid: {geometry.valid_reason}.")
        geometry.srid = srid  # GeoJSON reads as EPSG:4326; the literal is in the filter's CRS
        return geometry


def _chain(node: ast.Combination) -> list[Any]:
    """The operands of a run of the same connective, left to right, without recursion."""
    operands, pending = [], [node]
    while pending:
        current = pending.pop()
        if type(current) is type(node):
            pending += [current.rhs, current.lhs]
        else:
            operands.append(current)
    return operands


def _flip_geometry(data: dict) -> dict:
    if data.get("type") == "GeometryCollection":
        return {**data, "geometries": [_flip_geometry(part) for part in data.get("geometries", [])]}
    return {**data, "coordinates": flip(data.get("coordinates", []))}


def _kind(python_type: type) -> str:
    return {str: "text", int: "number", float: "number", bool: "boolean", date: "date"}.get(python_type, "other")


def _describe(node: Any) -> str:
    if isinstance(node, ast.Node):
        return type(node).__name__
    if isinstance(node, values.Geometry):
        return "a geometry"
    return f"the {type(node).__name__} {node!r}"
