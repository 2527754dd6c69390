from unittest import mock

import pytest
from django.core import mail

from orders import services, tasks
from orders.exceptions import InvalidTransition
from orders.models import OrderNotification
from orders.tests.helpers import at_status

pytestmark = pytest.mark.django_db


def test_emails_are_sent_on_commit(user, variant, place, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = place(user, (variant, 1))
    assert callbacks and mail.outbox == []  # nothing leaves before the commit

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order = place(user, (variant, 2))
    [placed] = mail.outbox
    assert placed.to == [user.email]
    assert order.number in placed.subject and order.number in placed.body
    assert "100.00" in placed.body


@pytest.mark.parametrize(
    "step,kind_word",
    [("paid", "payment"), ("shipped", "SF-777"), ("cancelled", "cancel")],
)
def test_each_transition_mails_the_buyer(
    settings, user, staff, variant, place, django_capture_on_commit_callbacks, step, kind_word
):
    settings.LANGUAGE_CODE = "en"
    order = at_status(place(user, (variant, 1)), "processing" if step == "shipped" else "pending")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        if step == "paid":
            services.order_mark_paid(order, gateway="sandbox")
        elif step == "shipped":
            services.order_ship(order, carrier="SF", tracking_number="SF-777", actor=staff)
        else:
            services.order_cancel(order, actor=user)
    [message] = mail.outbox
    assert message.to == [user.email]
    assert order.number in message.subject
    assert kind_word.lower() in (message.subject + message.body).lower()


def test_failed_transition_sends_nothing(user, variant, place, django_capture_on_commit_callbacks):
    order = place(user, (variant, 1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidTransition):
        services.order_ship(order, carrier="SF", tracking_number="1")
    assert mail.outbox == []


def test_email_task_run_twice_mails_once(user, variant, place):
    """Tasks are acked late: a redelivered or retried task must not mail the buyer again."""
    order = place(user, (variant, 1))
    mail.outbox.clear()
    assert tasks.order_email_send(order.pk, "placed") is True
    assert tasks.order_email_send(order.pk, "placed") is False
    assert len(mail.outbox) == 1
    assert tasks.order_email_send(order.pk, "paid") is True  # another kind is another mail
    assert len(mail.outbox) == 2
    sent = OrderNotification.objects.filter(order=order, sent_at__isnull=False)
    assert sorted(sent.values_list("kind", flat=True)) == ["paid", "placed"]


def test_failed_send_is_sent_by_the_retry(user, variant, place):
    order = place(user, (variant, 1))
    mail.outbox.clear()
    with (
        mock.patch("orders.emails.send_mail", side_effect=ConnectionRefusedError),
        pytest.raises(ConnectionRefusedError),
    ):
        tasks.order_email_send(order.pk, "placed")
    assert mail.outbox == []
    assert not OrderNotification.objects.filter(order=order, sent_at__isnull=False).exists()

    assert tasks.order_email_send(order.pk, "placed") is True
    assert tasks.order_email_send(order.pk, "placed") is False
    assert len(mail.outbox) == 1


def test_unknown_kind_or_no_address_records_nothing(user, variant, place):
    order = place(user, (variant, 1))
    mail.outbox.clear()
    assert tasks.order_email_send(order.pk, "bogus") is False
    type(user).objects.filter(pk=user.pk).update(email="")
    assert tasks.order_email_send(order.pk, "paid") is False
    assert mail.outbox == []
    assert not OrderNotification.objects.filter(sent_at__isnull=False).exists()
