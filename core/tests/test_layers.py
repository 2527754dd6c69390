"""The two import rules of the layers, checked cheaply with `ast` until import-linter does it:

- core is a leaf: it imports Django, DRF, other third-party packages and itself, never a shop app
  nor the project package `shop`;
- no domain app imports `shop` (the project: settings, URLs, Celery, middleware); what apps share
  lives in core.

Every .py file counts, tests and migrations included, and imports inside functions too.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_APPS = (
    "accounts",
    "catalog",
    "inventory",
    "orders",
    "promotions",
    "payments",
    "recommendations",
)


def _imported_modules(path: Path) -> set[str]:
    """The absolute module names a file imports (relative imports stay inside its package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    return [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in sorted(_imported_modules(path))
        if module.split(".")[0] in forbidden
    ]


def test_core_imports_no_app_and_not_shop():
    assert _violations("core", ("shop", *DOMAIN_APPS)) == []


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_no_domain_app_imports_shop(app):
    assert _violations(app, ("shop",)) == []


def test_the_scan_sees_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import shop.settings\n"
        "from . import models\n"
        "def f():\n"
        "    from accounts.models import User\n"
        "    from shop import db_router\n"
    )
    assert _imported_modules(sample) == {"shop.settings", "accounts.models", "shop"}
