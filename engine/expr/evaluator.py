"""A small, safe expression language over Python's ``ast`` (SPEC §5).

Allowed: literals, arithmetic, comparison, boolean logic, indexing and slicing, ``x if c else y``, list and
dict literals, ``a.b`` as a key lookup in a dict (``loop.item``; never ``getattr``), and calls of a fixed list
of pure functions by their bare name. Refused before evaluation: methods and other calls, any name or field
starting with ``_`` (so no dunders), imports, lambdas, comprehensions, assignments, keyword tricks, and anything
not listed. Evaluation is bounded: integers are capped in size (``9**9**9`` fails fast), strings and lists
in length (``'a'*10**10``, ``[0]*10**9``), the expression itself in length and node count, and the work it
does by a budget of steps (:mod:`engine.expr.budget`: comparing, printing, sorting or repeating a large or
deeply shared value is charged before it runs). Every failure is an :class:`ExpressionError` with a message
that names the problem; nothing is ever executed as Python.
"""

from __future__ import annotations

import ast
import math
import operator
from functools import lru_cache
from typing import Any, Callable

from ..errors import ExpressionError
from . import chunked
from .budget import MAX_STEPS, Budget, check_round

__all__ = ["FUNCTIONS", "compile_expression", "evaluate", "MAX_SEQUENCE", "MAX_INT_BITS"]

MAX_SOURCE = 10_000
MAX_NODES = 2_000
MAX_SEQUENCE = 1_000_000
MAX_INT_BITS = 4_096


def _check_len(n: int) -> None:
    if n > MAX_SEQUENCE:
        raise ExpressionError(f"result too large: {n} items (limit {MAX_SEQUENCE})")


def _check_int(v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > MAX_INT_BITS:
        raise ExpressionError(f"integer result too large (over {MAX_INT_BITS} bits)")
    return v


def _sized(v: Any) -> Any:
    if isinstance(v, (str, list, tuple, dict)):
        _check_len(len(v))
    return _check_int(v)


def _mul(a: Any, b: Any) -> Any:
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
            _check_len(len(seq) * max(n, 0))
    if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_INT_BITS + 1:
        raise ExpressionError(f"integer result too large (over {MAX_INT_BITS} bits)")
    return a * b


def _pow(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool):
        if b > 0 and abs(a) > 1 and b * math.log2(abs(a)) > MAX_INT_BITS:
            raise ExpressionError(f"integer result too large: {a} ** {b} exceeds {MAX_INT_BITS} bits")
        if b < 0 and a == 0:
            raise ExpressionError("zero cannot be raised to a negative power")
    try:
        r = a ** b
    except OverflowError:
        raise ExpressionError(f"result too large: {a!r} ** {b!r}") from None
    if isinstance(r, complex):
        raise ExpressionError(f"{a!r} ** {b!r} has no real result")
    return r


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, (str, list, tuple)) and isinstance(b, (str, list, tuple)):
        _check_len(len(a) + len(b))
    return _check_int(a + b)


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: _add,
    ast.Sub: lambda a, b: _check_int(a - b),
    ast.Mult: _mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: lambda a, b: _refuse_format(a) if isinstance(a, str) else a % b,
    ast.Pow: _pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_COMPARE = {
    ast.Eq: chunked.equal,  # (long lists a piece at a time: see engine.expr.chunked)
    ast.NotEq: lambda a, b: not chunked.equal(a, b),
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: chunked.contains,
    ast.NotIn: lambda a, b: not chunked.contains(a, b),
}


def _refuse_format(_: Any) -> Any:
    raise ExpressionError("'%' formatting of strings is not allowed; use str() and +")


def _keys(d: Any) -> list:
    if not isinstance(d, dict):
        raise ExpressionError(f"keys() needs an object, not {type(d).__name__}")
    return list(d.keys())


def _values(d: Any) -> list:
    if not isinstance(d, dict):
        raise ExpressionError(f"values() needs an object, not {type(d).__name__}")
    return list(d.values())


def _str(v: Any = "") -> str:
    if isinstance(v, (str, int, float, bool)) or v is None:
        return _sized(str(v))
    if isinstance(v, (list, dict)):
        from ..values import to_json

        return _sized(chunked.dumps(to_json(v)))
    from ..values import summarize

    return summarize(v)


def _text_fn(name: str, fn: Callable[[str], str]) -> Callable[[Any], str]:
    def call(s: Any) -> str:
        if not isinstance(s, str):
            raise ExpressionError(f"{name}() needs a string, not {type(s).__name__}")
        return fn(s)

    return call


def _int(v: Any = 0, *base: Any) -> int:
    if isinstance(v, str) and len(v) > 1000:
        raise ExpressionError("int() of a string longer than 1000 characters is not allowed")
    return _check_int(int(v, *base))


