"""Every domain error code a client can get is documented in docs/api-notes.md."""

import ast
import importlib
from pathlib import Path

from core.exceptions import DomainError

ROOT = Path(__file__).resolve().parents[2]
API_NOTES = ROOT / "docs" / "api-notes.md"
# The apps with domain rules.
APPS = (
    "accounts",
    "catalog",
    "inventory",
    "orders",
    "promotions",
    "payments",
    "recommendations",
    "aftersales",
)
# What defines DomainError subclasses besides the apps' exceptions modules.
SHARED = ("core.exceptions", "core.money")


def _subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _domain_errors() -> set[type]:
    for module in (*SHARED, *(f"{app}.exceptions" for app in APPS)):
        importlib.import_module(module)
    return {DomainError, *_subclasses(DomainError)}


def _inline_codes(names: set[str]) -> set[tuple[str, str]]:
    """`raise SomeDomainError(..., code="x")` in the apps' code: (file, code) pairs."""
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.relative_to(ROOT).parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                    continue
                func = node.exc.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in names:
                    continue
                for keyword in node.exc.keywords:
                    value = keyword.value
                    if keyword.arg == "code" and isinstance(value, ast.Constant):
                        found.add((str(path.relative_to(ROOT)), str(value.value)))
    return found


def test_every_app_with_domain_rules_has_its_exceptions_module():
    for app in APPS:
        assert (ROOT / app / "exceptions.py").is_file(), app


def test_every_domain_error_code_is_in_the_api_notes():
    notes = API_NOTES.read_text(encoding="utf-8")
    errors = _domain_errors()
    assert len(errors) > 40  # the walk found the apps' errors, not just the base classes
    missing = sorted(
        f"{cls.__module__}.{cls.__qualname__}: {cls.code}"
        for cls in errors
        if f"`{cls.code}`" not in notes
    )
    assert not missing, f"codes missing from docs/api-notes.md: {missing}"


def test_every_code_raised_inline_is_in_the_api_notes():
    notes = API_NOTES.read_text(encoding="utf-8")
    inline = _inline_codes({cls.__name__ for cls in _domain_errors()})
    assert inline  # the scan sees the inline codes (e.g. cart_item_not_found in orders' views)
    missing = sorted(f"{path}: {code}" for path, code in inline if f"`{code}`" not in notes)
    assert not missing, f"codes missing from docs/api-notes.md: {missing}"
