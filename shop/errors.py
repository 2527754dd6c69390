"""The 500 page: rendered from settings alone (no request context, no context processor, nothing
that reads the database, which may be what failed)."""

from django.conf import settings
from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def server_error(request, template_name: str = "500.html"):
    template = loader.get_template(template_name)
    return HttpResponseServerError(template.render({"SHOP_NAME": settings.SHOP_NAME}))
