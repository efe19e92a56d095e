"""Write side of the knowledge base: categories, articles (revisions, workflow, translations,
attachments), feedback and views, the search/suggestion log and deflection, stale reminders.

Bot answers live in :mod:`atiende.kb.bot`. Every function is keyword-only and runs in one
transaction; changes write an audit row and emit events.
"""

from __future__ import annotations

import difflib
import mimetypes
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext as _

from atiende.accounts import audit
from atiende.accounts.models import Organization, User
from atiende.core import clock
from atiende.core.events import emit
from atiende.core.html import html_to_text, sanitize_html
from atiende.kb import conf
from atiende.kb.choices import TRANSITIONS, ArticleStatus, Language, SearchOutcome, SearchSource, Visibility
from atiende.kb.events import ArticleChanged, ArticlePublished, ArticleStale
from atiende.kb.models import (
    Article,
    ArticleAttachment,
    ArticleFeedback,
    ArticleRevision,
    KbCategory,
    SearchEvent,
    SearchImpression,
    StaleReminder,
)
from atiende.tickets.choices import MessageKind
from atiende.tickets.models import Category, Ticket

CONTENT_FIELDS = ("title", "body_html", "keywords", "tags")
ARTICLE_FIELDS = frozenset(
    {*CONTENT_FIELDS, "category", "slug", "visibility", "organization", "owner", "pinned", "review_every_days"}
)


# --- permissions -----------------------------------------------------------------------------


def require_editor(actor: User | None) -> None:
    """Any agent (light agents included) may write drafts; the system (None) may too."""
    if actor is not None and not (actor.is_active and actor.is_agent):
        raise PermissionDenied(_("Only agents can edit the knowledge base."))


def require_publisher(actor: User | None, article: Article) -> None:
    """Publishing: an administrator or supervisor, or the article's owner if they may reply publicly."""
    if actor is None or actor.is_manager:
        return
    if actor.is_agent and actor.can_reply_publicly and article.owner_id == actor.pk:
        return
    raise PermissionDenied(_("Only the owner or a supervisor can publish this article."))


def require_manager(actor: User | None) -> None:
    if actor is not None and not (actor.is_active and actor.is_manager):
        raise PermissionDenied(_("Only administrators and supervisors can change categories."))


# --- categories ------------------------------------------------------------------------------


def _category_state(c: KbCategory) -> dict[str, Any]:
    return {
        "slug": c.slug,
        "name": c.name,
        "name_en": c.name_en,
        "parent": c.parent_id,
        "ticket_category": c.ticket_category_id,
        "position": c.position,
    }


def _clean_slug(value: str, field: str = "slug") -> str:
    slug = slugify(value or "")[:80].strip("-")
    if not slug:
        raise ValidationError({field: _("Enter a slug (letters, numbers and hyphens).")})
    return slug


@transaction.atomic
def create_category(
    *,
    actor: User | None,
    name: str,
    slug: str = "",
    name_en: str = "",
    description: str = "",
    description_en: str = "",
    parent: KbCategory | None = None,
    ticket_category: Category | None = None,
    position: int = 0,
) -> KbCategory:
    require_manager(actor)
    if not (name or "").strip():
        raise ValidationError({"name": _("Enter a name.")})
    slug = _clean_slug(slug or name)
    if KbCategory.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("Another category already uses this slug.")})
    if parent is not None and parent.parent_id is not None:
        raise ValidationError({"parent": _("Sections cannot have sections of their own.")})
    category = KbCategory.objects.create(
        slug=slug,
        name=name.strip()[:150],
        name_en=(name_en or "").strip()[:150],
        description=description or "",
        description_en=description_en or "",
        parent=parent,
        ticket_category=ticket_category,
        position=position,
        created_at=clock.now(),
    )
    audit.record(actor=actor, action="kb.category.create", obj=category, after=_category_state(category))
    return category


