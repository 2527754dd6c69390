"""A realistic demo shop: category tree, brands, products with variants and images, stock, accounts.

Idempotent: every row has a deterministic slug or SKU, and rows that exist are skipped, so a second
run creates nothing. Fast: products, variants and images are bulk-created in batches (bounded
memory at --products 100000), and a handful of images drawn with Pillow are shared by all products.

A project command (shop/), not catalog's: it fills accounts, catalog and inventory, and only the
project may import all three (docs/architecture.md).
"""

from __future__ import annotations

import io
import random
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from PIL import Image, ImageDraw
from tqdm import tqdm

from catalog import services
from catalog.cache import catalog_cache_invalidate
from catalog.models import Brand, Category, Product, ProductImage, ProductVariant
from core.money import money

BATCH = 500

# (slug, 中文, English, children...) — three levels; products go into the leaves.
TREE = [
    (
        "electronics",
        "数码电子",
        "Electronics",
        [
            (
                "phones",
                "手机通讯",
                "Phones",
                [
                    ("smartphones", "智能手机", "Smartphones"),
                    ("phone-cases", "手机壳", "Phone cases"),
                ],
            ),
            (
                "computers",
                "电脑办公",
                "Computers",
                [
                    ("laptops", "笔记本电脑", "Laptops"),
                    ("keyboards", "键盘鼠标", "Keyboards & mice"),
                ],
            ),
            (
                "audio",
                "影音娱乐",
                "Audio",
                [("headphones", "耳机", "Headphones"), ("speakers", "音箱", "Speakers")],
            ),
        ],
    ),
    (
        "fashion",
        "服饰鞋包",
        "Fashion",
        [
            (
                "menswear",
                "男装",
                "Menswear",
                [("t-shirts", "T恤", "T-shirts"), ("jackets", "夹克", "Jackets")],
            ),
            (
                "womenswear",
                "女装",
                "Womenswear",
                [("dresses", "连衣裙", "Dresses"), ("sweaters", "毛衣", "Sweaters")],
            ),
            (
                "shoes",
                "鞋靴",
                "Shoes",
                [("sneakers", "运动鞋", "Sneakers"), ("boots", "靴子", "Boots")],
            ),
        ],
    ),
    (
        "home",
        "家居生活",
        "Home",
        [
            (
                "kitchen",
                "厨房用品",
                "Kitchen",
                [("cookware", "锅具", "Cookware"), ("tea", "茶具", "Tea sets")],
            ),
            (
                "bedding",
                "床上用品",
                "Bedding",
                [("pillows", "枕头", "Pillows"), ("blankets", "毛毯", "Blankets")],
            ),
        ],
    ),
    (
        "beauty",
        "美妆个护",
        "Beauty",
        [
            (
                "skincare",
                "护肤",
                "Skincare",
                [("creams", "面霜", "Creams"), ("masks", "面膜", "Masks")],
            ),
        ],
    ),
]

# (slug, 中文, English)
BRANDS = [
    ("huaxin", "华信", "Huaxin"),
    ("mingyue", "明月", "Mingyue"),
    ("northpeak", "北峰", "NorthPeak"),
    ("bluewave", "蓝波", "BlueWave"),
    ("lotus", "莲花家居", "Lotus Home"),
    ("zenith", "天顶", "Zenith"),
    ("qingshan", "青山", "Qingshan"),
    ("aurora", "极光", "Aurora"),
    ("tianyi", "天逸", "Tianyi"),
    ("kestrel", "红隼", "Kestrel"),
]

# The home page's staff content: (title 中文, English, link, colour) banners and curated sections.
BANNERS = [
    ("数码好物节", "Gadget festival", "/c/electronics/", (52, 73, 94)),
    ("换季穿搭", "New season style", "/c/fashion/", (155, 89, 182)),
    ("温暖的家", "A warmer home", "/c/home/", (231, 76, 60)),
]
SECTIONS = [("精选推荐", "Featured picks"), ("限时折扣", "Deals of the week")]

