"""The compose stack's reverse proxy: it serves the media the web container writes (nothing else
does with DEBUG=0), terminates TLS, and is the only service published to the outside."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
NGINX_CONF = BASE_DIR / "deploy" / "nginx" / "shop.conf"
SERVICES = COMPOSE["services"]


def _mounts(service: str) -> list[tuple[str, str, str]]:
    """(source, target, mode) of a service's short-syntax volumes."""
    mounts = []
    for entry in SERVICES[service].get("volumes", []):
        source, target, *mode = entry.split(":")
        mounts.append((source, target, mode[0] if mode else "rw"))
    return mounts


def _production_media() -> tuple[str, str]:
    """MEDIA_URL and MEDIA_ROOT (relative to the project) as the web container's settings have them."""
    probe = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.MEDIA_URL); print(s.MEDIA_ROOT.relative_to(s.BASE_DIR))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DEBUG": "0",
        "SECRET_KEY": "test-only-" + "x" * 50,
    }
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    url, root = result.stdout.split()[-2:]
    return url, root


def _block(text: str, opening: str) -> str:
    """The body of the first `<opening> { ... }` in text, nested blocks included."""
    match = re.search(opening + r"\s*\{", text)
    assert match, f"no `{opening}` block in {NGINX_CONF.name}"
    depth, start = 1, match.end()
    for end in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return text[start:end]
    raise AssertionError(f"unbalanced braces after `{opening}`")


def _server(port: int) -> str:
    conf = NGINX_CONF.read_text()
    for match in re.finditer(r"^server\s*\{", conf, re.M):
        body = _block(conf[match.start() :], r"server")
        if re.search(rf"listen\s+{port}\b", body):
            return body
    raise AssertionError(f"no server listening on {port} in {NGINX_CONF.name}")


def _location_block(path: str, port: int = 443) -> str:
    return _block(_server(port), r"location\s+" + re.escape(path))


def test_only_the_proxy_is_published():
    assert "ports" not in SERVICES["web"], "gunicorn must be reached through the proxy only"
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"}
    assert {p.split(":")[-1] for p in SERVICES["proxy"]["ports"]} == {"80", "443"}


def test_the_proxy_serves_the_media_volume_the_web_service_writes_read_only():
    # The runtime stage (the last WORKDIR) is where the app and its media folder live.
    workdir = re.findall(r"^WORKDIR\s+(\S+)", (BASE_DIR / "Dockerfile").read_text(), re.M)[-1]
    media_url, media_root = _production_media()
    web_media = [m for m in _mounts("web") if m[1] == f"{workdir}/{media_root}"]
    assert web_media, f"web does not mount a volume at its MEDIA_ROOT {workdir}/{media_root}"
    volume = web_media[0][0]
    assert volume in COMPOSE["volumes"]  # a named volume, shared, not a bind mount
    proxy_media = [m for m in _mounts("proxy") if m[0] == volume]
    assert proxy_media, "the proxy does not mount the media volume"
    (_, proxy_target, mode) = proxy_media[0]
    assert mode == "ro"
    # MEDIA_URL is the proxy's location, and its alias the mount point.
    body = _location_block(media_url)
    alias = re.search(r"alias\s+([^;]+);", body)[1]
    assert alias.rstrip("/") == proxy_target.rstrip("/")


def test_media_answers_with_safe_headers_and_never_reaches_the_app():
    body = _location_block("/media/")
    assert re.search(r"add_header\s+X-Content-Type-Options\s+\"?nosniff\"?\s+always;", body)
    # An uploaded .html or .svg must not run script in the shop's origin.
    assert re.search(r"add_header\s+Content-Security-Policy\s+\"[^\"]*sandbox", body)
    assert "proxy_pass" not in body


def test_the_proxy_terminates_tls_and_forwards_what_the_settings_trust():
    conf = NGINX_CONF.read_text()
    assert re.search(r"listen\s+443\s+ssl", conf)
    assert re.search(r"ssl_certificate\s+/etc/nginx/certs/", _server(443))
    assert re.search(r"ssl_certificate_key\s+/etc/nginx/certs/", _server(443))
    assert re.search(r"return\s+301\s+https://\$host\$request_uri;", _location_block("/", 80))
    app = _location_block("/")
    assert re.search(r"proxy_pass\s+http://web:8000;", app)
    # USE_X_FORWARDED=1 trusts X-Forwarded-Proto; NUM_PROXIES=1 reads the address appended last.
    assert re.search(r"proxy_set_header\s+X-Forwarded-Proto\s+\$scheme;", app)
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;", app)
    cert_sources = {m[1] for m in _mounts("proxy")}
    assert "/etc/nginx/certs" in cert_sources
    # The health check reaches /health/ over plain HTTP (Django exempts it from the redirect).
    health = _location_block("= /health/", 80)
    assert "proxy_pass http://web:8000" in health
    assert "health" in " ".join(SERVICES["proxy"]["healthcheck"]["test"])
