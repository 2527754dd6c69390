"""Signals of the accounts app: how apps above it react to an account event without accounts
importing them (docs/architecture.md, "Calling up")."""

from django.dispatch import Signal

# Sent by the storefront's login and registration views right after `login()`, with `request` and
# `user`. Not by the admin's login nor the API's token logins. orders merges the guest cart on it.
storefront_login = Signal()