ADJECTIVES = [
    ("经典", "Classic"),
    ("轻薄", "Slim"),
    ("专业版", "Pro"),
    ("旗舰", "Flagship"),
    ("简约", "Minimal"),
    ("复古", "Retro"),
    ("便携", "Portable"),
    ("高端", "Premium"),
    ("节能", "Eco"),
    ("新款", "New"),
]
COLOURS = [
    ("黑色", "Black", (30, 30, 30)),
    ("白色", "White", (235, 235, 235)),
    ("红色", "Red", (200, 40, 50)),
    ("蓝色", "Blue", (40, 90, 200)),
    ("绿色", "Green", (40, 150, 80)),
]
SIZES = ["S", "M", "L", "XL"]
TEMPLATE_COLOURS = [
    (231, 76, 60),
    (52, 152, 219),
    (46, 204, 113),
    (155, 89, 182),
    (241, 196, 15),
    (52, 73, 94),
]

DEMO_USERS = [
    ("staff", "admin", "admin12345"),
    ("merchant", "merchant", "merchant12345"),
    ("customer", "alice", "alice12345"),
]


class Command(BaseCommand):
    help = "Create a demo shop (idempotent): categories, brands, products, images, stock, accounts."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=300, help="number of products")
        parser.add_argument("--seed", type=int, default=42, help="random seed (same data each run)")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, products: int, seed: int, no_progress: bool, **options):
        leaves = self._categories()
        brands = self._brands()
        translations = {b.pk: (zh, en) for b, (_slug, zh, en) in zip(brands, BRANDS, strict=True)}
        images = self._template_images()
        created = 0
        bar = tqdm(total=products, unit="product", disable=no_progress, file=self.stderr._out)
        for start in range(0, products, BATCH):
            indices = range(start, min(start + BATCH, products))
            created += self._product_batch(indices, leaves, brands, translations, images, seed)
            bar.update(len(indices))
        bar.close()
        if connection.vendor == "postgresql":
            # A bulk load leaves the planner's statistics describing empty tables until autovacuum
            # gets round to them; with those, list and search queries get plans that read every row.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self._home_content()
        catalog_cache_invalidate([])
        self.stdout.write(
            self.style.SUCCESS(f"{created} products created, {products - created} existed.")
        )
        logins = self._users()
        demo_behaviour(seed=seed, progress=not no_progress)
        for role, username, password in logins:
            self.stdout.write(f"{role} {username} {password}")

    # --- reference data --------------------------------------------------------------------------

    def _categories(self) -> list[tuple[Category, str, str]]:
        existing = {c.slug: c for c in Category.objects.all()}
        leaves = []

        def get(slug, zh, en, parent, order):
            if slug in existing:
                category = existing[slug]
                if category.name_zh_hans == f"{zh} {en}":
                    # Demo data of before the per-language columns: both in one field.
                    Category.objects.filter(pk=category.pk).update(
                        name=zh, name_zh_hans=zh, name_en=en
                    )
                return category
            category = Category.objects.create(
                slug=slug, name=zh, name_zh_hans=zh, name_en=en, parent=parent, sort_order=order
            )
            existing[slug] = category
            return category

        for i, (slug, zh, en, children) in enumerate(TREE):
            top = get(slug, zh, en, None, i)
            for j, (cslug, czh, cen, grandchildren) in enumerate(children):
                mid = get(cslug, czh, cen, top, j)
                for k, (gslug, gzh, gen) in enumerate(grandchildren):
                    leaves.append((get(gslug, gzh, gen, mid, k), gzh, gen))
        return leaves

    def _brands(self) -> list[Brand]:
        existing = {b.slug: b for b in Brand.objects.all()}
        out = []
        for slug, zh, en in BRANDS:
            brand = existing.get(slug)
            if brand is None:
                brand = Brand.objects.create(slug=slug, name=zh, name_zh_hans=zh, name_en=en)
            elif brand.name_zh_hans in (f"{zh} {en}", en) and brand.name_en in (None, "", en):
                # Demo data of before the per-language columns.
                Brand.objects.filter(pk=brand.pk).update(name=zh, name_zh_hans=zh, name_en=en)
            out.append(brand)
        return out

    def _template_images(self) -> list[tuple[str, str]]:
        """A few drawn images (and thumbnails), stored once and shared by every product."""
        names = []
        for i, colour in enumerate(TEMPLATE_COLOURS):
            name, thumb = f"demo/template-{i}.png", f"demo/template-{i}-thumb.jpg"
            if not default_storage.exists(name):
                img = Image.new("RGB", (800, 800), (250, 250, 250))
                draw = ImageDraw.Draw(img)
                draw.rounded_rectangle((120, 120, 680, 680), radius=80, fill=colour)
                draw.ellipse((260, 260, 540, 540), fill=(255, 255, 255))
                draw.rectangle((60, 720, 740, 760), fill=tuple(c // 2 for c in colour))
                buf = io.BytesIO()
                img.save(buf, "PNG", optimize=True)
                default_storage.save(name, ContentFile(buf.getvalue()))
                buf.seek(0)
                if default_storage.exists(thumb):
                    default_storage.delete(thumb)
                default_storage.save(thumb, ContentFile(services.thumbnail_bytes(buf)))
            names.append((name, thumb))
        return names

    # --- products --------------------------------------------------------------------------------

    def _product_batch(self, indices, leaves, brands, translations, images, seed) -> int:
        slugs = [f"demo-{i:06d}" for i in indices]
        existing = set(Product.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        todo = [i for i in indices if f"demo-{i:06d}" not in existing]
        if not todo:
            return 0
        products, variant_rows, image_rows = [], [], []
        for i in todo:
            rnd = random.Random(seed * 1_000_003 + i)
            category, zh, en = leaves[i % len(leaves)]
            brand = brands[rnd.randrange(len(brands))]
            adj_zh, adj_en = ADJECTIVES[rnd.randrange(len(ADJECTIVES))]
            model = rnd.randint(100, 999)
            brand_zh, brand_en = translations[brand.pk]
            name_zh = f"{brand_zh} {adj_zh}{zh} {model}"
            name_en = f"{brand_en} {adj_en} {en} {model}"
            base = Decimal(rnd.choice([9, 19, 29, 49, 99, 199, 299, 599, 1299, 4999])) + Decimal(
                "0.90"
            )
            colours = rnd.sample(COLOURS, rnd.randint(1, 3))
            sizes = (
                SIZES[: rnd.randint(1, 3)]
                if category.slug
                in ("t-shirts", "jackets", "dresses", "sweaters", "sneakers", "boots")
                else [None]
            )
            variants: list[dict[str, Any]] = []
            for c, (czh, cen, _rgb) in enumerate(colours):
                for size in sizes:
                    price = money(
                        base + Decimal(10 * c) + (Decimal(5) if size in ("L", "XL") else 0)
                    )
                    compare = money(price * Decimal("1.25")) if rnd.random() < 0.3 else None
                    attrs = {"colour": cen, "颜色": czh}
                    if size:
                        attrs["size"] = size
                    variants.append(
                        {
                            "sku": f"DEMO-{i:06d}-{len(variants) + 1:02d}",
                            "name": czh + (f" / {size}" if size else ""),
                            "name_zh_hans": czh + (f" / {size}" if size else ""),
                            "name_en": cen + (f" / {size}" if size else ""),
                            "price": price,
                            "compare_at_price": compare,
                            "cost_price": money(price * Decimal("0.6")),
                            "attributes": attrs,
                            "sort_order": len(variants),
                        }
                    )
            cheapest = min(variants, key=lambda v: (v["price"], v["sort_order"]))
            compare = cheapest["compare_at_price"]
            products.append(
                Product(
                    slug=f"demo-{i:06d}",
                    name=name_zh,
                    name_zh_hans=name_zh,
                    name_en=name_en,
                    short_description=f"{adj_zh}{zh}，品质之选。",
                    short_description_zh_hans=f"{adj_zh}{zh}，品质之选。",
                    short_description_en=f"{adj_en} {en.lower()}, built to last.",
                    description=f"{brand_zh}{adj_zh}{zh}。精选材质，做工考究，适合日常使用。型号 {model}。",
                    description_zh_hans=(
                        f"{brand_zh}{adj_zh}{zh}。精选材质，做工考究，适合日常使用。型号 {model}。"
                    ),
                    description_en=(
                        f"The {adj_en} {en.lower()} by {brand_en}: carefully made, easy to love. "
                        f"Model {model}."
                    ),
                    category=category,
                    brand=brand,
                    attributes={
                        "model": str(model),
                        "origin": rnd.choice(["中国 China", "日本 Japan", "Germany"]),
                    },
                    is_featured=rnd.random() < 0.08,
                    weight=Decimal(rnd.randint(100, 5000)) / 1000,
                    # Denormalised as product_refresh_price computes it, without a query per row.
                    price=cheapest["price"],
                    compare_at_price=compare if compare and compare > cheapest["price"] else None,
                )
            )
            variant_rows.append(variants)
            image_rows.append(images[i % len(images)])
        with transaction.atomic():
            Product.objects.bulk_create(products, batch_size=BATCH)
            saved = {
                p.slug: p.pk for p in Product.objects.filter(slug__in=[p.slug for p in products])
            }
            all_variants, all_images = [], []
            for product, variants, (image, thumb) in zip(
                products, variant_rows, image_rows, strict=True
            ):
                pk = saved[product.slug]
                all_variants += [ProductVariant(product_id=pk, **v) for v in variants]
                all_images.append(
                    ProductImage(
                        product_id=pk,
                        image=image,
                        thumbnail=thumb,
                        alt_text=product.name_zh_hans or "",
                        is_primary=True,
                    )
                )
            ProductVariant.objects.bulk_create(
                all_variants, batch_size=BATCH, ignore_conflicts=True
            )
            ProductImage.objects.bulk_create(all_images, batch_size=BATCH)
            services.products_refresh_search_vector(saved.values())
            self._stock([v.sku for v in all_variants], seed)
            # Now, not only on the stock's commit (which refreshes them too, finding nothing left to
            # change): the flag must be right when this command returns, whatever wraps it.
            services.products_refresh_in_stock(saved.values())
        return len(products)

    def _stock(self, skus: list[str], seed: int) -> None:
        """Opening stock for the new variants, through the inventory app's bulk opening receipt
        (one Stock row and one balanced `purchase` ledger row each)."""
        from inventory.queries import default_warehouse
        from inventory.services import stock_receive_opening

        rnd = random.Random(seed + len(skus))
        variant_ids = ProductVariant.objects.filter(sku__in=skus).values_list("pk", flat=True)
        quantities = {pk: rnd.choice([0, 3, 10, 25, 50, 100]) for pk in variant_ids}
        stock_receive_opening(
            default_warehouse(), quantities=quantities, reference="seed_demo", note="demo data"
        )

    # --- home page ----------------------------------------------------------------------------------

    def _home_content(self) -> None:
        """Banners and two curated sections, once (a second run finds them by their titles)."""
        from catalog.models import Banner, HomeSection, HomeSectionProduct

        for position, (zh, en, link, colour) in enumerate(BANNERS):
            if Banner.objects.filter(title_zh_hans=zh).exists():
                continue
            img = Image.new("RGB", (1200, 400), colour)
            draw = ImageDraw.Draw(img)
            draw.ellipse((820, -80, 1280, 380), fill=tuple(min(255, c + 40) for c in colour))
            draw.rectangle((60, 300, 520, 330), fill=(255, 255, 255))
            buf = io.BytesIO()
            img.save(buf, "PNG", optimize=True)
            banner = Banner(title=zh, title_zh_hans=zh, title_en=en, link=link, position=position)
            banner.image.save(
                f"demo-banner-{position}.png", ContentFile(buf.getvalue()), save=False
            )
            banner.save()
        shown = Product.objects.filter(is_active=True, price__isnull=False, in_stock=True)
        picks = [
            shown.filter(is_featured=True).order_by("-sales_count", "pk"),
            shown.filter(compare_at_price__isnull=False).order_by("pk"),
        ]
        for position, ((zh, en), products) in enumerate(zip(SECTIONS, picks, strict=True)):
            if HomeSection.objects.filter(title_zh_hans=zh).exists():
                continue
            section = HomeSection.objects.create(
                title=zh, title_zh_hans=zh, title_en=en, position=position
            )
            HomeSectionProduct.objects.bulk_create(
                HomeSectionProduct(section=section, product=product, position=i)
                for i, product in enumerate(products[:8])
            )

    # --- accounts ---------------------------------------------------------------------------------

    def _users(self) -> list[tuple[str, str, str]]:
        from accounts.models import User
        from accounts.services import user_create, user_set_role

        for role, username, password in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user_create(
                    username=username, email=f"{username}@example.com", password=password, role=role
                )
            else:  # again: the role's group too, for a demo user from before the groups
                user_set_role(user, role=role)
        return DEMO_USERS


# --- behaviour -------------------------------------------------------------------------------------

DEMO_SHOPPERS = 80  # guests "demo-shopper-NN", plus the demo customer


def demo_behaviour(*, seed: int, progress: bool = False) -> None:
    """Shoppers with tastes, so the demo's recommendations make sense: each likes one or two leaf
    categories and views, carts and buys mostly there, the best-known products most; a purchase
    often brings one from a sibling category (a phone and a case). Spread over 30 days; then the
    lists are rebuilt. Skipped when demo behaviour exists (idempotent)."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from recommendations.models import BehaviourEvent
    from recommendations.services import events_flush, events_record, recommendations_rebuild

    if BehaviourEvent.objects.filter(visitor__startswith="demo-shopper-").exists():
        return
    rng = random.Random(seed + 7)
    by_leaf: dict[int, list[int]] = {}
    parents: dict[int, int | None] = {}
    for pk, category_id, parent_id in Product.objects.filter(
        is_active=True, slug__startswith="demo-"
    ).values_list("pk", "category_id", "category__parent_id"):
        by_leaf.setdefault(category_id, []).append(pk)
        parents[category_id] = parent_id
    leaves = sorted(by_leaf)
    if not leaves:
        return
    siblings = {
        leaf: [o for o in leaves if o != leaf and parents[o] == parents[leaf]] for leaf in leaves
    }
    customer = User.objects.filter(username=DEMO_USERS[2][1]).first()
    shoppers: list[dict[str, Any]] = [
        {"visitor": f"demo-shopper-{n:02d}"} for n in range(DEMO_SHOPPERS)
    ]
    if customer is not None:
        shoppers.append({"user": customer})
    now = timezone.now()

    def pick(leaf: int) -> int:
        products = by_leaf[leaf]
        # Zipf-like: the first products of a category are the famous ones.
        return products[min(int(rng.paretovariate(1.2)) - 1, len(products) - 1)]

    for who in tqdm(shoppers, unit="shopper", disable=not progress):
        tastes = rng.sample(leaves, k=min(len(leaves), rng.choice([1, 1, 2])))
        for _ in range(rng.randint(8, 25)):
            leaf = rng.choice(tastes) if rng.random() < 0.9 else rng.choice(leaves)
            product = pick(leaf)
            at = now - timedelta(days=rng.uniform(0, 30))
            events_record("view", [product], created_at=at, **who)
            if rng.random() < 0.35:
                events_record("cart", [product], created_at=at, **who)
                if rng.random() < 0.6:
                    bought = [product]
                    if siblings[leaf] and rng.random() < 0.5:
                        bought.append(pick(rng.choice(siblings[leaf])))
                    events_record("purchase", bought, created_at=at, **who)
    events_flush()
    recommendations_rebuild()
