"""Articles: revisions, diff, restore, workflow, translations, feedback, deflection, reminders."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_user
from atiende.contacts.tests.factories import make_customer
from atiende.core import clock
from atiende.core.models import OutboxEvent
from atiende.kb import services
from atiende.kb.choices import ArticleStatus, SearchOutcome, SearchSource, Visibility
from atiende.kb.models import Article, SearchEvent, StaleReminder
from atiende.kb.selectors import deflection_report
from atiende.kb.tests.factories import deliver_kb, make_article, make_category
from atiende.tickets.services import add_message
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_body_is_sanitized_and_edits_make_revisions_with_diff_and_restore() -> None:
    agent = make_user()
    a = services.create_article(
        actor=agent,
        category=make_category(),
        title="Wifi",
        body_html='<p onclick="x()">Uno</p><script>alert(1)</script>',
    )
    assert "script" not in a.body_html and "onclick" not in a.body_html
    assert a.revision == 1 and a.status == ArticleStatus.DRAFT and a.owner == agent
    a = services.update_article(actor=agent, article=a, body_html="<p>Dos</p>", note="fix")
    assert a.revision == 2
    a = services.update_article(actor=agent, article=a, pinned=True)  # not content: no new revision
    assert a.revision == 2
    old, new = a.revisions.get(number=1), a.revisions.get(number=2)
    diff = services.revision_diff(old, new)
    assert "-Uno" in diff and "+Dos" in diff
    a = services.restore_revision(actor=agent, article=a, number=1)
    assert a.revision == 3 and a.body_text == "Uno"
    with pytest.raises(ValidationError) as exc:
        services.restore_revision(actor=agent, article=a, number=99)
    assert "revision" in exc.value.message_dict


def test_workflow_draft_review_published_needs_owner_and_rights() -> None:
    owner, other = make_user(), make_user()
    a = services.create_article(actor=owner, category=make_category(), title="Impresoras", owner=owner)
    with pytest.raises(ValidationError):
        services.set_status(actor=owner, article=a, status=ArticleStatus.PUBLISHED)  # must go through review
    a = services.set_status(actor=other, article=a, status=ArticleStatus.REVIEW)
    with pytest.raises(PermissionDenied):
        services.set_status(actor=other, article=a, status=ArticleStatus.PUBLISHED)  # not the owner
    a = services.set_status(actor=owner, article=a, status=ArticleStatus.PUBLISHED)
    assert a.published_at is not None and a.last_reviewed_at is not None
    assert OutboxEvent.objects.filter(type="kb.article_published", subject_id=str(a.pk)).count() == 1
    customer, _ = make_customer()
    with pytest.raises(PermissionDenied):
        services.update_article(actor=customer, article=a, title="x")


def test_translations_are_linked_one_per_language() -> None:
    es = make_article(title="Restablecer contraseña", language="es")
    en = make_article(title="Reset password", language="en", translation_of=es)
    assert en.translation_group == es.translation_group
    with pytest.raises(ValidationError):
        make_article(title="Otra", language="en", translation_of=es)


def test_organization_visibility_needs_an_organization() -> None:
    with pytest.raises(ValidationError) as exc:
        make_article(visibility=Visibility.ORGANIZATION)
    assert "organization" in exc.value.message_dict


def test_attachment_is_stored_by_digest() -> None:
    a = make_article()
    one = services.add_attachment(actor=None, article=a, handle=io.BytesIO(b"png-bytes"), filename="../../x.png")
    two = services.add_attachment(actor=None, article=a, handle=io.BytesIO(b"png-bytes"), filename="y.png")
    assert one.blob_id == two.blob_id and one.filename == "x.png" and one.content_type == "image/png"


def test_feedback_and_views() -> None:
    a = make_article()
    services.leave_feedback(article=a, helpful=True)
    services.leave_feedback(article=a, helpful=False, comment="Falta un paso")
    services.record_view(article=a)
    a.refresh_from_db()
    assert (a.helpful_count, a.not_helpful_count, a.view_count) == (1, 1, 1)


def test_deflection_request_within_24h_is_not_deflected() -> None:
    art = make_article(title="Facturas")
    customer, contact = make_customer()
    other, _ = make_customer()
    with clock.frozen_at(T0):
        asked = services.record_search(
            source=SearchSource.SUGGESTION, query="factura", language="es", articles=[art], user=customer
        )
        deflected = services.record_search(
            source=SearchSource.HELP_CENTER, query="factura", language="es", articles=[art], user=other
        )
    with clock.frozen_at(T0 + timedelta(hours=2)):
        ticket = make_ticket(requester=contact, actor=make_user(), channel="phone")  # an agent, for the customer
        deliver_kb()
    asked.refresh_from_db()
    assert asked.ticket == ticket and asked.outcome == SearchOutcome.TICKET  # the request remembers
    with clock.frozen_at(T0 + timedelta(hours=25)):
        assert services.settle_deflection() == 1
    deflected.refresh_from_db()
    assert deflected.outcome == SearchOutcome.DEFLECTED
    rows = deflection_report(since=T0 - timedelta(days=1), until=T0 + timedelta(days=2))
    assert rows[0]["id"] == art.pk and rows[0]["shown"] == 2 and rows[0]["deflected"] == 1 and rows[0]["tickets"] == 1
    by_cat = deflection_report(since=T0 - timedelta(days=1), until=T0 + timedelta(days=2), by="category")
    assert by_cat[0]["id"] == art.category_id


def test_anonymous_search_then_sign_in_counts_for_the_user() -> None:
    art = make_article()
    customer, _ = make_customer()
    first = services.record_search(source="help_center", query="a", language="es", articles=[art], visitor="v1")
    services.record_search(source="help_center", query="b", language="es", articles=[art], visitor="v1", user=customer)
    first.refresh_from_db()
    assert first.user == customer


def test_stale_reminder_once_per_due_date_and_cleared_by_review() -> None:
    owner = make_user(role=Role.SUPERVISOR)
    with clock.frozen_at(T0):
        a = make_article(owner=owner, review_every_days=30)
    with clock.frozen_at(T0 + timedelta(days=31)):
        assert services.remind_stale() == 1
        assert services.remind_stale() == 0
        services.mark_reviewed(actor=owner, article=a)
    assert StaleReminder.objects.get().done_at is not None
    with clock.frozen_at(T0 + timedelta(days=40)):
        assert services.remind_stale() == 0


def test_draft_from_ticket_copies_question_and_public_answers_not_notes() -> None:
    agent = make_user()
    ticket = make_ticket(subject="No llegan los correos", body="No recibo correos desde ayer.")
    add_message(actor=agent, ticket=ticket, body="Revise la carpeta de spam.")
    add_message(actor=agent, ticket=ticket, body="NOTA SECRETA", internal=True)
    a = services.draft_from_ticket(actor=agent, ticket=ticket, category=make_category())
    assert a.status == ArticleStatus.DRAFT and a.visibility == Visibility.AGENTS and a.source_ticket == ticket
    assert "spam" in a.body_text and "No recibo" in a.body_text and "SECRETA" not in a.body_text
    assert Article.objects.count() == 1 and SearchEvent.objects.count() == 0
