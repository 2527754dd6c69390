"""Storefront pages of the catalogue. Thin: reads come from catalog.queries."""

from django.shortcuts import render

from catalog import queries


def home(request):
    products = queries.product_list()
    featured = list(products.filter(is_featured=True).order_by("-sales_count", "-id")[:8])
    newest = list(products.order_by("-created_at", "-id")[:8])
    context = {"categories": queries.category_tree(), "featured": featured, "newest": newest}
    return render(request, "catalog/home.html", context)
