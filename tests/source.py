"""Reading the project's source for tests: its imports."""

from __future__ import annotations

import ast


def module_level_imports(tree: ast.Module) -> list[ast.stmt]:
    """Import statements outside functions: imports inside a function are optional
    features (e.g. timm models), not requirements of the rule."""
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo += ast.iter_child_nodes(node)
    return found
