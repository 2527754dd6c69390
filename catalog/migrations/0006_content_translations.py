"""Content in Chinese and English (django-modeltranslation, catalog/translation.py).

A column per language for the names and descriptions of categories, brands, products and variants.
The existing text is copied into the Chinese column (the default language), so nothing is lost: an
English page shows it until someone writes the English text.

PostgreSQL: search matches names in both languages (catalog.queries.product_search), so the trigram
indexes that served the single `name` column now serve each language's column.
"""

from django.db import migrations, models
from django.db.models.functions import Coalesce

COPIED = {
    "category": ["name", "description"],
    "brand": ["name"],
    "product": ["name", "short_description", "description"],
    "productvariant": ["name"],
}

PG_FORWARD = [
    "DROP INDEX IF EXISTS catalog_product_name_trgm",
    "DROP INDEX IF EXISTS catalog_product_name_upper_trgm",
    *(
        sql
        for lang in ("zh_hans", "en")
        for sql in (
            f"CREATE INDEX IF NOT EXISTS catalog_product_name_{lang}_trgm "
            f"ON catalog_product USING gin (name_{lang} gin_trgm_ops)",
            f"CREATE INDEX IF NOT EXISTS catalog_product_name_{lang}_upper_trgm "
            f"ON catalog_product USING gin ((UPPER(name_{lang}::text)) gin_trgm_ops)",
        )
    ),
]
PG_BACKWARD = [
    *(
        f"DROP INDEX IF EXISTS catalog_product_name_{lang}_{kind}"
        for lang in ("zh_hans", "en")
        for kind in ("trgm", "upper_trgm")
    ),
    "CREATE INDEX IF NOT EXISTS catalog_product_name_trgm "
    "ON catalog_product USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS catalog_product_name_upper_trgm "
    "ON catalog_product USING gin ((UPPER(name::text)) gin_trgm_ops)",
]


def copy_to_chinese(apps, schema_editor):
    for model_name, fields in COPIED.items():
        model = apps.get_model("catalog", model_name)
        model.objects.update(**{f"{name}_zh_hans": models.F(name) for name in fields})


def copy_back(apps, schema_editor):
    for model_name, fields in COPIED.items():
        model = apps.get_model("catalog", model_name)
        model.objects.exclude(**{f"{fields[0]}_zh_hans": None}).update(
            **{name: Coalesce(f"{name}_zh_hans", models.F(name)) for name in fields}
        )


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_variant_price_bound"),
    ]

    operations = [
        migrations.AddField(
            model_name="brand",
            name="name_en",
            field=models.CharField(max_length=100, null=True, unique=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="brand",
            name="name_zh_hans",
            field=models.CharField(max_length=100, null=True, unique=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="category",
            name="description_en",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="category",
            name="description_zh_hans",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="category",
            name="name_en",
            field=models.CharField(max_length=100, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="category",
            name="name_zh_hans",
            field=models.CharField(max_length=100, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="product",
            name="description_en",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="product",
            name="description_zh_hans",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="product",
            name="name_en",
            field=models.CharField(max_length=200, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="product",
            name="name_zh_hans",
            field=models.CharField(max_length=200, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="product",
            name="short_description_en",
            field=models.CharField(
                blank=True, max_length=300, null=True, verbose_name="short description"
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="short_description_zh_hans",
            field=models.CharField(
                blank=True, max_length=300, null=True, verbose_name="short description"
            ),
        ),
        migrations.AddField(
            model_name="productvariant",
            name="name_en",
            field=models.CharField(blank=True, max_length=200, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="productvariant",
            name="name_zh_hans",
            field=models.CharField(blank=True, max_length=200, null=True, verbose_name="name"),
        ),
        migrations.RunPython(copy_to_chinese, copy_back),
        migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD)),
    ]
