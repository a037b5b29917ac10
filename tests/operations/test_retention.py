"""Retention: old attempts and old finished messages go, in bounded batches; CDRs and
anything still pending or PARKED stay; the admin cannot delete the log."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cdrs.models import Cdr
from commands.models import Command
from hub.models import Delivery, DeliveryAttempt, Message
from hub.retention import purge_old_messages
from hub.tasks import apply_retention
from tests.operations.conftest import make_delivery

DAY = 24 * 3600
Status = Delivery.Status


def test_old_finished_messages_go_with_their_deliveries_and_attempts(cpo, emsp):
    old = make_delivery(cpo, emsp, status=Status.DELIVERED, age_seconds=91 * DAY, attempt_ms=5)
    recent = make_delivery(cpo, emsp, status=Status.DELIVERED, age_seconds=89 * DAY)
    waiting = make_delivery(cpo, emsp, status=Status.PENDING, age_seconds=91 * DAY)
    parked = make_delivery(cpo, emsp, module="cdrs", status=Status.PARKED, age_seconds=91 * DAY)

    outcome = apply_retention()

    assert outcome["messages"] == 1
    assert not Message.objects.filter(pk=old.message_id).exists()
    assert not Delivery.objects.filter(pk=old.pk).exists()
    assert set(Delivery.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk, parked.pk}


def test_attempts_go_after_30_days_their_delivery_stays(cpo, emsp):
    old = make_delivery(cpo, emsp, status=Status.DELIVERED, age_seconds=31 * DAY, attempt_ms=5)
    recent = make_delivery(cpo, emsp, status=Status.DELIVERED, age_seconds=29 * DAY, attempt_ms=5)

    assert apply_retention() == {"attempts": 1, "messages": 0}

    assert list(DeliveryAttempt.objects.values_list("delivery_id", flat=True)) == [recent.pk]
    assert Delivery.objects.filter(pk=old.pk).exists()


def test_a_cdr_is_never_purged_with_its_message(cpo, emsp):
    delivered = make_delivery(
        cpo, emsp, module="cdrs", status=Status.DELIVERED, age_seconds=400 * DAY
    )
    now = timezone.now()
    cdr = Cdr.objects.create(
        country_code="NL",
        party_id="CPO",
        emsp_country_code="DE",
        emsp_party_id="MSP",
        cdr_id="CDR1",
        document={"id": "CDR1"},
        start_date_time=now,
        last_updated_at=now,
        message=delivered.message,
    )

    apply_retention()

    cdr.refresh_from_db()
    assert cdr.document == {"id": "CDR1"}
    assert cdr.message is None


def test_each_run_deletes_a_bounded_amount_and_the_next_goes_on(cpo, emsp):
    for _ in range(5):
        make_delivery(cpo, emsp, status=Status.REJECTED, age_seconds=100 * DAY)

    assert purge_old_messages(batch_size=2, max_batches=1) == 2
    assert Message.objects.count() == 3
    assert purge_old_messages(batch_size=2, max_batches=5) == 3
    assert Message.objects.count() == 0


@pytest.mark.parametrize("model", [Message, Delivery, Command, Cdr])
def test_the_admin_cannot_delete_the_log(admin_client, cpo, emsp, model):
    delivery = make_delivery(cpo, emsp, status=Status.DELIVERED)
    opts = model._meta
    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    if model in (Message, Delivery):
        pk = delivery.message_id if model is Message else delivery.pk
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=pk).exists()
