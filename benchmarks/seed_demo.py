"""Benchmark: `seed_demo --products N` on a fresh database (issue target: 1,000 products < 30 s).

    .venv/bin/python benchmarks/seed_demo.py [--products 1000] [--budget 30]

Runs against a throw-away SQLite file, or against PostgreSQL when DATABASE_URL is set (then the
database named there is flushed first: point it at a scratch database). Prints wall time, products
per second and the rows written, and exits non-zero when the budget is exceeded. A second run shows
the idempotent path (nothing created).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )


def timed_seed(products: int, env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    result = manage("seed_demo", "--products", str(products), env=env)
    return time.perf_counter() - started, result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument(
        "--budget", type=float, default=30.0, help="seconds allowed for the first run"
    )
    args = parser.parse_args()

    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory() as tmp:
        if env.get("DATABASE_URL"):
            where = "PostgreSQL " + env["DATABASE_URL"].rsplit("/", 1)[-1]
            manage("migrate", "-v0", env=env)
            manage("flush", "--noinput", env=env)
        else:
            env["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
            env["MEDIA_ROOT"] = str(Path(tmp) / "media")
            where = "SQLite (fresh file)"
            manage("migrate", "-v0", env=env)

        first, out = timed_seed(args.products, env)
        second, _ = timed_seed(args.products, env)
        counts = (
            manage(
                "shell",
                "-c",
                "from catalog.models import Product, ProductVariant;"
                "from inventory.models import Stock, StockMovement;"
                "print(Product.objects.count(), ProductVariant.objects.count(),"
                " Stock.objects.count(), StockMovement.objects.count())",
                env=env,
            )
            .stdout.splitlines()[-1]
            .split()
        )

    products, variants, stocks, movements = counts
    summary = [line for line in out.splitlines() if "created" in line]
    print(f"seed_demo --products {args.products} on {where}")
    print(
        f"  first run:  {first:6.1f} s  ({args.products / first:,.0f} products/s)  {summary[-1] if summary else ''}"
    )
    print(f"  second run: {second:6.1f} s  (idempotent)")
    print(
        f"  rows: {products} products, {variants} variants, {stocks} stock rows, {movements} ledger rows"
    )
    ok = first <= args.budget
    print(f"  budget {args.budget:.0f} s: {'OK' if ok else 'EXCEEDED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
