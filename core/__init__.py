"""What the domain apps share, below all of them: a leaf package.

- ``core.exceptions``: the domain error base (``DomainError``, ``NotFound``, ``PermissionDenied``,
  ``Conflict``) that every app's ``exceptions.py`` builds on;
- ``core.money``: ``money()``, the one quantize of an amount (0.01, half-up), the bounds of the
  money columns (``MONEY_MAX``, ``MAX_UNIT_PRICE``, ``AmountTooLarge``, the ``shop.E001`` check)
  and the display format of the ``money`` template filter (``core.templatetags.money``);
- ``core.transactions``: ``on_commit_robust``;
- ``core.db``: the read-pinning primitives the database router and domain code share;
- ``core.admin``: the admin plumbing every app's admin uses (a change form writes only what was
  edited);
- ``core.api``: the API plumbing (pagination, schema, filters, the exception handler);
- ``core.testing``: test helpers the apps' tests share (``db_state``, the admin race).

core imports Django, DRF and other third-party packages and itself, never a shop app nor the
``shop`` project package (core/tests/test_layers.py checks it). It is an installed app only for its
template tag library and its settings check; it has no models.
"""
