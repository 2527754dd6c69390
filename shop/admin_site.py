"""The back office's admin site: accounts' site (login limiter) with the dashboard as its index.

It lives in shop because the dashboard reads every app (shop.dashboard); ShopAdminConfig makes it
`admin.site`.
"""

from django.utils.translation import gettext_lazy as _

from accounts.admin_site import ShopAdminSite


class BackOfficeSite(ShopAdminSite):
    site_header = _("Shop back office")
    site_title = _("Shop back office")
    index_title = _("Dashboard")

    def index(self, request, extra_context=None):
        from shop.dashboard import dashboard_for

        # The index needs a logged-in staff user (admin_view): nobody else reaches this.
        context = {"dashboard": dashboard_for(request.user), **(extra_context or {})}
        return super().index(request, extra_context=context)
