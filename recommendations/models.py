"""What shoppers did (events), what they keep (favourites, history), and the stored lists served.

Owners: a signed-in user, or a guest's visitor key (their cart token, else their session key).
Every row of a user goes with the user (foreign keys cascade); guest rows are pruned with age.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    VIEW = "view", _("view")
    CART = "cart", _("add to cart")
    PURCHASE = "purchase", _("purchase")
    LIKE = "like", _("like")
    SHARE = "share", _("share")


class BehaviourEvent(models.Model):
    """One thing a shopper did with a product; written in bulk from the buffer (services)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="behaviour_events",
        verbose_name=_("user"),
    )
    visitor = models.CharField(_("visitor"), max_length=64, blank=True)
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="behaviour_events",
        verbose_name=_("product"),
    )
    kind = models.CharField(_("type"), max_length=16, choices=EventKind.choices)
    weight = models.FloatField(_("weight"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("behaviour event")
        verbose_name_plural = _("behaviour events")
        indexes = [
            models.Index(fields=["user", "created_at"], name="reco_event_user_idx"),
            models.Index(fields=["visitor", "created_at"], name="reco_event_visitor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.product_id}"


class Favourite(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="favourites",
        verbose_name=_("user"),
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="favourites",
        verbose_name=_("product"),
    )
    # The product's price when it was liked: the list marks a price drop since then.
    price_at_like = models.DecimalField(
        _("price when liked"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="reco_favourite_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.product_id}"


class HistoryEntry(models.Model):
    """A product an owner viewed: one row per (owner, product), the newest view's time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="view_history",
        verbose_name=_("user"),
    )
    visitor = models.CharField(_("visitor"), max_length=64, blank=True)
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="history_entries",
        verbose_name=_("product"),
    )
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product"],
                condition=Q(user__isnull=False),
                name="reco_history_user_once",
            ),
            models.UniqueConstraint(
                fields=["visitor", "product"],
                condition=Q(user__isnull=True),
                name="reco_history_visitor_once",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-viewed_at"], name="reco_history_user_idx"),
            models.Index(fields=["visitor", "-viewed_at"], name="reco_history_visitor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id or self.visitor} saw {self.product_id}"


class ListKind(models.TextChoices):
    SIMILAR = "similar", _("similar")
    ALSO_BOUGHT = "also_bought", _("also bought")
    TRENDING = "trending", _("trending")
    FOR_YOU = "for_you", _("for you")


class Recommendation(models.Model):
    """One product of a stored list, at its rank: an item's similar / also-bought list (`source`),
    a user's for-you list (`user`), or trending over `window_days`. Written by the rebuild (and a
    user's list after their new behaviour); served by joining products to these rows."""

    kind = models.CharField(_("list"), max_length=16, choices=ListKind.choices)
    source = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for product"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for user"),
    )
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=0)
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="recommended_in",
        verbose_name=_("product"),
    )
    rank = models.PositiveIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    # "because you viewed X": the product that earned this one its place, and how.
    reason_kind = models.CharField(_("reason"), max_length=16, blank=True)
    reason_product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("because of"),
    )

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        indexes = [
            models.Index(fields=["kind", "source", "rank"], name="reco_list_item_idx"),
            models.Index(fields=["kind", "user", "rank"], name="reco_list_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.rank}: {self.product_id}"