@transaction.atomic
def update_category(*, actor: User | None, category: KbCategory, **fields: Any) -> KbCategory:
    require_manager(actor)
    allowed = {"name", "name_en", "description", "description_en", "parent", "ticket_category", "position", "slug"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    before = _category_state(category)
    if "slug" in fields:
        fields["slug"] = _clean_slug(fields["slug"])
        if KbCategory.objects.filter(slug=fields["slug"]).exclude(pk=category.pk).exists():
            raise ValidationError({"slug": _("Another category already uses this slug.")})
    parent = fields.get("parent", category.parent)
    if parent is not None and (parent.pk == category.pk or parent.parent_id is not None or category.sections.exists()):
        raise ValidationError({"parent": _("Sections cannot have sections of their own.")})
    if "name" in fields and not (fields["name"] or "").strip():
        raise ValidationError({"name": _("Enter a name.")})
    for key, value in fields.items():
        setattr(category, key, value)
    category.save()
    old, new = audit.diff(before, _category_state(category))
    if new:
        audit.record(actor=actor, action="kb.category.update", obj=category, before=old, after=new)
    return category


# --- articles --------------------------------------------------------------------------------


def _article_state(a: Article) -> dict[str, Any]:
    return {
        "title": a.title,
        "slug": a.slug,
        "status": a.status,
        "visibility": a.visibility,
        "category": a.category_id,
        "owner": a.owner_id,
        "pinned": a.pinned,
        "revision": a.revision,
    }


def _clean_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        clean = slugify(str(tag), allow_unicode=True)[:64]
        if clean and clean not in out:
            out.append(clean)
    return out[:30]


def _clean_keywords(value: str) -> str:
    parts = [p.strip() for p in (value or "").replace("\n", ",").split(",")]
    return ", ".join(p for p in parts if p)[:2000]


def _unique_slug(base: str, language: str, exclude: int | None = None) -> str:
    slug = _clean_slug(base)[:110]
    candidate, n = slug, 2
    qs = Article.objects.filter(language=language)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    while qs.filter(slug=candidate).exists():
        candidate, n = f"{slug}-{n}", n + 1
    return candidate


def _check_visibility(visibility: str, organization: Organization | None) -> None:
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Unknown visibility.")})
    if visibility == Visibility.ORGANIZATION and organization is None:
        raise ValidationError({"organization": _("Choose the organization that may read this article.")})


def _snapshot_revision(article: Article, *, actor: User | None, note: str) -> ArticleRevision:
    return ArticleRevision.objects.create(
        article=article,
        number=article.revision,
        title=article.title,
        body_html=article.body_html,
        keywords=article.keywords,
        tags=list(article.tags),
        note=(note or "")[:300],
        author=actor,
        created_at=clock.now(),
    )


def _emit_changed(article: Article, actor: User | None, fields: Sequence[str]) -> None:
    emit(
        ArticleChanged(article_id=article.pk, status=article.status, revision=article.revision, fields=list(fields)),
        subject=article,
        actor=actor,
    )


@transaction.atomic
def create_article(
    *,
    actor: User | None,
    category: KbCategory,
    title: str,
    body_html: str = "",
    language: str = Language.ES,
    slug: str = "",
    keywords: str = "",
    tags: Iterable[str] = (),
    visibility: str = Visibility.PUBLIC,
    organization: Organization | None = None,
    owner: User | None = None,
    pinned: bool = False,
    translation_of: Article | None = None,
    source_ticket: Ticket | None = None,
    review_every_days: int = 180,
) -> Article:
    """A new draft (revision 1). ``translation_of`` links it to the same article in another language."""
    require_editor(actor)
    title = " ".join((title or "").split())[:200]
    if not title:
        raise ValidationError({"title": _("Enter a title.")})
    if language not in Language.values:
        raise ValidationError({"language": _("Unknown language.")})
    _check_visibility(visibility, organization)
    if owner is not None and not owner.is_agent:
        raise ValidationError({"owner": _("The owner must be an agent.")})
    group = uuid.uuid4()
    if translation_of is not None:
        if Article.objects.filter(translation_group=translation_of.translation_group, language=language).exists():
            raise ValidationError({"language": _("This article already has a translation in that language.")})
        group = translation_of.translation_group
    if slug and Article.objects.filter(language=language, slug=_clean_slug(slug)).exists():
        raise ValidationError({"slug": _("Another article in this language already uses this slug.")})
    html = sanitize_html(body_html or "")
    now = clock.now()
    article = Article.objects.create(
        category=category,
        slug=_clean_slug(slug) if slug else _unique_slug(title, language),
        language=language,
        translation_group=group,
        title=title,
        body_html=html,
        body_text=html_to_text(html),
        keywords=_clean_keywords(keywords),
        tags=_clean_tags(tags),
        visibility=visibility,
        organization=organization if visibility == Visibility.ORGANIZATION else None,
        owner=owner if owner is not None else (actor if actor is not None and actor.is_agent else None),
        pinned=pinned,
        source_ticket=source_ticket,
        review_every_days=max(1, int(review_every_days)),
        revision=1,
        created_at=now,
        updated_at=now,
    )
    _snapshot_revision(article, actor=actor, note=_("Created"))
    audit.record(actor=actor, action="kb.article.create", obj=article, after=_article_state(article))
    _emit_changed(article, actor, ["created"])
    return article


@transaction.atomic
def update_article(*, actor: User | None, article: Article, note: str = "", **fields: Any) -> Article:
    """Change fields; a change of title, body, keywords or tags makes a new revision."""
    require_editor(actor)
    unknown = set(fields) - ARTICLE_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    article = Article.objects.select_for_update().get(pk=article.pk)
    before = _article_state(article)
    old_content = {f: getattr(article, f) for f in CONTENT_FIELDS}
    if "title" in fields:
        fields["title"] = " ".join((fields["title"] or "").split())[:200]
        if not fields["title"]:
            raise ValidationError({"title": _("Enter a title.")})
    if "body_html" in fields:
        fields["body_html"] = sanitize_html(fields["body_html"] or "")
        article.body_text = html_to_text(fields["body_html"])
    if "keywords" in fields:
        fields["keywords"] = _clean_keywords(fields["keywords"])
    if "tags" in fields:
        fields["tags"] = _clean_tags(fields["tags"])
    if "slug" in fields:
        fields["slug"] = _clean_slug(fields["slug"])
        if Article.objects.filter(language=article.language, slug=fields["slug"]).exclude(pk=article.pk).exists():
            raise ValidationError({"slug": _("Another article in this language already uses this slug.")})
    if "owner" in fields and fields["owner"] is not None and not fields["owner"].is_agent:
        raise ValidationError({"owner": _("The owner must be an agent.")})
    visibility = fields.get("visibility", article.visibility)
    organization = fields.get("organization", article.organization)
    _check_visibility(visibility, organization)
    if visibility != Visibility.ORGANIZATION:
        fields["organization"] = None
    if "review_every_days" in fields:
        fields["review_every_days"] = max(1, int(fields["review_every_days"]))
    for key, value in fields.items():
        setattr(article, key, value)
    changed_fields = [k for k in fields if before.get(k, object()) != getattr(article, k, None)]
    content_changed = any(getattr(article, f) != old_content[f] for f in CONTENT_FIELDS)
    if content_changed:
        article.revision += 1
        changed_fields = sorted(
            set(changed_fields) | {f for f in CONTENT_FIELDS if getattr(article, f) != old_content[f]}
        )
    article.updated_at = clock.now()
    article.save()
    if content_changed:
        _snapshot_revision(article, actor=actor, note=note)
    old, new = audit.diff(before, _article_state(article))
    if new or content_changed:
        audit.record(actor=actor, action="kb.article.update", obj=article, before=old, after=new)
        _emit_changed(article, actor, changed_fields)
    return article


@transaction.atomic
def restore_revision(*, actor: User | None, article: Article, number: int) -> Article:
    """Make an old revision's content current again (as a new revision; history is kept)."""
    revision = ArticleRevision.objects.filter(article=article, number=number).first()
    if revision is None:
        raise ValidationError({"revision": _("This article has no such revision.")})
    return update_article(
        actor=actor,
        article=article,
        note=_("Restored revision %(number)s") % {"number": number},
        title=revision.title,
        body_html=revision.body_html,
        keywords=revision.keywords,
        tags=list(revision.tags),
    )


def revision_diff(old: ArticleRevision | None, new: ArticleRevision) -> list[str]:
    """A unified diff of the text of two revisions (title, keywords, body as text)."""

    def lines(rev: ArticleRevision | None) -> list[str]:
        if rev is None:
            return []
        return [rev.title, rev.keywords, "", *html_to_text(rev.body_html).splitlines()]

    return list(
        difflib.unified_diff(
            lines(old),
            lines(new),
            fromfile=f"#{old.number}" if old else "-",
            tofile=f"#{new.number}",
            lineterm="",
        )
    )


@transaction.atomic
def set_status(*, actor: User | None, article: Article, status: str) -> Article:
    """Move through draft → review → published (→ archived)."""
    require_editor(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if status not in ArticleStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == article.status:
        return article
    if status not in TRANSITIONS[article.status]:
        raise ValidationError(
            {
                "status": _("An article cannot go from %(old)s to %(new)s.")
                % {"old": article.get_status_display(), "new": ArticleStatus(status).label}
            }
        )
    if status == ArticleStatus.PUBLISHED:
        if article.owner_id is None:
            raise ValidationError({"owner": _("An article needs an owner before it is published.")})
        require_publisher(actor, article)
    before = _article_state(article)
    now = clock.now()
    article.status = status
    article.updated_at = now
    if status == ArticleStatus.PUBLISHED:
        article.published_at = now
        article.last_reviewed_at = now
    article.save()
    audit.record(actor=actor, action=f"kb.article.{status}", obj=article, before=before, after=_article_state(article))
    _emit_changed(article, actor, ["status"])
    if status == ArticleStatus.PUBLISHED:
        emit(
            ArticlePublished(article_id=article.pk, language=article.language, revision=article.revision),
            subject=article,
            actor=actor,
        )
        StaleReminder.objects.filter(article=article, done_at__isnull=True).update(done_at=now)
    return article


def publish(*, actor: User | None, article: Article) -> Article:
    """Submit for review and publish in one go (for the owner or a supervisor)."""
    if article.status in {ArticleStatus.DRAFT, ArticleStatus.ARCHIVED}:
        if article.status == ArticleStatus.ARCHIVED:
            article = set_status(actor=actor, article=article, status=ArticleStatus.DRAFT)
        article = set_status(actor=actor, article=article, status=ArticleStatus.REVIEW)
    return set_status(actor=actor, article=article, status=ArticleStatus.PUBLISHED)


@transaction.atomic
def mark_reviewed(*, actor: User | None, article: Article) -> Article:
    """The owner (or a supervisor) checked the article is still right."""
    require_editor(actor)
    now = clock.now()
    Article.objects.filter(pk=article.pk).update(last_reviewed_at=now)
    article.last_reviewed_at = now
    StaleReminder.objects.filter(article=article, done_at__isnull=True).update(done_at=now)
    audit.record(actor=actor, action="kb.article.reviewed", obj=article, after={"last_reviewed_at": now})
    return article


@transaction.atomic
def add_attachment(
    *, actor: User | None, article: Article, handle: IO[bytes], filename: str, content_type: str = ""
) -> ArticleAttachment:
    """Store an image or file once per SHA-256 (the tickets' blob store, size limit included)."""
    from django.conf import settings

    from atiende.tickets.services.attachments import _digest, _store_blob, clean_filename

    require_editor(actor)
    digest, size = _digest(handle, settings.ATTACHMENT_MAX_BYTES)
    name = clean_filename(filename)
    ctype = (content_type or "").split(";")[0].strip().lower()
    if not ctype or "/" not in ctype or len(ctype) > 150:
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    blob = _store_blob(handle, digest, size)
    attachment = ArticleAttachment.objects.create(
        article=article,
        blob=blob,
        filename=name,
        content_type=ctype,
        size=size,
        uploaded_by=actor,
        created_at=clock.now(),
    )
    audit.record(actor=actor, action="kb.article.attach", obj=article, after={"file": name, "sha256": digest})
    return attachment


@transaction.atomic
def draft_from_ticket(
    *, actor: User, ticket: Ticket, category: KbCategory, language: str | None = None, title: str = ""
) -> Article:
    """A draft article from a ticket's solution: its subject as the title, the question and
    the agents' public replies as the body (internal notes are never copied)."""
    require_editor(actor)
    messages = list(ticket.messages.filter(kind=MessageKind.REPLY).order_by("created_at", "id"))
    question = next((m for m in messages if m.author_user_id is None), None)
    answers = [m for m in messages if m.author_user_id is not None]
    parts = []
    if question is not None:
        parts.append(f"<h2>{_('Problem')}</h2>")
        parts.append(question.body_html or "<p>" + _escape(question.body_text) + "</p>")
    if answers:
        parts.append(f"<h2>{_('Solution')}</h2>")
        for m in answers:
            parts.append(m.body_html or "<p>" + _escape(m.body_text).replace("\n", "<br>") + "</p>")
    return create_article(
        actor=actor,
        category=category,
        title=title or ticket.subject,
        body_html="\n".join(parts),
        language=language or getattr(actor, "language", Language.ES) or Language.ES,
        visibility=Visibility.AGENTS,
        owner=actor,
        source_ticket=ticket,
    )


def _escape(text: str) -> str:
    from django.utils.html import escape

    return str(escape(text))


# --- views and feedback ---------------------------------------------------------------------


def record_view(*, article: Article) -> None:
    """Count a view (one UPDATE, no lock, no audit: views are statistics)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def leave_feedback(
    *, article: Article, helpful: bool, comment: str = "", user: User | None = None, visitor: str = ""
) -> ArticleFeedback:
    comment = (comment or "").strip()[:2000]
    feedback = ArticleFeedback.objects.create(
        article=article,
        helpful=helpful,
        comment=comment,
        user=user,
        visitor=(visitor or "")[:40],
        created_at=clock.now(),
    )
    counter = "helpful_count" if helpful else "not_helpful_count"
    Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return feedback


# --- search log and deflection ----------------------------------------------------------------


@transaction.atomic
def record_search(
    *,
    source: str,
    query: str,
    language: str,
    articles: Sequence[Article],
    user: User | None = None,
    visitor: str = "",
) -> SearchEvent:
    """Log what a customer searched for (or was suggested) and which articles were shown."""
    if source not in SearchSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    now = clock.now()
    event = SearchEvent.objects.create(
        at=now,
        source=source,
        query=(query or "").strip()[:300],
        language=language if language in Language.values else Language.ES,
        user=user if user is not None and user.is_authenticated else None,
        visitor=(visitor or "")[:40],
    )
    SearchImpression.objects.bulk_create(
        [SearchImpression(event=event, article=a, position=i) for i, a in enumerate(articles[:20], start=1)]
    )
    if event.user_id is not None and visitor:
        # What the visitor searched before signing in is theirs too.
        window = now - timedelta(hours=conf.get("ATIENDE_KB_DEFLECTION_HOURS"))
        SearchEvent.objects.filter(visitor=visitor, user__isnull=True, at__gte=window).update(user=event.user_id)
    return event


def record_open(*, event_id: int, article: Article) -> None:
    """The customer opened an article from a search or suggestion."""
    SearchImpression.objects.filter(event_id=event_id, article=article).update(opened=True)


def link_ticket(*, ticket: Ticket, user_id: int | None) -> int:
    """A request was created: the searches and suggestions of its requester in the last
    24 hours did not deflect it; they are remembered on the ticket. Idempotent."""
    if user_id is None:
        return 0
    window = clock.now() - timedelta(hours=conf.get("ATIENDE_KB_DEFLECTION_HOURS"))
    return SearchEvent.objects.filter(
        user_id=user_id, at__gte=window, at__lte=ticket.created_at, ticket__isnull=True
    ).update(ticket=ticket, outcome=SearchOutcome.TICKET)


def settle_deflection(*, now: datetime | None = None) -> int:
    """Searches older than the window with no request after them count as deflected."""
    now = now or clock.now()
    cutoff = now - timedelta(hours=conf.get("ATIENDE_KB_DEFLECTION_HOURS"))
    return SearchEvent.objects.filter(outcome=SearchOutcome.PENDING, at__lt=cutoff).update(
        outcome=SearchOutcome.DEFLECTED
    )


# --- stale reminders ---------------------------------------------------------------------------


@transaction.atomic
def remind_stale(*, now: datetime | None = None) -> int:
    """One in-app reminder per article and due date to its owner (idempotent per due date)."""
    from atiende.kb.selectors import stale_articles

    now = now or clock.now()
    created = 0
    for article in stale_articles(now):
        reviewed = article.last_reviewed_at or article.published_at or article.created_at
        due = reviewed + timedelta(days=article.review_every_days)
        assert article.owner_id is not None  # noqa: S101 - stale_articles only returns owned articles
        _, new = StaleReminder.objects.get_or_create(
            article=article, due_since=due, defaults={"owner_id": article.owner_id, "created_at": now}
        )
        if new:
            created += 1
            emit(ArticleStale(article_id=article.pk, owner_id=article.owner_id), subject=article)
    return created
