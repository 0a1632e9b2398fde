"""OGC API – Features Part 3 (Filtering): `filter=` in CQL2 text or CQL2 JSON.

pygeofilter parses both encodings into one syntax tree; a small evaluator here turns
that tree into a Python predicate over a feature's properties and shapely geometry.
pygeofilter's own "native" backend is not used: it builds Python source from the
filter and runs it with `eval` (a function name in the filter becomes a name in that
source), which no request from the network should reach; it also raises TypeError on
a missing property where CQL2 wants "unknown" (false). The evaluator checks every
property name against the collection's queryables and every comparison's types
before any feature is read, so a wrong filter is a 400 naming the problem.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from lark.exceptions import LarkError
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from mapapp.crs import CRS84, transform_shape
from mapapp.errors import BadParameter
from mapapp.queryables import GEOMETRY, Queryable

LANGUAGES = ("cql2-text", "cql2-json")
# What the evaluator implements, as CQL2 1.0 conformance classes: declared, and tested.
CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
CONFORMANCE = tuple(CQL2 + name for name in (
    "cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators",
    "basic-spatial-functions", "basic-spatial-functions-plus", "spatial-functions",
    "property-property"))

Row = tuple[Mapping[str, Any], BaseGeometry]  # a feature's properties and its shape
Predicate = Callable[[Row], bool]

_COMPARE = {ast.ComparisonOp.EQ: operator.eq, ast.ComparisonOp.NE: operator.ne,
            ast.ComparisonOp.LT: operator.lt, ast.ComparisonOp.LE: operator.le,
            ast.ComparisonOp.GT: operator.gt, ast.ComparisonOp.GE: operator.ge}
_SPATIAL = {ast.SpatialComparisonOp.INTERSECTS: shapely.intersects,
            ast.SpatialComparisonOp.DISJOINT: shapely.disjoint,
            ast.SpatialComparisonOp.CONTAINS: shapely.contains,
            ast.SpatialComparisonOp.WITHIN: shapely.within,
            ast.SpatialComparisonOp.TOUCHES: shapely.touches,
            ast.SpatialComparisonOp.CROSSES: shapely.crosses,
            ast.SpatialComparisonOp.OVERLAPS: shapely.overlaps,
            ast.SpatialComparisonOp.EQUALS: shapely.equals}
# JSON Schema types that compare with each other
_FAMILY = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean",
           "geometry": "geometry"}


@dataclass(frozen=True)
class Expr:
    """A compiled operand: its value for a row, and its type family (None: unknown)."""

    value: Callable[[Row], Any]
    family: str | None


def parse_filter(text: str, language: str | None, crs: str,
                 available: Mapping[str, Queryable]) -> Predicate:
    """The predicate of a `filter` parameter, or a 400 saying what is wrong with it."""
    language = language or "cql2-text"
    if language not in LANGUAGES:
        raise BadParameter(f"filter-lang must be one of {', '.join(LANGUAGES)}; "
                           f"got {language!r}")
    try:
        if language == "cql2-json":
            document = json.loads(text)
            if not isinstance(document, dict):
                raise BadParameter("filter in cql2-json must be a JSON object such as "
                                   '{"op": "=", "args": [{"property": "status"}, "planned"]}')
            tree = parse_cql2_json(_bbox_as_polygon(document))
        else:
            tree = parse_cql2_text(text)
    except json.JSONDecodeError as error:
        raise BadParameter(f"filter is not valid JSON: {error.msg} at character "
                           f"{error.pos}") from None
    except LarkError as error:
        first = str(error).strip().splitlines()[0]
        raise BadParameter(f"filter is not valid CQL2 text: {first}") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise BadParameter(f"filter is not valid {language}: {error}") from None
    except RecursionError:
        raise BadParameter("filter is nested too deeply") from None
    try:
        return _Compiler(available, crs).condition(tree)
    except RecursionError:
        raise BadParameter("filter is nested too deeply") from None


def _bbox_as_polygon(document: Any) -> Any:
    """CQL2 JSON's `{"bbox": [minx, miny, maxx, maxy]}` as the polygon it means:
    pygeofilter 0.4's JSON parser puts the numbers of a bbox in the wrong fields."""
    if isinstance(document, list):
        return [_bbox_as_polygon(item) for item in document]
    if not isinstance(document, dict):
        return document
    box = document.get("bbox")
    if set(document) == {"bbox"} and isinstance(box, list) and len(box) in (4, 6) and all(
            isinstance(n, int | float) and not isinstance(n, bool) for n in box):
        minx, miny, maxx, maxy = box[:2] + box[3:5] if len(box) == 6 else box
        return shapely.geometry.mapping(shapely.box(minx, miny, maxx, maxy))
    return {key: _bbox_as_polygon(value) for key, value in document.items()}


