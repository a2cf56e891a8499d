"""Expressions in config fields (SPEC §5a): ``{"$expr": "text with {{ expression }} placeholders"}``.

A template is compiled once (each placeholder checked by the §5 language's own checks); what it reads is
known before anything runs — ``nodes.<id>.<port>``, ``in.<port>``, ``run.inputs.<name>``, ``run.id`` and
``loop.*`` — so the graph can wait for it, validation can name what is wrong, and the cache can key on it. A
template that is exactly one placeholder keeps the value's type; otherwise the result is text. Values read
are data: their text is inserted, never evaluated again.
"""

from __future__ import annotations

import ast
import io
import json
import keyword
import re
import tokenize
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator

from ..errors import ExpressionError
from .budget import MAX_STEPS, Budget
from .evaluator import _CONSTANT_NAMES, FUNCTIONS, _Evaluator, compile_expression
from .templates import MAX_TEMPLATE_OUTPUT, as_text

__all__ = ["EXPR", "is_expr", "find_exprs", "FieldTemplate", "compile_template", "Ref", "ROOTS", "walk", "ref_text"]

EXPR = "$expr"
ROOTS = ("in", "nodes", "run", "loop")
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
MAX_TEMPLATE = 10_000


def is_expr(value: Any) -> bool:
    return type(value) is dict and len(value) == 1 and EXPR in value


