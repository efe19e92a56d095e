"""Knowledge-base API: categories, articles (revisions, restore, workflow, feedback),
search, suggestions and the deflection report. Every queryset comes from a selector scoped
by the caller, so an article outside the caller's visibility is 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from atiende.accounts.api.views import API_PERMISSIONS, ListRetrieveMixin, ScopedViewSet
from atiende.accounts.models import User
from atiende.core import clock
from atiende.kb import bot, search, selectors, services
from atiende.kb.api.serializers import (
    ArticleHitSerializer,
    ArticleSerializer,
    ArticleWriteSerializer,
    DeflectionReportSerializer,
    FeedbackSerializer,
    KbCategorySerializer,
    KbCategoryWriteSerializer,
    RestoreSerializer,
    RevisionSerializer,
    SearchResultsSerializer,
    StatusSerializer,
)
from atiende.kb.choices import ArticleStatus, Language
from atiende.kb.models import Article, KbCategory


@extend_schema_view(
    list=extend_schema(summary=_("List knowledge-base categories and sections")),
    retrieve=extend_schema(summary=_("Get a category")),
    create=extend_schema(
        summary=_("Create a category or section (administrators and supervisors)"),
        request=KbCategoryWriteSerializer,
        responses={201: KbCategorySerializer},
    ),
    partial_update=extend_schema(
        summary=_("Change a category (administrators and supervisors)"),
        request=KbCategoryWriteSerializer,
        responses={200: KbCategorySerializer},
    ),
)
class CategoryViewSet(ListRetrieveMixin, ScopedViewSet):
    model = KbCategory
    serializer_class = KbCategorySerializer
    ordering_fields = ("position", "name", "created_at")
    default_ordering = "position"

    def scoped_queryset(self, user: User) -> QuerySet[KbCategory]:
        return KbCategory.objects.all()

    def user_can_write(self, user: User) -> bool:
        return user.is_manager

    def create(self, request: Request) -> Response:
        data = self.input(KbCategoryWriteSerializer)
        category = services.create_category(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(category, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        category = self.get_object()
        data = self.input(KbCategoryWriteSerializer, partial=True)
        return self.output(services.update_category(actor=request.user, category=category, **data))  # type: ignore[arg-type]


@extend_schema_view(
    list=extend_schema(
        summary=_("List articles"),
        description=_(
            "Agents see every article in every status; customers published articles that are public, "
            "for signed-in customers or for their organization."
        ),
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=ArticleStatus.values),
            OpenApiParameter("language", OpenApiTypes.STR, enum=Language.values),
            OpenApiParameter("category", OpenApiTypes.INT),
        ],
    ),
    retrieve=extend_schema(summary=_("Get an article")),
    create=extend_schema(
        summary=_("Create a draft article (agents)"), request=ArticleWriteSerializer, responses={201: ArticleSerializer}
    ),
    partial_update=extend_schema(
        summary=_("Change an article (agents); content changes make a new revision"),
        request=ArticleWriteSerializer,
        responses={200: ArticleSerializer},
    ),
    revisions=extend_schema(
        summary=_("Revisions of an article, with diffs"), responses={200: RevisionSerializer(many=True)}
    ),
    restore=extend_schema(
        summary=_("Restore a revision (as a new revision)"),
        request=RestoreSerializer,
        responses={200: ArticleSerializer},
    ),
    set_status=extend_schema(
        summary=_("Move an article in the workflow (draft, review, published, archived)"),
        request=StatusSerializer,
        responses={200: ArticleSerializer},
    ),
    feedback=extend_schema(
        summary=_("Helpful / not helpful, with an optional comment"), request=FeedbackSerializer, responses={204: None}
    ),
)
class ArticleViewSet(ListRetrieveMixin, ScopedViewSet):
    model = Article
    serializer_class = ArticleSerializer
    ordering_fields = ("updated_at", "created_at", "title", "view_count")
    default_ordering = "-updated_at"

    def scoped_queryset(self, user: User) -> QuerySet[Article]:
        return selectors.articles_visible_to(user)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        params = self.request.query_params
        for key in ("status", "language"):
            if params.get(key):
                queryset = queryset.filter(**{key: params[key]})
        if params.get("category", "").isdigit():
            queryset = queryset.filter(category_id=int(params["category"]))
        return super().filter_queryset(queryset)  # type: ignore[no-any-return]

    def user_can_write(self, user: User) -> bool:
        return user.is_agent

    def get_permissions(self) -> list[Any]:
        if getattr(self, "action", None) == "feedback":
            return [permission() for permission in API_PERMISSIONS]  # customers may leave feedback
        return list(super().get_permissions())

    def create(self, request: Request) -> Response:
        data = self.input(ArticleWriteSerializer)
        data.pop("note", None)
        translation_of = data.get("translation_of")
        if (
            translation_of is not None
            and not selectors.articles_visible_to(request.user)
            .filter(  # type: ignore[arg-type]
                pk=translation_of.pk
            )
            .exists()
        ):
            raise ValidationError({"translation_of": [_("Unknown article.")]})
        article = services.create_article(actor=request.user, **data)  # type: ignore[arg-type]
        return self.output(article, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        data = self.input(ArticleWriteSerializer, partial=True)
        for key in ("language", "translation_of"):
            if key in data:
                raise ValidationError({key: [_("This field cannot be changed.")]})
        note = data.pop("note", "")
        return self.output(services.update_article(actor=request.user, article=article, note=note, **data))  # type: ignore[arg-type]

    @action(detail=True, methods=["get"])
    def revisions(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        revisions = list(article.revisions.all()[:100])
        previous = {r.number: (revisions[i + 1] if i + 1 < len(revisions) else None) for i, r in enumerate(revisions)}
        return Response(RevisionSerializer(revisions, many=True, context={"previous": previous}).data)

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        data = self.input(RestoreSerializer)
        return self.output(services.restore_revision(actor=request.user, article=article, number=data["revision"]))  # type: ignore[arg-type]

    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        data = self.input(StatusSerializer)
        return self.output(services.set_status(actor=request.user, article=article, status=data["status"]))  # type: ignore[arg-type]

    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        data = self.input(FeedbackSerializer)
        services.leave_feedback(
            article=article,
            helpful=data["helpful"],
            comment=data.get("comment", ""),
            user=request.user,  # type: ignore[arg-type]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _query(request: Request) -> tuple[str, str | None]:
    query = request.query_params.get("q", "").strip()
    if not query:
        raise ValidationError({"q": [_("Enter something to search for.")]})
    if len(query) > 500:
        raise ValidationError({"q": [_("The query is too long (500 characters at most).")]})
    language = request.query_params.get("language") or None
    if language is not None and language not in Language.values:
        raise ValidationError({"language": [_("Unknown language.")]})
    return query, language


class SearchView(APIView):
    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary=_("Search articles and tickets"),
        description=_(
            "One search: published articles the caller may read (ranked, hybrid when the semantic extra is "
            "installed) and the caller's tickets. Snippets are HTML with matches in <mark>."
        ),
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True),
            OpenApiParameter("language", OpenApiTypes.STR, enum=Language.values),
        ],
        responses={200: SearchResultsSerializer},
    )
    def get(self, request: Request) -> Response:
        query, language = _query(request)
        results = search.search(request.user, query, language=language)  # type: ignore[arg-type]
        return Response(SearchResultsSerializer(results).data)


class SuggestionsView(APIView):
    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary=_("Suggest articles for a request being written"),
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description=_("Subject and text so far.")),
            OpenApiParameter("language", OpenApiTypes.STR, enum=Language.values),
        ],
        responses={200: ArticleHitSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        query, language = _query(request)
        hits = [
            h for h in search.search_articles(request.user, query, language=language, limit=5) if h.confidence >= 0.3
        ]  # type: ignore[arg-type]
        return Response(ArticleHitSerializer(hits, many=True).data)


class DeflectionView(APIView):
    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary=_("Deflection report per article or category (agents)"),
        description=_("Searches and suggestions followed by no request within 24 hours count as deflected."),
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, enum=["article", "category"]),
            OpenApiParameter("days", OpenApiTypes.INT),
        ],
        responses={200: DeflectionReportSerializer},
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if not isinstance(user, User) or not user.is_agent:
            raise NotFound
        by = request.query_params.get("by", "article")
        if by not in {"article", "category"}:
            raise ValidationError({"by": [_("Use article or category.")]})
        days_raw = request.query_params.get("days", "30")
        if not days_raw.isdigit() or not 1 <= int(days_raw) <= 365:
            raise ValidationError({"days": [_("Use a number of days between 1 and 365.")]})
        until = clock.now()
        since = until - timedelta(days=int(days_raw))
        data = {
            "by": by,
            "days": int(days_raw),
            "totals": selectors.deflection_totals(since=since, until=until),
            "bot": bot.stats(),
            "rows": selectors.deflection_report(since=since, until=until, by=by)[:500],
        }
        return Response(DeflectionReportSerializer(data).data)