class _Compiler:
    def __init__(self, available: Mapping[str, Queryable], crs: str) -> None:
        self.available = available
        self.crs = crs

    def condition(self, node: Any) -> Predicate:
        """A boolean node: combinations, comparisons, predicates."""
        if isinstance(node, ast.Not):
            inner = self.condition(node.sub_node)
            return lambda row: not inner(row)
        if isinstance(node, ast.And | ast.Or):
            lhs, rhs = self.condition(node.lhs), self.condition(node.rhs)
            if isinstance(node, ast.And):
                return lambda row: lhs(row) and rhs(row)
            return lambda row: lhs(row) or rhs(row)
        if isinstance(node, ast.Comparison):
            return self._comparison(node)
        if isinstance(node, ast.Between):
            return self._between(node)
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.In):
            return self._in(node)
        if isinstance(node, ast.IsNull):
            operand = self.operand(node.lhs)
            wanted = not node.not_
            return lambda row: (operand.value(row) is None) == wanted
        if isinstance(node, ast.SpatialComparisonPredicate):
            return self._spatial(node)
        if isinstance(node, bool):
            return lambda row: node
        if isinstance(node, ast.Attribute) and self.operand(node).family == "boolean":
            attribute = self.operand(node)
            return lambda row: attribute.value(row) is True
        raise BadParameter(f"filter: {_describe(node)} is not supported; this API takes "
                           "comparisons, LIKE, BETWEEN, IN, IS NULL, AND/OR/NOT and the "
                           "S_ spatial functions")

    def operand(self, node: Any) -> Expr:
        """A value: a queryable property, the geometry, or a literal."""
        if isinstance(node, ast.Attribute):
            if node.name == GEOMETRY:
                return Expr(lambda row: row[1], "geometry")
            if node.name not in self.available:
                valid = ", ".join([GEOMETRY, *self.available])
                raise BadParameter(f"filter: unknown property {node.name!r}; the queryables "
                                   f"are {valid}")
            name = node.name
            return Expr(lambda row: row[0].get(name), _FAMILY[self.available[name].type])
        if isinstance(node, bool):
            return Expr(lambda row: node, "boolean")
        if isinstance(node, int | float):
            return Expr(lambda row: node, "number")
        if isinstance(node, str):
            return Expr(lambda row: node, "string")
        geometry = self._geometry(node)
        if geometry is not None:
            return Expr(lambda row: geometry, "geometry")
        raise BadParameter(f"filter: {_describe(node)} is not supported as a value; this "
                           "API takes properties, strings, numbers, booleans and geometries")

    def _geometry(self, node: Any) -> BaseGeometry | None:
        """A geometry literal (WKT, GeoJSON or BBOX) in CRS84, from the filter's CRS."""
        if isinstance(node, values.Geometry):
            try:
                geometry = shape(node.geometry)
            except (ValueError, TypeError, KeyError, AttributeError,
                    shapely.errors.GEOSException) as error:
                raise BadParameter(f"filter: invalid geometry: {error}") from None
        elif isinstance(node, ast.Function) and node.name.lower() == "bbox":
            numbers = node.arguments
            if len(numbers) not in (4, 6) or not all(
                    isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
                raise BadParameter("filter: BBOX takes 4 numbers (or 6 with heights)")
            minx, miny, maxx, maxy = (numbers[:2] + numbers[3:5] if len(numbers) == 6
                                      else numbers)
            geometry = shapely.box(minx, miny, maxx, maxy)
        else:
            return None
        return transform_shape(geometry, self.crs, CRS84)

    def _typed(self, node: Any, *others: Any) -> list[Expr]:
        """Operands that must be of one type family (strings with strings…)."""
        exprs = [self.operand(node), *(self.operand(other) for other in others)]
        families = {e.family for e in exprs} - {None}
        if "geometry" in families:
            raise BadParameter("filter: geometries are compared with the S_ functions "
                               "(S_INTERSECTS…), not with =, <, LIKE, IN or BETWEEN")
        if len(families) > 1:
            raise BadParameter(f"filter: cannot compare {_describe(node)} "
                               f"({exprs[0].family}) with "
                               + ", ".join(f"{_describe(o)} ({e.family})"
                                           for o, e in zip(others, exprs[1:], strict=True)))
        return exprs

    def _comparison(self, node: Any) -> Predicate:
        lhs, rhs = self._typed(node.lhs, node.rhs)
        compare = _COMPARE[node.op]

        def predicate(row: Row) -> bool:
            left, right = lhs.value(row), rhs.value(row)
            return left is not None and right is not None and compare(left, right)
        return predicate

    def _between(self, node: Any) -> Predicate:
        lhs, low, high = self._typed(node.lhs, node.low, node.high)
        if "string" in (lhs.family, low.family) or "boolean" in (lhs.family, low.family):
            raise BadParameter("filter: BETWEEN compares numbers")

        def predicate(row: Row) -> bool:
            value, lo, hi = lhs.value(row), low.value(row), high.value(row)
            if value is None or lo is None or hi is None:
                return False
            return (lo <= value <= hi) != node.not_
        return predicate

    def _like(self, node: Any) -> Predicate:
        lhs = self.operand(node.lhs)
        if lhs.family not in ("string", None):
            raise BadParameter(f"filter: LIKE matches strings; {_describe(node.lhs)} is "
                               f"a {lhs.family}")
        if not isinstance(node.pattern, str):
            raise BadParameter("filter: LIKE takes a string pattern; got "
                               + _describe(node.pattern))
        automaton = _Like.build(_like_tokens(node.pattern, fold=node.nocase))

        def predicate(row: Row) -> bool:
            value = lhs.value(row)
            if not isinstance(value, str):
                return False
            return automaton.matches(value.casefold() if node.nocase else value) != node.not_
        return predicate

    def _in(self, node: Any) -> Predicate:
        lhs, *options = self._typed(node.lhs, *node.sub_nodes)

        def predicate(row: Row) -> bool:
            value = lhs.value(row)
            if value is None:
                return False
            return any(value == option.value(row) for option in options) != node.not_
        return predicate

    def _spatial(self, node: Any) -> Predicate:
        lhs, rhs = self.operand(node.lhs), self.operand(node.rhs)
        if lhs.family != "geometry" or rhs.family != "geometry":
            raise BadParameter(f"filter: {node.op.value.upper()} relates two geometries "
                               f"(the property {GEOMETRY!r} or a literal)")
        relate = _SPATIAL[node.op]
        return lambda row: bool(relate(lhs.value(row), rhs.value(row)))


ANY, ONE = object(), object()  # CQL2's wildcards: % (any characters) and _ (one)


def _like_tokens(pattern: str, fold: bool) -> list[object]:
    """A LIKE pattern as characters and wildcards; a backslash makes the next one literal.
    (pygeofilter's parser leaves the pattern as written; its regex translation takes "."
    for one character, and a regex of many wildcards backtracks without end.)"""
    tokens: list[object] = []
    escaped = False
    for char in pattern:
        if escaped:
            tokens.append(char.casefold() if fold else char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            if not tokens or tokens[-1] is not ANY:
                tokens.append(ANY)
        elif char == "_":
            tokens.append(ONE)
        else:
            tokens.append(char.casefold() if fold else char)
    return tokens


@dataclass(frozen=True)
class _Like:
    """A LIKE pattern as a bit-parallel automaton (shift-and): bit i of a state means
    "the first i tokens match so far". One step per character of the text, whatever
    the pattern, so no pattern can make a match slow (a regex of many % backtracks)."""

    literal: dict[str, int]  # for each character, the tokens it matches
    one: int  # the tokens that are _
    any: int  # the tokens that are %
    accept: int

    @classmethod
    def build(cls, tokens: list[object]) -> _Like:
        literal: dict[str, int] = {}
        one = any_ = 0
        for i, token in enumerate(tokens):
            if token is ONE:
                one |= 1 << i
            elif token is ANY:
                any_ |= 1 << i
            else:
                literal[token] = literal.get(token, 0) | 1 << i  # type: ignore[index]
        return cls(literal, one, any_, 1 << len(tokens))

    def _closure(self, state: int) -> int:
        """% also matches no character (consecutive % are one token)."""
        return state | (state & self.any) << 1

    def matches(self, text: str) -> bool:
        state = self._closure(1)
        for char in text:
            state = self._closure(((state & (self.literal.get(char, 0) | self.one)) << 1)
                                  | (state & self.any))
            if not state:
                return False
        return bool(state & self.accept)


def _like_match(tokens: list[object], text: str) -> bool:
    """Whether `text` matches the whole pattern."""
    return _Like.build(tokens).matches(text)


def _describe(node: Any) -> str:
    """A node as the filter's reader would name it."""
    if isinstance(node, ast.Attribute):
        return f"property {node.name!r}"
    if isinstance(node, ast.Function):
        return f"function {node.name!r}"
    if isinstance(node, ast.Node):
        return re.sub(r"(?<!^)(?=[A-Z])", " ", type(node).__name__).lower()
    if isinstance(node, str):
        return repr(node)
    return f"{type(node).__name__} {node!r}"
