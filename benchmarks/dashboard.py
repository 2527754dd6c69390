"""Benchmark: the back office's dashboard (the admin index) on 100,000 orders (target < 300 ms).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_bench \
        .venv/bin/python benchmarks/dashboard.py [--orders 100000] [--repeat 20] [--keep]

Fills the database named in DATABASE_URL with `--orders` orders spread over the last 365 days
(one or two lines each, every status, refunds, payments with and without problems) by bulk_create
(a benchmark's raw rows: no service runs, no stock moves), unless it already holds that many
bench orders. Then times, in-process (the dashboard caches nothing), the dashboard's reads alone
(shop.dashboard.dashboard_for) and the whole admin index page through Django's test client, and
prints p50 / p95 / max in milliseconds and the number of SQL queries. Exits non-zero when the
page's p95 is above --budget. Point it at a scratch database: the bench rows stay (use --drop to
delete them afterwards).
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import user_create  # noqa: E402
from catalog.models import Category, Product, ProductVariant  # noqa: E402
from inventory.models import Stock, StockAlert, Warehouse  # noqa: E402
from orders.models import Order, OrderLine  # noqa: E402
from payments.models import Payment, Refund  # noqa: E402
from shop.dashboard import dashboard_for  # noqa: E402

PREFIX = "BENCHD"  # order numbers and SKUs of the bench rows
BATCH = 5000
STATUSES = [  # (status, payment_status, weight)
    ("delivered", "paid", 50),
    ("shipped", "paid", 12),
    ("processing", "paid", 8),
    ("pending", "pending", 8),
    ("cancelled", "pending", 12),
    ("refunded", "refunded", 4),
    ("delivered", "partially_refunded", 6),
]


def fill(orders: int) -> None:
    rnd = random.Random(19)
    customers = list(User.objects.filter(username__startswith="bench_c")[:200])
    if len(customers) < 200:
        customers = [
            user_create(username=f"bench_c{i}", email=f"bench_c{i}@example.com", password=None)
            for i in range(len(customers), 200)
        ] + customers
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    variants = list(ProductVariant.objects.filter(sku__startswith=PREFIX))
    if not variants:
        products = Product.objects.bulk_create(
            [
                Product(name=f"Bench product {i}", slug=f"bench-{i}", category=category)
                for i in range(200)
            ]
        )
        variants = ProductVariant.objects.bulk_create(
            [
                ProductVariant(
                    product=p,
                    sku=f"{PREFIX}-{i}",
                    name="Default",
                    price=Decimal(rnd.choice(["9.90", "29.00", "88.00", "129.00", "499.00"])),
                )
                for i, p in enumerate(products)
            ]
        )
        warehouse, _ = Warehouse.objects.get_or_create(code="bench", defaults={"name": "Bench"})
        stocks = Stock.objects.bulk_create(
            [Stock(variant=v, warehouse=warehouse, quantity=rnd.randint(0, 5)) for v in variants]
        )
        StockAlert.objects.bulk_create(
            [
                StockAlert(stock=s, level="out" if s.quantity == 0 else "low")
                for s in stocks
                if s.quantity < 3
            ]
        )
    now = timezone.now()
    weights = [w for *_, w in STATUSES]
    made = 0
    started = time.perf_counter()
    while made < orders:
        size = min(BATCH, orders - made)
        with transaction.atomic():
            batch = []
            for i in range(size):
                status, pay, _w = rnd.choices(STATUSES, weights)[0]
                lines = [
                    (rnd.choice(variants), rnd.randint(1, 3)) for _ in range(rnd.randint(1, 2))
                ]
                total = sum((v.price * q for v, q in lines), Decimal("0"))
                refunded = (
                    total
                    if pay == "refunded"
                    else (total / 2).quantize(Decimal("0.01"))
                    if pay == "partially_refunded"
                    else Decimal("0")
                )
                order = Order(
                    number=f"{PREFIX}{made + i:010d}",
                    user=rnd.choice(customers),
                    status=status,
                    payment_status=pay,
                    payment_method="sandbox",
                    subtotal=total,
                    total=total,
                    refunded_amount=refunded,
                    shipping_address={"full_name": "Bench", "phone": "13800000000"},
                )
                order._lines = lines
                batch.append(order)
            Order.objects.bulk_create(batch)
            # auto_now_add ignores a value given at creation: spread the orders afterwards, over
            # the year and in the order they were written, as a shop's orders arrive.
            for i, o in enumerate(batch):
                share = (made + i) / orders
                o.created_at = now - timedelta(seconds=365 * 86400 * (1 - share) + rnd.random())
            Order.objects.bulk_update(batch, ["created_at"], batch_size=1000)
            OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        order=o,
                        variant=v,
                        product_id=v.product_id,
                        product_name=f"Bench product {v.product_id}",
                        sku=v.sku,
                        unit_price=v.price,
                        quantity=q,
                        line_total=v.price * q,
                    )
                    for o in batch
                    for v, q in o._lines
                ]
            )
            payments = Payment.objects.bulk_create(
                [
                    Payment(
                        order=o,
                        gateway="sandbox",
                        amount=o.total,
                        status="succeeded",
                        out_trade_no=f"{o.number}P",
                        applied=True,
                        attention="late_payment" if rnd.random() < 0.001 else "",
                    )
                    for o in batch
                    if o.payment_status != "pending" and o.total > 0
                ]
            )
            Refund.objects.bulk_create(
                [
                    Refund(
                        payment=p,
                        amount=Decimal("1.00"),
                        out_request_no=f"{p.out_trade_no}R",
                        status="failed",
                    )
                    for p in payments
                    if rnd.random() < 0.002
                ]
            )
        made += size
        print(f"  {made:,} orders ({time.perf_counter() - started:.0f} s)", flush=True)
    call_command("roles_sync", verbosity=0)
    if connection.vendor == "postgresql":
        # What autovacuum does on a live shop: statistics, and the visibility map that lets the
        # statistics index answer alone.
        with connection.cursor() as cursor:
            for table in ("orders_order", "orders_orderline", "payments_payment"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def timed(label: str, run, repeat: int) -> float:
    timings, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            run()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(
        f"{label:36} {statistics.median(timings):8.1f} {p95:8.1f} {timings[-1]:8.1f} {queries:8d}"
    )
    return p95


def drop() -> None:
    Refund.objects.filter(out_request_no__startswith=PREFIX).delete()
    Payment.objects.filter(out_trade_no__startswith=PREFIX).delete()
    Order.objects.filter(number__startswith=PREFIX).delete()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--budget", type=float, default=300.0, help="ms allowed (page p95)")
    parser.add_argument("--drop", action="store_true", help="delete the bench orders at the end")
    args = parser.parse_args()

    have = Order.objects.filter(number__startswith=PREFIX).count()
    if have < args.orders:
        print(f"filling {args.orders - have:,} orders on {connection.vendor}")
        fill(args.orders - have)
    staff = User.objects.filter(role=User.Role.STAFF, is_active=True).first()
    if staff is None:
        staff = user_create(
            username="bench_staff_role",
            email="bench_staff_role@example.com",
            password=None,
            role="staff",
        )
    client = Client()
    client.force_login(staff)

    print(
        f"{connection.vendor}, {Order.objects.count():,} orders, "
        f"{OrderLine.objects.count():,} lines, {args.repeat} runs each (after one warm-up), "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    client.get("/admin/", HTTP_HOST="127.0.0.1")  # templates compiled, content types cached
    print(f"{'what':36} {'p50':>8} {'p95':>8} {'max':>8} {'queries':>8}")
    timed("dashboard reads (dashboard_for)", lambda: dashboard_for(staff), args.repeat)

    def page():
        response = client.get("/admin/", HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, response.status_code

    p95 = timed("admin index page (GET /admin/)", page, args.repeat)
    if args.drop:
        drop()
    if p95 > args.budget:
        print(f"over budget: p95 {p95:.1f} ms > {args.budget:.0f} ms")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
