"""Merge, split, links, custom fields, catalog and attachments."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from atiende.accounts.choices import Role
from atiende.accounts.models import AuditLog
from atiende.accounts.tests.factories import make_user
from atiende.contacts.tests.factories import make_contact
from atiende.tickets import services
from atiende.tickets.choices import FieldType, LinkKind, MessageKind, Status
from atiende.tickets.models import Attachment, StoredFile, Ticket, TicketLink
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return make_user(role=Role.AGENT)


def test_merge_moves_messages_and_closes_source(agent):
    source = make_ticket(body="first problem")
    target = make_ticket(body="second problem")
    services.add_message(actor=agent, ticket=source, body="reply on source")
    services.merge_tickets(actor=agent, source=source, target=target)
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == Status.CLOSED and source.merged_into_id == target.pk
    texts = list(target.messages.filter(kind=MessageKind.REPLY).values_list("body_text", flat=True))
    assert "first problem" in texts and "reply on source" in texts
    assert source.requester in target.ccs.all()
    assert TicketLink.objects.filter(source=source, target=target, kind=LinkKind.DUPLICATE).exists()
    assert AuditLog.objects.filter(action="ticket.merged", object_id=str(target.pk)).exists()
    # A customer reply to the merged ticket lands on the target.
    message = services.add_message(actor=None, ticket=source, author_contact=source.requester, body="hello?")
    assert message.ticket_id == target.pk


def test_merge_rejects_self_and_closed(agent):
    ticket = make_ticket()
    with pytest.raises(ValidationError):
        services.merge_tickets(actor=agent, source=ticket, target=ticket)
    closed = make_ticket()
    services.update_ticket(actor=agent, ticket=closed, status=Status.CLOSED)
    with pytest.raises(ValidationError) as exc:
        services.merge_tickets(actor=agent, source=ticket, target=closed)
    assert "target" in exc.value.message_dict


def test_split_moves_selected_messages(agent):
    ticket = make_ticket(body="printer broken")
    second = services.add_message(actor=None, ticket=ticket, author_contact=ticket.requester, body="also VPN broken")
    new = services.split_ticket(actor=agent, ticket=ticket, message_ids=[second.pk], subject="VPN")
    assert new.subject == "VPN" and new.requester_id == ticket.requester_id
    assert list(new.messages.filter(kind=MessageKind.REPLY).values_list("body_text", flat=True)) == ["also VPN broken"]
    assert ticket.messages.filter(pk=second.pk).count() == 0
    with pytest.raises(ValidationError) as exc:
        services.split_ticket(actor=agent, ticket=ticket, message_ids=[second.pk + 10_000])
    assert "message_ids" in exc.value.message_dict
    only = ticket.messages.filter(kind=MessageKind.REPLY).values_list("pk", flat=True)
    all_ids = list(ticket.messages.values_list("pk", flat=True))
    assert only
    with pytest.raises(ValidationError):
        services.split_ticket(actor=agent, ticket=ticket, message_ids=all_ids)


def test_links_and_cycles(agent):
    a, b, c = make_ticket(), make_ticket(), make_ticket()
    services.link_tickets(actor=agent, source=a, target=b, kind=LinkKind.PARENT)
    services.link_tickets(actor=agent, source=b, target=c, kind=LinkKind.PARENT)
    with pytest.raises(ValidationError):
        services.link_tickets(actor=agent, source=c, target=a, kind=LinkKind.PARENT)
    with pytest.raises(ValidationError):
        services.link_tickets(actor=agent, source=a, target=a, kind=LinkKind.RELATED)
    link = services.link_tickets(actor=agent, source=a, target=c, kind=LinkKind.RELATED)
    again = services.link_tickets(actor=agent, source=c, target=a, kind=LinkKind.RELATED)
    assert link.pk == again.pk
    services.unlink_tickets(actor=agent, link=link)
    assert not TicketLink.objects.filter(pk=link.pk).exists()


@pytest.fixture
def hardware_form():
    model = services.create_custom_field(actor=None, key="model", label="Model", type=FieldType.TEXT)
    size = services.create_custom_field(
        actor=None, key="size", label="Size", type=FieldType.SELECT, options=["S", "M", "L"]
    )
    ports = services.create_custom_field(
        actor=None, key="ports", label="Ports", type=FieldType.MULTISELECT, options=["usb", "hdmi", "eth"]
    )
    qty = services.create_custom_field(actor=None, key="qty", label="Quantity", type=FieldType.NUMBER)
    bought = services.create_custom_field(actor=None, key="bought", label="Bought on", type=FieldType.DATE)
    warranty = services.create_custom_field(actor=None, key="warranty", label="Warranty", type=FieldType.CHECKBOX)
    internal = services.create_custom_field(
        actor=None, key="cost_center", label="Cost center", type=FieldType.TEXT, agent_only=True
    )
    parent = services.create_category(actor=None, name="Hardware", form=[(model, True)])
    laptops = services.create_category(
        actor=None,
        name="Laptops",
        parent=parent,
        form=[(size, False), (ports, False), (qty, False), (bought, False), (warranty, False), (internal, False)],
    )
    return laptops


def test_custom_fields_validated_by_type(hardware_form, agent):
    ticket = make_ticket(
        category=hardware_form,
        custom_fields={
            "model": "T14",
            "size": "M",
            "ports": ["hdmi", "usb", "usb"],
            "qty": "2",
            "bought": "2026-01-31",
            "warranty": True,
        },
    )
    assert ticket.custom_fields == {
        "model": "T14",
        "size": "M",
        "ports": ["usb", "hdmi"],
        "qty": 2,
        "bought": "2026-01-31",
        "warranty": True,
    }
    bad = {"size": "XL", "qty": "many", "bought": "31/01/2026", "warranty": "yes", "ports": ["vga"], "nope": 1}
    with pytest.raises(ValidationError) as exc:
        services.update_ticket(actor=agent, ticket=ticket, custom_fields=bad)
    assert set(exc.value.message_dict) == {f"custom_fields.{k}" for k in bad}
    services.update_ticket(actor=agent, ticket=ticket, custom_fields={"qty": None})
    ticket.refresh_from_db()
    assert "qty" not in ticket.custom_fields


def test_required_field_from_parent_category(hardware_form):
    with pytest.raises(ValidationError) as exc:
        make_ticket(category=hardware_form, custom_fields={})
    assert "custom_fields.model" in exc.value.message_dict


def test_agent_only_fields_rejected_for_customers(hardware_form):
    from atiende.contacts.tests.factories import make_customer

    user, contact = make_customer()
    with pytest.raises(ValidationError) as exc:
        make_ticket(
            actor=user, requester=contact, category=hardware_form, custom_fields={"model": "X1", "cost_center": "CC-9"}
        )
    assert "custom_fields.cost_center" in exc.value.message_dict


def test_attachments_deduplicated_by_sha256(agent):
    payload = b"%PDF-1.4 factura" * 100
    ticket = make_ticket(attachments=[(io.BytesIO(payload), "../../etc/factura\r\n.pdf", "application/pdf")])
    services.add_message(
        actor=agent, ticket=ticket, body="same file", attachments=[(io.BytesIO(payload), "copy.pdf", "")]
    )
    attachments = list(Attachment.objects.filter(ticket=ticket).order_by("id"))
    assert len(attachments) == 2
    assert StoredFile.objects.count() == 1
    assert attachments[0].blob_id == attachments[1].blob_id
    assert attachments[0].filename == "factura_.pdf"
    assert attachments[1].content_type == "application/pdf"
    with default_storage.open(str(attachments[0].blob.file.name)) as handle:
        assert handle.read() == payload


def test_attachment_size_limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        make_ticket(attachments=[(io.BytesIO(b"x" * 1001), "big.bin", "")])
    assert "attachments" in exc.value.message_dict
    assert not Ticket.objects.exists()


def test_disk_full_leaves_no_ticket_and_no_file(monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def full(self, name, content, max_length=None):
        path = self.path(name)
        import os

        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    contact = make_contact()
    with pytest.raises(OSError):
        make_ticket(requester=contact, attachments=[(io.BytesIO(b"data" * 10), "a.txt", "text/plain")])
    assert not Ticket.objects.exists()
    assert not StoredFile.objects.exists()
    import hashlib

    digest = hashlib.sha256(b"data" * 10).hexdigest()
    assert not default_storage.exists(f"blobs/{digest[:2]}/{digest[2:4]}/{digest}")
