from decimal import Decimal

import factory

from catalog.models import (
    Banner,
    Brand,
    Category,
    HomeSection,
    HomeSectionProduct,
    Product,
    ProductVariant,
)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """A product. Its denormalised price is set by VariantFactory through catalog.services when that
    exists; tests that need it call the service themselves."""

    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    category = factory.SubFactory(CategoryFactory)
    brand = factory.SubFactory(BrandFactory)
    description = "A fine product."
    is_active = True


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVariant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    name = "Default"
    price = Decimal("100.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Keep the product's denormalised price right, as the services do.
        from catalog.services import product_refresh_price

        variant = super()._create(model_class, *args, **kwargs)
        product_refresh_price(variant.product)
        return variant


class BannerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Banner

    title = factory.Sequence(lambda n: f"Banner {n}")
    image = factory.django.ImageField(width=60, height=20, color="orange")
    link = "/c/sale/"


class HomeSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HomeSection
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Section {n}")

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        """HomeSectionFactory(products=[a, b]): in that order."""
        for position, product in enumerate(extracted or ()):
            HomeSectionProduct.objects.create(section=self, product=product, position=position)
