"""A trigram index on UPPER(name), PostgreSQL only.

Search's substring match (the only way to find Chinese words in a name, which the 'simple' text
search configuration cannot split) is Django's `icontains`, compiled to `UPPER(name) LIKE UPPER(%s)`:
the trigram index on `name` cannot serve that expression, so without this index every search read
the whole product table.
"""

from django.db import migrations

FORWARD = (
    "CREATE INDEX IF NOT EXISTS catalog_product_name_upper_trgm "
    "ON catalog_product USING gin ((UPPER(name::text)) gin_trgm_ops)"
)
BACKWARD = "DROP INDEX IF EXISTS catalog_product_name_upper_trgm"


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_indexes")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
