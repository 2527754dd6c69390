"""Product.in_stock, filled from the stock rows, and the partial index of the "in stock" list."""

from django.db import migrations, models
from django.db.models import Exists, F, OuterRef


def backfill_in_stock(apps, schema_editor):
    """One UPDATE, as catalog.services.products_refresh_in_stock(None) does.

    The expression is a frozen copy of catalog.queries.product_in_stock_expression() over the
    historical models: a migration must keep working when the live code changes later.
    """
    Product = apps.get_model("catalog", "Product")
    Stock = apps.get_model("inventory", "Stock")
    available = Stock.objects.filter(
        variant__product_id=OuterRef("pk"),
        variant__is_active=True,
        warehouse__is_active=True,
        quantity__gt=F("quantity_allocated"),
    ).order_by()
    db = schema_editor.connection.alias
    Product.objects.using(db).filter(Exists(available)).update(in_stock=True)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_name_upper_trgm"),
        ("inventory", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="in_stock",
            field=models.BooleanField(default=False, editable=False, verbose_name="in stock"),
        ),
        migrations.RunPython(backfill_in_stock, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                condition=models.Q(
                    ("in_stock", True), ("is_active", True), ("price__isnull", False)
                ),
                fields=["-sales_count", "-id"],
                name="catalog_product_instock_sales",
            ),
        ),
    ]
