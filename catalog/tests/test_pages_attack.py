"""An outsider's view of the catalogue pages: odd input never a 500, nothing of theirs run."""

import pytest
from django.core.exceptions import ValidationError

from catalog.models import validate_link


@pytest.mark.parametrize(
    "link",
    [
        "/\\evil.example/",  # browsers read a backslash as a slash: //evil.example/
        "/\\/evil.example/",
        "/\t/evil.example/",  # browsers drop tabs and newlines: //evil.example/
        "/\n/evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_a_banner_link_off_the_shop_by_a_trick_is_refused(link):
    with pytest.raises(ValidationError):
        validate_link(link)


@pytest.mark.parametrize("link", ["/c/phones/", "/search/?q=a%20b", "https://example.com/x"])
def test_a_banner_link_to_a_path_or_an_https_address_is_accepted(link):
    validate_link(link)
