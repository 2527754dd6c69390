"""Content fields in every language of settings.LANGUAGES (django-modeltranslation).

Each field listed here gets a column per language (`name_zh_hans`, `name_en`); the plain attribute
(`product.name`) reads the active language's column, falling back to Chinese (settings
MODELTRANSLATION_*). Slugs, SKUs and everything else stay single.
"""

from modeltranslation.translator import TranslationOptions, register

from catalog.models import Banner, Brand, Category, HomeSection, Product, ProductVariant


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Brand)
class BrandTranslation(TranslationOptions):
    fields = ("name",)
    # Brand names are unique, in each language too: an empty name is stored as NULL, not as an
    # empty string that a second brand without an English name would collide with.
    empty_values = {"name": None}


@register(Product)
class ProductTranslation(TranslationOptions):
    fields = ("name", "short_description", "description")


@register(ProductVariant)
class ProductVariantTranslation(TranslationOptions):
    fields = ("name",)


@register(Banner)
class BannerTranslation(TranslationOptions):
    fields = ("title",)


@register(HomeSection)
class HomeSectionTranslation(TranslationOptions):
    fields = ("title",)
