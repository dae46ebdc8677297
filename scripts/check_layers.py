"""The layering check: the portal's apps depend on each other one way only.

    core < accounts < deposits < applications < panel < notifications < transparency < api

An app may import an app to its left, never one to its right, counting imports inside functions
and ``if TYPE_CHECKING`` blocks (a circle that only shows at run time is still a circle). A lower
app announces what happened with a signal; a higher one reacts in its ``receivers.py``.
``archive_portal`` (settings, URLs, the Celery app, the demo command) composes them: it may import
any app, and no app imports it. Migrations are not checked (Django writes their imports).

Usage: python scripts/check_layers.py [ROOT]   (ROOT: the project folder, by default this one's)
Prints each import that points the wrong way, with file and line, and exits 1 if there is one.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

#: The apps from the bottom up. docs/architecture.md draws the same picture.
LAYERS = ["core", "accounts", "deposits", "applications", "panel", "notifications", "transparency", "api"]
COMPOSER = "archive_portal"


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    importer: str
    imported: str

    def __str__(self) -> str:
        direction = "the project package" if self.imported == COMPOSER else f"a higher app ({self.imported})"
        return f"{self.path}:{self.line}: {self.importer} imports {direction}"


def imported_apps(tree: ast.AST) -> list[tuple[str, int]]:
    """(top-level package, line) for every absolute import anywhere in the module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.args[0].value.split(".")[0], node.lineno))
    return found


def violations(root: Path) -> list[Violation]:
    rank = {app: index for index, app in enumerate(LAYERS)}
    found = []
    for app in LAYERS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.relative_to(root).parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for imported, line in imported_apps(tree):
                if imported == app:
                    continue
                if imported == COMPOSER or rank.get(imported, -1) > rank[app]:
                    found.append(Violation(str(path.relative_to(root)), line, app, imported))
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    found = violations(root)
    for violation in found:
        print(violation)
    if found:
        print(f"{len(found)} import(s) point up the layers: {' < '.join(LAYERS)} (see docs/architecture.md).")
        return 1
    print(f"Layers hold: {' < '.join(LAYERS)}; {COMPOSER} composes them.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