FUNCTIONS: dict[str, Callable] = {
    "len": len,
    "min": min,
    "max": max,
    "sum": lambda xs, start=0: _check_int(sum(xs, start)),  # (evaluations use _sum: it is charged per step)
    "round": round,
    "abs": abs,
    "sorted": sorted,
    "lower": _text_fn("lower", str.lower),
    "upper": _text_fn("upper", str.upper),
    "str": _str,
    "int": _int,
    "float": float,
    "keys": _keys,
    "values": _values,
}
_KEYWORDS = {"sorted": {"reverse"}, "min": {"default"}, "max": {"default"}}
_CONSTANT_NAMES = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}
_ALLOWED_NODES = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
    ast.IfExp, ast.Attribute, ast.Subscript, ast.Slice, ast.List, ast.Tuple, ast.Dict, ast.Call, ast.keyword, ast.And, ast.Or,
    *_BINOPS, *_UNARY, *_COMPARE,
)


def _check(tree: ast.AST, source: str) -> None:
    count = 0
    for node in ast.walk(tree):
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"expression is too complex (over {MAX_NODES} parts)")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(f"attribute access is not allowed ('.{node.attr}'): only object fields can be "
                                  "read with '.', and names starting with '_' are reserved")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(f"name {node.id!r} is not allowed (names starting with '_' are reserved)")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, str, bool, type(None))):
            raise ExpressionError(f"literal {node.value!r} is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                what = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise ExpressionError(f"function {what!r} is not available; allowed: {', '.join(FUNCTIONS)}")
            for kw in node.keywords:
                if kw.arg is None or kw.arg not in _KEYWORDS.get(node.func.id, ()):
                    raise ExpressionError(f"{node.func.id}() does not take the keyword {kw.arg or '**'!r}")
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise ExpressionError("'*' arguments are not allowed")
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(f"{type(node).__name__} is not allowed in expressions: {source[:60]!r}")


@lru_cache(maxsize=2048)
def compile_expression(source: str) -> ast.Expression:
    """Parse and check an expression once; the checked tree is cached by source text."""
    if not isinstance(source, str):
        raise ExpressionError("an expression must be a string")
    if len(source) > MAX_SOURCE:
        raise ExpressionError(f"expression is longer than {MAX_SOURCE} characters")
    if not source.strip():
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        raise ExpressionError(f"syntax error in expression at column {e.offset}: {e.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression is nested too deeply or is malformed") from None
    _check(tree, source)
    return tree


class _Evaluator:
    __slots__ = ("names", "budget")

    def __init__(self, names: dict[str, Any], budget: Budget):
        self.names = names
        self.budget = budget

    def eval(self, node: ast.AST) -> Any:
        budget = self.budget
        budget.left -= 1
        if budget.left < 0:
            budget.charge(0)
        meth = getattr(self, "_" + type(node).__name__)
        return meth(node)

    def _Expression(self, n: ast.Expression) -> Any:
        return self.eval(n.body)

    def _Constant(self, n: ast.Constant) -> Any:
        return n.value

    def _Name(self, n: ast.Name) -> Any:
        if n.id in self.names:
            return self.names[n.id]
        if n.id in _CONSTANT_NAMES:
            return _CONSTANT_NAMES[n.id]
        data = self.names.get("data")
        if isinstance(data, dict) and n.id in data:
            return data[n.id]
        raise ExpressionError(f"unknown name {n.id!r}")

    def _BinOp(self, n: ast.BinOp) -> Any:
        a, b = self.eval(n.left), self.eval(n.right)
        if isinstance(n.op, ast.Add) and isinstance(a, (str, list, tuple)) and isinstance(b, (str, list, tuple)):
            self.budget.copy(len(a) + len(b), isinstance(a, str))
        elif isinstance(n.op, ast.Mult):
            for seq, k in ((a, b), (b, a)):
                if isinstance(seq, (str, list, tuple)) and isinstance(k, int):
                    _check_len(len(seq) * max(k, 0))
                    self.budget.copy(len(seq) * max(k, 0), isinstance(seq, str))
        return _BINOPS[type(n.op)](a, b)

    def _UnaryOp(self, n: ast.UnaryOp) -> Any:
        return _UNARY[type(n.op)](self.eval(n.operand))

    def _BoolOp(self, n: ast.BoolOp) -> Any:
        value = None
        for v in n.values:
            value = self.eval(v)
            if isinstance(n.op, ast.And) and not value:
                return value
            if isinstance(n.op, ast.Or) and value:
                return value
        return value

    def _Compare(self, n: ast.Compare) -> Any:
        left = self.eval(n.left)
        budget = self.budget
        for op, comp in zip(n.ops, n.comparators):
            right = self.eval(comp)
            if isinstance(op, (ast.In, ast.NotIn)):
                budget.contains(left, right)
            else:
                budget.compare(left, right)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def _IfExp(self, n: ast.IfExp) -> Any:
        return self.eval(n.body) if self.eval(n.test) else self.eval(n.orelse)

    def _Attribute(self, n: ast.Attribute) -> Any:
        target = self.eval(n.value)
        if not isinstance(target, dict):
            raise ExpressionError(f"attribute access is not allowed ('.{n.attr}' on {type(target).__name__}): "
                                  "only object fields can be read with '.'")
        if n.attr not in target:
            raise ExpressionError(f"missing key: {n.attr!r}")
        return target[n.attr]

    def _Subscript(self, n: ast.Subscript) -> Any:
        target = self.eval(n.value)
        if not isinstance(target, (dict, list, tuple, str)):
            raise ExpressionError(f"cannot index a value of type {type(target).__name__}")
        key = self.eval(n.slice)
        value = target[key]
        if isinstance(key, slice):
            self.budget.copy(len(value), isinstance(value, str))
        return value

    def _Slice(self, n: ast.Slice) -> slice:
        parts = [self.eval(p) if p is not None else None for p in (n.lower, n.upper, n.step)]
        return slice(*parts)

    def _List(self, n: ast.List) -> list:
        return [self.eval(e) for e in n.elts]

    def _Tuple(self, n: ast.Tuple) -> tuple:
        return tuple(self.eval(e) for e in n.elts)

    def _Dict(self, n: ast.Dict) -> dict:
        if any(k is None for k in n.keys):
            raise ExpressionError("'**' in dict literals is not allowed")
        return {self.eval(k): self.eval(v) for k, v in zip(n.keys, n.values)}

    def _Call(self, n: ast.Call) -> Any:
        name = n.func.id
        args = [self.eval(a) for a in n.args]
        kwargs = {kw.arg: self.eval(kw.value) for kw in n.keywords}
        budget = self.budget
        if name == "sum":
            return _sized(_sum(budget, *args, **kwargs))
        if name in ("sorted", "min", "max"):
            if len(args) == 1:
                budget.sort(args[0]) if name == "sorted" else budget.charge(2 * budget.weight(args[0]))
            else:
                budget.charge(sum(budget.weight(a) for a in args))
        elif name == "str" and args:
            budget.charge(budget.weight(args[0]))
        elif name in ("keys", "values") and args and isinstance(args[0], dict):
            budget.copy(len(args[0]))
        elif name in ("lower", "upper") and args and isinstance(args[0], str):
            budget.copy(len(args[0]), True)
        elif name == "round":
            check_round(tuple(args))
        if len(args) == 1 and chunked.long(args[0]):  # a long list: sorted, min and max a piece at a time
            if name == "sorted":
                return _sized(chunked.sorted_(args[0], **kwargs))
            if name in ("min", "max"):
                return _sized(chunked.extreme(FUNCTIONS[name], args[0], **kwargs))
        return _sized(FUNCTIONS[name](*args, **kwargs))


def _sum(budget: Budget, xs: Any, start: Any = 0) -> Any:
    """``sum``, charged for each addition: adding lists or strings copies the total so far every time."""
    if not isinstance(xs, (list, tuple)):
        raise ExpressionError(f"sum() needs a list, not {type(xs).__name__}")
    acc = start
    for x in xs:
        if isinstance(acc, (str, list, tuple)) and isinstance(x, (str, list, tuple)):
            budget.copy(len(acc) + len(x), isinstance(acc, str))
        else:
            budget.charge(1)
        acc = _add(acc, x)
    return acc


def evaluate(source: str, names: dict[str, Any] | None = None, budget: Budget | None = None) -> Any:
    """Evaluate ``source`` with ``names`` in scope (typically ``data`` and ``loop``); keys of a dict ``data``
    are also reachable by their bare name. ``budget`` (default: :data:`MAX_STEPS` steps) bounds the work; the
    result is charged too, as what receives it (a comparison, JSON output) walks it. Every failure is an
    :class:`ExpressionError`."""
    tree = compile_expression(source)
    budget = budget if budget is not None else Budget(MAX_STEPS)
    try:
        result = _Evaluator(names or {}, budget).eval(tree)
        if isinstance(result, (list, tuple, dict)):
            budget.charge(budget.weight(result))
        return result
    except ExpressionError:
        raise
    except RecursionError:
        raise ExpressionError("expression is nested too deeply") from None
    except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, OverflowError, MemoryError) as e:
        kind = {KeyError: "missing key", IndexError: "index out of range", ZeroDivisionError: "division by zero"}
        label = kind.get(type(e))
        msg = f"{label}: {e}" if label and type(e) is not ZeroDivisionError else (label or str(e))
        raise ExpressionError(f"{msg} in {source.strip()[:80]!r}") from None
