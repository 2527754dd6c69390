"""Key settings: PEM text or the path of a PEM file."""

from __future__ import annotations

from pathlib import Path

PEM_PREFIX = "-----BEGIN"


def pem_text(value: str) -> str:
    """The PEM text a key setting stands for ("" when unset).

    Told apart by the `-----BEGIN` prefix, never by testing the value as a path: a PEM string
    makes `Path(value).exists()` raise (a line is too long). PEM text from an env file may carry
    literal `\\n` for its line breaks; they become real ones, and CRLF becomes LF (the WeChat SDK
    cannot load a CRLF PEM). Raises OSError when the file cannot be read.
    """
    value = (value or "").strip()
    if not value:
        return ""
    if not value.startswith(PEM_PREFIX):
        value = Path(value).expanduser().read_text(encoding="ascii").strip()
    return value.replace("\\n", "\n").replace("\r\n", "\n") + "\n"
