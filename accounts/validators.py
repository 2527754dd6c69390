"""A password "validator" that validates nothing: Django calls `password_changed` on every
password change, whatever the path (API, pages, the admin's forms, management commands), which
makes it the one place to end the sessions of the mobile apps that knew the old password."""


class RevokeRefreshTokensOnPasswordChange:
    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        from accounts.services import user_refresh_tokens_revoke

        user_refresh_tokens_revoke(user)

    def get_help_text(self):
        return ""
