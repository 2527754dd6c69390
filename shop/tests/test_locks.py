"""The hashed locks in requirements/*.txt are what every machine installs (make, CI, the Dockerfile),
and requirements/*.in are what people edit. These tests fail when the two drift: a pin edited in an
.in without `make lock`, a lock entry without a hash (pip --require-hashes would refuse the whole
file), or a lock written with one machine's index or wheelhouse in it."""

import re
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;]+)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _logical_lines(path: Path) -> list[str]:
    """Lines with comments dropped and backslash continuations joined, as pip reads them."""
    lines, current = [], ""
    for raw in path.read_text().splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current = (current + line).strip()
        if current:
            lines.append(current)
        current = ""
    return lines


def _in_pins(path: Path) -> dict[str, str]:
    """Every pin a .in asks for, including those of the .in files it includes with -r."""
    pins = {}
    for line in _logical_lines(path):
        if line.startswith(("-r ", "--requirement ")):
            pins.update(_in_pins(path.parent / line.split(None, 1)[1]))
        elif line.startswith("-c "):
            continue  # a constraint on a lock, not a request
        else:
            match = PIN.match(line)
            assert match, f"{path.name}: {line!r} is not pinned with =="
            pins[_canonical(match["name"])] = match["version"]
    return pins


def _lock(path: Path) -> dict[str, str]:
    entries = {}
    for line in _logical_lines(path):
        assert not line.startswith("-"), (
            f"{path.name}: option line {line!r}; locks name no index, wheelhouse or include "
            "(regenerate with `make lock`)"
        )
        match = PIN.match(line)
        assert match, f"{path.name}: {line!r} is not pinned with =="
        assert "--hash=sha256:" in line, f"{path.name}: {match['name']} has no hash"
        entries[_canonical(match["name"])] = match["version"]
    return entries


def test_every_in_has_its_lock_and_every_lock_its_in():
    ins = {p.stem for p in REQUIREMENTS.glob("*.in")}
    locks = {p.stem for p in REQUIREMENTS.glob("*.txt")}
    assert ins == locks == {"base", "dev", "fuzz"}


def test_every_lock_line_is_pinned_and_hashed():
    for stem in ("base", "dev", "fuzz"):
        assert _lock(REQUIREMENTS / f"{stem}.txt"), stem


def test_every_pin_of_an_in_is_in_its_lock_at_the_same_version():
    for stem in ("base", "dev", "fuzz"):
        wanted = _in_pins(REQUIREMENTS / f"{stem}.in")
        locked = _lock(REQUIREMENTS / f"{stem}.txt")
        drift = {name: (v, locked.get(name)) for name, v in wanted.items() if locked.get(name) != v}
        assert not drift, f"{stem}.in vs {stem}.txt (wanted, locked): {drift}; run `make lock`"


def test_layered_locks_agree_on_every_shared_package():
    # dev installs on top of the runtime set and fuzz on top of dev: a package shared between two
    # layers must be at one version, or tests would run against something production never runs.
    base, dev, fuzz = (_lock(REQUIREMENTS / f"{stem}.txt") for stem in ("base", "dev", "fuzz"))
    for lower, upper, names in ((base, dev, "base/dev"), (dev, fuzz, "dev/fuzz")):
        drift = {name: (v, upper.get(name)) for name, v in lower.items() if upper.get(name) != v}
        assert not drift, f"{names}: {drift}; run `make lock`"
