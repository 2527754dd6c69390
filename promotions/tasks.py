from celery import shared_task

from promotions import services


@shared_task
def coupons_expire() -> int:
    """Beat: mark unused coupons past their validity as expired. Idempotent: a second run finds
    nothing left to expire."""
    return services.coupons_expire()
