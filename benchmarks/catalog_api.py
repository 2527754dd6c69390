"""Benchmark: catalogue API latency on whatever database the environment points at, cache bypassed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_bench \
        .venv/bin/python benchmarks/catalog_api.py [--repeat 20]

Seed the database first (`manage.py seed_demo --products 100000`, or benchmarks/seed_demo.py).
Each request runs in-process through Django's test client with the cache cleared before every
call, so the figures are the cost of a cache miss: queries, serialisation, search ranking. Prints
p50 / p95 / max in milliseconds and the number of SQL queries per request.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from catalog.models import Category, Product  # noqa: E402


def requests() -> list[tuple[str, str]]:
    product = Product.objects.filter(is_active=True).order_by("pk").first()
    root = Category.objects.filter(parent__isnull=True).order_by("pk").first()
    word = product.name.split()[-2] if product and len(product.name.split()) > 1 else "boots"
    typo = word[:2] + word[3] + word[2] + word[4:] if len(word) > 4 else word
    return [
        ("list, default order", "/api/v1/products/"),
        ("list, page 50", "/api/v1/products/?page=50"),
        ("list, 100 per page", "/api/v1/products/?page_size=100"),
        ("category tree + descendants", f"/api/v1/products/?category={root.slug}"),
        ("price range, by price", "/api/v1/products/?min_price=50&max_price=300&ordering=price"),
        ("in stock, best sellers", "/api/v1/products/?in_stock=true&ordering=-sales"),
        (f"search '{word}'", f"/api/v1/products/?search={word}"),
        (f"search typo '{typo}'", f"/api/v1/products/?search={typo}"),
        ("detail", f"/api/v1/products/{product.slug}/"),
        ("category tree", "/api/v1/categories/tree/"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    client = Client()
    total = Product.objects.count()
    print(
        f"{connection.vendor}, {total:,} products, {args.repeat} runs each, cache cleared per run"
    )
    print(f"{'request':40} {'p50':>8} {'p95':>8} {'max':>8} {'queries':>8}  status")
    for label, path in requests():
        timings, queries, status = [], 0, None
        for _ in range(args.repeat):
            cache.clear()
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path, HTTP_HOST="127.0.0.1")
                timings.append((time.perf_counter() - started) * 1000)
            queries, status = len(captured), response.status_code
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(
            f"{label:40} {statistics.median(timings):8.1f} {p95:8.1f} {timings[-1]:8.1f}"
            f" {queries:8d}  {status}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
