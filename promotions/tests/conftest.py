import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Factories set a password on every user; the production hasher makes that ~1 s each on a
    # busy machine, which would dominate tests that need dozens of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
