"""Reading the project's source for tests: its imports."""

from __future__ import annotations

import ast


def module_level_imports(tree: ast.Module) -> list[ast.stmt]:
    """Import statements outside functions and `if TYPE_CHECKING:` blocks: imports inside a
    function are optional features (e.g. timm models), not requirements of the rule, and
    the type checker's imports never run."""
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and _type_checking(node.test):
            todo += node.orelse
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo += ast.iter_child_nodes(node)
    return found


def _type_checking(test: ast.expr) -> bool:
    """`TYPE_CHECKING` or `typing.TYPE_CHECKING`."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
