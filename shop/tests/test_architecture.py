"""The app map: docs/architecture.md draws it, .importlinter enforces it, and these tests keep the
two saying the same thing (and run lint-imports, as `make test` and the pre-commit hook do).

The doc's table ("| app | may import | why |") is compared with what the contracts allow: an app may
import every layer below its own, minus what a forbidden contract between whole apps takes away.
"""

import configparser
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
CONFIG = ROOT / ".importlinter"


def _config() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    return parser


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _contracts(kind: str) -> list[configparser.SectionProxy]:
    config = _config()
    return [
        config[name]
        for name in config.sections()
        if name.startswith("importlinter:contract:") and config[name]["type"] == kind
    ]


def _layers() -> list[list[str]]:
    """The layers contract's layers, top first, each a list of app names (parentheses dropped)."""
    (contract,) = _contracts("layers")
    return [
        [name.strip().strip("()") for name in re.split(r"[|:]", layer)]
        for layer in _lines(contract["layers"])
    ]


def _siblings_may_import_each_other() -> list[bool]:
    """Per layer: "a : b" lets siblings import each other, "a | b" (and a lone app) does not."""
    (contract,) = _contracts("layers")
    return [":" in layer for layer in _lines(contract["layers"])]


def allowed_by_contracts() -> dict[str, set[str]]:
    layers = _layers()
    open_layers = _siblings_may_import_each_other()
    allowed = {
        app: {below for lower in layers[i + 1 :] for below in lower}
        | ({sibling for sibling in layer if sibling != app} if open_layers[i] else set())
        for i, layer in enumerate(layers)
        for app in layer
    }
    for contract in _contracts("forbidden"):
        forbidden = _lines(contract["forbidden_modules"])
        if any("." in name for name in forbidden):
            continue  # about modules inside apps (api/, views), not arrows between apps
        for source in _lines(contract["source_modules"]):
            allowed[source] -= set(forbidden)
    return allowed


def allowed_by_doc() -> dict[str, set[str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## The app map", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| *([a-z_]+) *\| *([^|]*?) *\|", section, flags=re.MULTILINE)
    table = {app: set() if names == "-" else set(re.split(r", *", names)) for app, names in rows}
    table.pop("app", None)  # the header row
    return table


def test_doc_table_and_contracts_draw_the_same_arrows():
    assert allowed_by_doc() == allowed_by_contracts()


def test_every_app_of_the_project_is_on_the_map():
    """A new app must be placed in a layer (and in root_packages), or nothing checks its imports."""
    ours = {config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT}
    on_map = {app for layer in _layers() for app in layer}
    assert ours <= on_map, f"apps missing from the layers contract: {sorted(ours - on_map)}"
    roots = set(_lines(_config()["importlinter"]["root_packages"]))
    assert roots == {app for app in on_map if (ROOT / app / "__init__.py").exists()}


def test_only_tests_modules_are_excused():
    """ignore_imports stays narrow: explicit lines, each a tests module of one app (docs,
    "Tests")."""
    for contract in _contracts("layers") + _contracts("forbidden"):
        for line in _lines(contract.get("ignore_imports", "")):
            importer, imported = (side.strip() for side in line.split("->"))
            assert "*" not in line, line
            assert re.fullmatch(r"[a-z_]+\.tests\.[a-z_.]+", importer), line
            assert importer.split(".")[0] != imported.split(".")[0], line


def test_lint_imports_keeps_every_contract():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.fail(f"{lint_imports} not installed (requirements/dev.txt)")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
