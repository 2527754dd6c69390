from accounts.management.commands._staff_account import StaffAccountCommand
from accounts.models import User


class Command(StaffAccountCommand):
    help = (
        "Create or update a merchant account (catalog, stock and orders in the admin). Idempotent."
    )
    role = User.Role.MERCHANT
