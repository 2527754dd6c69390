"""Staff-edited home page content: scheduled banners and hand-ordered product sections."""

import django.db.models.deletion
from django.db import migrations, models

import catalog.models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_content_translations"),
    ]

    operations = [
        migrations.CreateModel(
            name="HomeSection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                (
                    "title_zh_hans",
                    models.CharField(max_length=200, null=True, verbose_name="title"),
                ),
                ("title_en", models.CharField(max_length=200, null=True, verbose_name="title")),
                ("position", models.PositiveIntegerField(default=0, verbose_name="position")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "starts_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="starts at"),
                ),
                ("ends_at", models.DateTimeField(blank=True, null=True, verbose_name="ends at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "home section",
                "verbose_name_plural": "home sections",
                "ordering": ["position", "id"],
            },
        ),
        migrations.CreateModel(
            name="Banner",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                (
                    "title_zh_hans",
                    models.CharField(max_length=200, null=True, verbose_name="title"),
                ),
                ("title_en", models.CharField(max_length=200, null=True, verbose_name="title")),
                ("image", models.ImageField(upload_to="banners/%Y/%m/", verbose_name="image")),
                (
                    "link",
                    models.CharField(
                        blank=True,
                        help_text="A path of the shop such as /c/phones/, or an https:// address.",
                        max_length=500,
                        validators=[catalog.models.validate_link],
                        verbose_name="link",
                    ),
                ),
                ("position", models.PositiveIntegerField(default=0, verbose_name="position")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "starts_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="starts at"),
                ),
                ("ends_at", models.DateTimeField(blank=True, null=True, verbose_name="ends at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "banner",
                "verbose_name_plural": "banners",
                "ordering": ["position", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("starts_at__isnull", True),
                            ("ends_at__isnull", True),
                            ("ends_at__gt", models.F("starts_at")),
                            _connector="OR",
                        ),
                        name="catalog_banner_ends_after_start",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="HomeSectionProduct",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveIntegerField(default=0, verbose_name="position")),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="home_items",
                        to="catalog.product",
                        verbose_name="product",
                    ),
                ),
                (
                    "section",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="catalog.homesection",
                        verbose_name="section",
                    ),
                ),
            ],
            options={
                "verbose_name": "section product",
                "verbose_name_plural": "section products",
                "ordering": ["position", "id"],
            },
        ),
        migrations.AddField(
            model_name="homesection",
            name="products",
            field=models.ManyToManyField(
                blank=True,
                related_name="home_sections",
                through="catalog.HomeSectionProduct",
                to="catalog.product",
                verbose_name="products",
            ),
        ),
        migrations.AddConstraint(
            model_name="homesectionproduct",
            constraint=models.UniqueConstraint(
                fields=("section", "product"), name="catalog_homesection_product_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="homesection",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("starts_at__isnull", True),
                    ("ends_at__isnull", True),
                    ("ends_at__gt", models.F("starts_at")),
                    _connector="OR",
                ),
                name="catalog_homesection_ends_after_start",
            ),
        ),
    ]
