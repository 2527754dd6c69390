"""README.md and .env.example tell the truth about configuration: they name every environment
variable the project reads, and none that nothing reads. Also: every relative link in README.md and
docs/*.md resolves to a file inside the repository (a clone has no ../shared/)."""

import ast
import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# Project code that runs in production and may read the environment; tests, benchmarks and the
# virtualenv are not configuration. deploy/gunicorn.conf.py is read by the web container.
SKIP_DIRS = {".venv", "tests", "benchmarks", "migrations", "node_modules", ".git"}
# Written (os.environ.setdefault), never read from the deployment: not configuration.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}
ENV_METHODS = {
    "str", "int", "bool", "list", "float", "tuple", "dict", "json", "url", "path",
    "db_url", "db", "cache_url", "cache", "email_url", "email", "search_url", "decimal", "get_value",
}  # fmt: skip


def _python_sources():
    for path in BASE_DIR.rglob("*.py"):
        parts = path.relative_to(BASE_DIR).parts
        if not SKIP_DIRS.intersection(parts[:-1]) and parts[-1] != "conftest.py":
            yield path


def _first_str_arg(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _is_os_environ(node) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _is_read_call(func) -> bool:
    if isinstance(func, ast.Name):
        return func.id == "env"  # env("X")
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    if isinstance(owner, ast.Name):
        # env.str("X"), env.int("X"), ... and os.getenv("X")
        return (owner.id == "env" and func.attr in ENV_METHODS) or (
            owner.id == "os" and func.attr == "getenv"
        )
    return _is_os_environ(owner) and func.attr in {"get", "pop"}  # os.environ.get("X")


def variables_read(source: str) -> set[str]:
    """Names read through django-environ (`env.str(...)`, `env("X")`, ...), `os.environ.get`,
    `os.environ[...]` and `os.getenv`."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        name: object = None
        if isinstance(node, ast.Call) and _is_read_call(node.func):
            name = _first_str_arg(node)
        elif (
            isinstance(node, ast.Subscript)
            and _is_os_environ(node.value)
            and isinstance(node.slice, ast.Constant)
        ):
            name = node.slice.value
        if isinstance(name, str) and NAME.match(name):
            found.add(name)
    return found


def project_variables() -> set[str]:
    found = set()
    for path in _python_sources():
        found |= variables_read(path.read_text())
    # docker compose itself reads ${VAR} from .env (e.g. the database password).
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    found |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose))
    return found - NOT_CONFIGURATION


def env_example_variables() -> set[str]:
    text = (BASE_DIR / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, re.M))


def readme_variables() -> set[str]:
    """Every `NAME` or `NAME=value` in backticks in README.md's "Configuration" section."""
    text = (BASE_DIR / "README.md").read_text()
    section = re.search(r"^## Configuration\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, "README.md has no '## Configuration' section"
    return set(re.findall(r"`([A-Z][A-Z0-9_]*)(?:=[^`]*)?`", section[1]))


def test_the_extractor_sees_every_form_of_read():
    source = """
import os
a = env("A_PLAIN")
b = env.str("B_STR", default="")
c = env.int("C_INT", default=1)
d = env.bool("D_BOOL")
e = env.list("E_LIST", default=[])
f = env.db_url("F_DB")
g = os.environ.get("G_GET", "x")
h = os.getenv("H_GETENV")
i = os.environ["I_ITEM"]
os.environ.setdefault("NOT_A_READ", "x")
"""
    assert variables_read(source) == {
        "A_PLAIN", "B_STR", "C_INT", "D_BOOL", "E_LIST", "F_DB", "G_GET", "H_GETENV", "I_ITEM",
    }  # fmt: skip


def test_the_settings_are_scanned():
    read = project_variables()
    # A few the settings and gunicorn's config are known to read: the scan reaches both.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "LOGIN_FAILURE_LIMIT", "WEB_CONCURRENCY"} <= read


def _difference_report(documented: set[str], where: str) -> str:
    read = project_variables()
    lines = []
    if missing := sorted(read - documented):
        lines.append(f"read by the project but missing from {where}: {', '.join(missing)}")
    if unread := sorted(documented - read):
        lines.append(f"in {where} but read by nothing: {', '.join(unread)}")
    return "\n".join(lines)


def test_env_example_lists_exactly_the_variables_read():
    report = _difference_report(env_example_variables(), ".env.example")
    assert not report, report


def test_readme_lists_exactly_the_variables_read():
    report = _difference_report(readme_variables(), "README.md")
    assert not report, report


# --- Links ------------------------------------------------------------------------------------------

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _documents():
    return [BASE_DIR / "README.md", *sorted((BASE_DIR / "docs").glob("*.md"))]


def test_every_relative_link_resolves_inside_the_repository():
    broken = []
    for document in _documents():
        for target in LINK.findall(document.read_text()):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # http(s):, mailto:, an anchor on the same page
            path = (document.parent / target.split("#", 1)[0]).resolve()
            if not path.is_relative_to(BASE_DIR) or not path.exists():
                broken.append(f"{document.relative_to(BASE_DIR)}: {target}")
    assert not broken, "links that do not resolve inside the repository:\n" + "\n".join(broken)
