"""The migration that adds the per-language columns keeps every existing text (in Chinese)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("catalog", "0005_variant_price_bound")]
AFTER = [("catalog", "0006_content_translations")]


@pytest.mark.django_db(transaction=True)
def test_existing_text_is_copied_into_the_chinese_column():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    category = old.get_model("catalog", "Category").objects.create(
        name="手机壳 Phone cases", slug="cases", description="保护手机"
    )
    brand = old.get_model("catalog", "Brand").objects.create(name="华信 Huaxin", slug="huaxin")
    product = old.get_model("catalog", "Product").objects.create(
        name="经典手机壳",
        slug="case",
        short_description="轻薄",
        description="硅胶材质",
        category_id=category.pk,
        brand_id=brand.pk,
    )
    old.get_model("catalog", "ProductVariant").objects.create(
        product_id=product.pk, sku="C-1", name="黑色", price="9.90"
    )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        row = new.get_model("catalog", "Product").objects.get(pk=product.pk)
        assert (row.name_zh_hans, row.short_description_zh_hans, row.description_zh_hans) == (
            "经典手机壳",
            "轻薄",
            "硅胶材质",
        )
        assert row.name_en is None  # English shows the Chinese text until someone writes it
        cat = new.get_model("catalog", "Category").objects.get(pk=category.pk)
        assert (cat.name_zh_hans, cat.description_zh_hans) == ("手机壳 Phone cases", "保护手机")
        assert new.get_model("catalog", "Brand").objects.get(pk=brand.pk).name_zh_hans == (
            "华信 Huaxin"
        )
        assert new.get_model("catalog", "ProductVariant").objects.get().name_zh_hans == "黑色"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