def find_exprs(config: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every ``$expr`` in a config, with its path (keys and list indexes) from the top."""
    if is_expr(config):
        yield path, config[EXPR]
    elif isinstance(config, dict):
        for k, v in config.items():
            yield from find_exprs(v, path + (k,))
    elif isinstance(config, list):
        for i, v in enumerate(config):
            yield from find_exprs(v, path + (i,))


@dataclass(frozen=True, slots=True)
class Ref:
    """What a placeholder reads: ``("nodes", id, port)``, ``("in", port)``, ``("run", "inputs", name)``,
    ``("run", "id")`` or ``("loop", field)``."""

    parts: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.parts)


def _chain(node: ast.AST) -> list | None:
    """``nodes.a["b"].c`` → ``["nodes", "a", "b", "c"]`` (names and constant keys), else None."""
    out: list = []
    while True:
        if isinstance(node, ast.Attribute):
            out.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and isinstance(node.slice.value, (str, int)) and not isinstance(node.slice.value, bool):
            out.append(node.slice.value)
            node = node.value
        elif isinstance(node, ast.Name):
            out.append(node.id)
            return out[::-1]
        else:
            return None


def _refs(tree: ast.AST) -> frozenset[Ref]:
    """What the expression reads; an ExpressionError for a name outside the scope of §5a or a reference that
    names no port."""
    refs: set[Ref] = set()
    inner: set[int] = set()  # Name nodes that are part of a chain already read
    for node in ast.walk(tree):
        if id(node) in inner:
            continue
        if isinstance(node, ast.Call):
            inner.add(id(node.func))
            continue
        chain = _chain(node) if isinstance(node, (ast.Attribute, ast.Subscript, ast.Name)) else None
        if chain is None:
            continue
        for sub in ast.walk(node):
            inner.add(id(sub))
        root = chain[0] if chain[0] != "in_" else "in"
        if root in _CONSTANT_NAMES:
            continue
        if root not in ROOTS:
            raise ExpressionError(f"unknown name {root!r}: a field expression reads in.<port>, "
                                  "nodes.<node>.<port>, run.inputs.<name>, run.id or loop.<field>")
        if root == "nodes":
            if len(chain) < 3:
                raise ExpressionError("name a node and its output: nodes.<node>.<port>")
            refs.add(Ref(("nodes", str(chain[1]), str(chain[2]))))
        elif root == "in":
            if len(chain) < 2:
                raise ExpressionError("name an input: in.<port>")
            refs.add(Ref(("in", str(chain[1]))))
        elif root == "run":
            if len(chain) >= 3 and chain[1] == "inputs":
                refs.add(Ref(("run", "inputs", str(chain[2]))))
            elif len(chain) >= 2 and chain[1] == "id":
                refs.add(Ref(("run", "id")))
            else:
                raise ExpressionError("run has inputs.<name> and id")
        else:
            if len(chain) < 2 or chain[1] not in ("item", "index", "total", "first", "last"):
                raise ExpressionError("loop has item, index, total, first and last")
            refs.add(Ref(("loop", str(chain[1]))))
    return frozenset(refs)


@dataclass(frozen=True, slots=True)
class FieldTemplate:
    source: str
    pieces: tuple  # text and compiled expressions, alternately (text first)
    whole: bool    # exactly one placeholder: the value keeps its type
    refs: frozenset[Ref]

    def render(self, names: dict[str, Any], budget: Budget | None = None) -> Any:
        ev = None
        if self.whole:
            piece = self.pieces[1]
            if type(piece) is tuple:  # a plain reference: read, no evaluator
                return _walk(names, piece)
            return self._eval(_Evaluator(names, budget if budget is not None else Budget(MAX_STEPS)), piece)
        out, size = [], 0
        for i, piece in enumerate(self.pieces):
            if i % 2 == 0:
                text = piece
            elif type(piece) is tuple:
                text = as_text(_walk(names, piece))
            else:
                if ev is None:
                    ev = _Evaluator(names, budget if budget is not None else Budget(MAX_STEPS))
                text = as_text(self._eval(ev, piece))
            size += len(text)
            if size > MAX_TEMPLATE_OUTPUT:
                raise ExpressionError(f"the text exceeds {MAX_TEMPLATE_OUTPUT} characters")
            out.append(text)
        return "".join(out)

    def _eval(self, ev: _Evaluator, tree) -> Any:
        try:
            result = ev.eval(tree)
        except ExpressionError:
            raise
        except RecursionError:
            raise ExpressionError("expression is nested too deeply") from None
        except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, OverflowError, MemoryError) as e:
            raise ExpressionError(f"{type(e).__name__.replace('Error', '').lower() or 'error'}: {e} "
                                  f"in {self.source[:80]!r}") from None
        if isinstance(result, (list, tuple, dict)):
            ev.budget.charge(ev.budget.weight(result))
        return result


def _walk(names: dict, chain: tuple) -> Any:
    """A plain reference (``nodes.a.b``, ``run.inputs.x``, ``loop.item["k"]``), read as the evaluator would."""
    return walk(names[chain[0]] if chain[0] in names else _CONSTANT_NAMES.get(chain[0]), chain[1:])


def walk(value: Any, keys: tuple) -> Any:
    """``value`` read along ``keys`` (dict keys, list indexes), as the evaluator reads ``a.b[0]``."""
    for key in keys:
        if isinstance(value, dict):
            if key not in value:
                raise ExpressionError(f"missing key: {key!r}")
            value = value[key]
        elif isinstance(value, (list, tuple, str)) and type(key) is int:
            if not -len(value) <= key < len(value):
                raise ExpressionError(f"index out of range: {key}")
            value = value[key]
        else:
            raise ExpressionError(f"cannot read {key!r} of a value of type {type(value).__name__}")
    return value


def _as_tree(chain: tuple) -> ast.AST:
    node: ast.AST = ast.Name(chain[0], ast.Load())
    for key in chain[1:]:
        node = ast.Subscript(node, ast.Constant(key), ast.Load())
    return node


def _in_root(source: str) -> str:
    """``in.port`` / ``in["port"]`` → ``in_…`` (``in`` is a Python keyword); the operator ``x in y`` stays."""
    if "in" not in source:
        return source
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source  # (compile_expression reports it)
    out, prev = [], None
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        operand_before = prev is not None and (
            prev.type in (tokenize.NUMBER, tokenize.STRING) or prev.string in (")", "]", "}", "True", "False", "None")
            or (prev.type == tokenize.NAME and not keyword.iskeyword(prev.string)))
        if tok.type == tokenize.NAME and tok.string == "in" and not operand_before and nxt is not None \
                and nxt.string in (".", "["):
            tok = tok._replace(string="in_")
        out.append(tok)
        if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
            prev = tok
    return tokenize.untokenize(out).strip()


@lru_cache(maxsize=4096)
def compile_template(source: str) -> FieldTemplate:
    """Compile a field template (an ExpressionError names what is wrong)."""
    if not isinstance(source, str):
        raise ExpressionError("a $expr value must be text with {{ }} placeholders")
    if len(source) > MAX_TEMPLATE:
        raise ExpressionError(f"the template is longer than {MAX_TEMPLATE} characters")
    pieces: list = []
    pos = 0
    for m in _PLACEHOLDER.finditer(source):
        pieces.append(source[pos:m.start()])
        inner = m.group(1)
        if "{{" in inner:
            raise ExpressionError("a placeholder cannot hold '{{'")
        tree = compile_expression(_in_root(inner.strip()))
        chain = _chain(tree.body)
        pieces.append(tree if chain is None or chain[0] not in ("in_", "nodes", "run", "loop") else tuple(chain))
        pos = m.end()
    tail = source[pos:]
    if "{{" in tail or "}}" in tail:
        raise ExpressionError("an unclosed '{{' or a stray '}}'")
    pieces.append(tail)
    if len(pieces) == 1:
        raise ExpressionError("the template has no {{ }} placeholder (write the value itself instead)")
    whole = len(pieces) == 3 and not pieces[0].strip() and not pieces[2].strip()
    refs = frozenset().union(*(_refs(p) if type(p) is not tuple else _refs(_as_tree(p)) for p in pieces[1::2]))
    return FieldTemplate(source, tuple(pieces), whole, refs)


assert all(name not in FUNCTIONS for name in ROOTS)


def ref_text(parts: tuple) -> str:
    """The expression reading ``parts`` (``("nodes", "size", "value", "a", 0)`` → ``nodes.size.value.a[0]``):
    names as attributes where the language reads them so, anything else (a hyphen, a space, a leading
    underscore, a keyword, a list index) subscripted."""
    out = str(parts[0])
    for part in parts[1:]:
        if type(part) is int:
            out += f"[{part}]"
        elif part.isidentifier() and not keyword.iskeyword(part) and not part.startswith("_"):
            out += f".{part}"
        else:
            out += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return out
