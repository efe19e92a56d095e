"""Core infrastructure: sequences, /healthz, problem-details errors, keyset pagination."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.http import Http404
from django.test import override_settings
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from atiende.core.api.pagination import KeysetPagination
from atiende.core.api.problems import PROBLEM_CONTENT_TYPE
from atiende.core.models import OutboxEvent
from atiende.core.sequences import next_value

T0 = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
factory = APIRequestFactory()


# --- sequences ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sequence_starts_at_start_and_counts_up() -> None:
    assert [next_value("tests.a", start=1000) for _ in range(3)] == [1000, 1001, 1002]
    assert next_value("tests.b") == 1  # sequences are independent
    assert next_value("tests.a", start=1000) == 1003


@pytest.mark.django_db(transaction=True)
def test_sequence_values_are_unique_and_increasing_under_concurrent_threads() -> None:
    threads_n, per_thread = 6, 20
    name = f"tests.threads.{uuid.uuid4().hex[:8]}"  # brand new: the first-insert race too
    barrier = threading.Barrier(threads_n)
    taken: list[list[int]] = [[] for _ in range(threads_n)]
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(per_thread):
                taken[index].append(next_value(name))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    for mine in taken:
        assert mine == sorted(mine) and len(set(mine)) == per_thread
    assert sorted(v for mine in taken for v in mine) == list(range(1, threads_n * per_thread + 1))


# --- /healthz ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_200_with_each_dependency(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert {k: body[k]["ok"] for k in ("database", "tasks", "cache")} == {
        "database": True,
        "tasks": True,
        "cache": True,
    }
    assert body["database"]["vendor"] == connection.vendor
    assert body["tasks"]["backend"] == "ImmediateBackend"  # the test settings
    assert body["cache"]["backend"] == ("RedisCache" if settings.REDIS_URL else "LocMemCache")


@pytest.mark.django_db
def test_healthz_checks_the_database_task_backend(client: Any) -> None:
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        body = client.get("/healthz").json()
    assert body["tasks"]["ok"] is True
    assert body["tasks"]["backend"] == "DatabaseBackend"


@pytest.mark.django_db
def test_healthz_answers_503_when_redis_for_the_task_queue_is_down(client: Any) -> None:
    rq_tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=rq_tasks, REDIS_URL="redis://127.0.0.1:1/0"):  # nothing listens on port 1
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["tasks"]["ok"], body["tasks"].get("error")) == ("error", False, "ConnectionError")
    assert body["database"]["ok"] is True


@pytest.mark.django_db(transaction=True)
def test_healthz_with_the_configured_backends_outside_tests(children: Any) -> None:
    """Settings as a real deployment loads them (no ATIENDE_TESTING): with REDIS_URL the
    task backend is RQ and the cache is Redis; without it, the database backend and locmem."""
    child = children("healthz", ATIENDE_TESTING=None)
    result = json.loads(child.expect("result", timeout=60))
    assert child.wait() == 0
    assert result["status"] == 200, result
    body = result["body"]
    assert body["status"] == "ok"
    expected = ("RQBackend", "RedisCache") if settings.REDIS_URL else ("DatabaseBackend", "LocMemCache")
    assert (body["tasks"]["backend"], body["cache"]["backend"]) == expected
    assert body["database"] == {**body["database"], "ok": True, "vendor": connection.vendor}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_cache_is_down(client: Any) -> None:
    broken_cache = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    with override_settings(CACHES=broken_cache):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["cache"]["ok"] is False and body["cache"]["error"]
    assert body["database"]["ok"] is True


# --- problem details ---------------------------------------------------------------------------


class RequesterSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(max_length=5)


class TicketInSerializer(serializers.Serializer):
    subject = serializers.CharField()
    requester = RequesterSerializer()
    tags = serializers.ListField(child=serializers.CharField(max_length=3))


class OpenView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()


class TicketInView(OpenView):
    def post(self, request: Request) -> Response:
        serializer = TicketInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class ModelRulesView(OpenView):
    def post(self, request: Request) -> Response:
        raise DjangoValidationError({"due_at": ["Must be in the future."], "__all__": ["Nope."]})

    def get(self, request: Request) -> Response:
        raise Http404("secret detail that must not leak")


def problem(response: Any) -> dict[str, Any]:
    response.render()
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == response.status_code
    return body


def test_validation_errors_are_problem_details_with_dotted_field_names() -> None:
    request = factory.post(
        "/tickets", {"requester": {"email": "not-an-email", "name": "far too long"}, "tags": ["ok", "toolong"]}
    )
    response = TicketInView.as_view()(request)
    assert response.status_code == 400
    body = problem(response)
    assert body["type"] == "https://atiende.dev/problems/validation-error"
    assert body["title"] == "Bad Request"
    errors = {e["field"]: e["code"] for e in body["errors"]}
    assert errors == {
        "subject": "required",
        "requester.email": "invalid",
        "requester.name": "max_length",
        "tags.1": "max_length",
    }
    assert all(e["message"] for e in body["errors"])
    first = body["errors"][0]
    assert body["detail"] == f"{first['field']}: {first['message']}"


def test_model_validation_error_and_404_are_problem_details() -> None:
    body = problem(ModelRulesView.as_view()(factory.post("/x", {})))
    assert body["status"] == 400
    assert {(e["field"], e["message"]) for e in body["errors"]} == {
        ("due_at", "Must be in the future."),
        (None, "Nope."),
    }
    body = problem(ModelRulesView.as_view()(factory.get("/x")))
    assert body["status"] == 404
    assert body["type"] == "https://atiende.dev/problems/not-found"
    assert "secret" not in json.dumps(body)


# --- keyset pagination -----------------------------------------------------------------------------


class EventRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboxEvent
        fields = ("id", "type", "depth", "created_at")


class EventListView(generics.ListAPIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()
    filter_backends = ()
    queryset = OutboxEvent.objects.all()
    serializer_class = EventRowSerializer
    pagination_class = KeysetPagination
    ordering_fields = ("created_at", "depth", "type")


def list_events(**params: Any) -> Any:
    response = EventListView.as_view()(factory.get("/events", params))
    response.render()
    return response


def make_events(n: int, *, base: datetime = T0) -> list[OutboxEvent]:
    # Few distinct values per sort field, so every page boundary falls inside a run of ties.
    return OutboxEvent.objects.bulk_create(
        OutboxEvent(type=f"t{i % 3}", depth=i % 2, created_at=base + timedelta(seconds=i % 4), payload={"i": i})
        for i in range(n)
    )


def walk(ordering: str, page_size: int, *, between_pages: Any = None) -> tuple[list[str], int]:
    ids: list[str] = []
    params: dict[str, Any] = {"ordering": ordering, "page_size": page_size}
    pages = 0
    while True:
        assert pages < 100, f"pagination does not end: {len(ids)} rows, {len(set(ids))} distinct"
        response = list_events(**params)
        assert response.status_code == 200, response.content
        body = json.loads(response.content)
        assert len(body["results"]) <= page_size
        ids.extend(row["id"] for row in body["results"])
        pages += 1
        if not body["next"]:
            return ids, pages
        params["cursor"] = parse_qs(urlparse(body["next"]).query)["cursor"][0]
        if between_pages is not None:
            between_pages()
            between_pages = None


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ["-id", "id", "created_at", "-created_at", "depth", "-depth", "type", "-type"])
def test_keyset_pages_never_overlap_or_skip_rows_with_tied_sort_values(ordering: str) -> None:
    make_events(47)
    field = ordering.lstrip("-")
    sign = "-" if ordering.startswith("-") else ""
    order = [f"{sign}id"] if field == "id" else [f"{sign}{field}", f"{sign}id"]
    expected = [str(pk) for pk in OutboxEvent.objects.order_by(*order).values_list("pk", flat=True)]

    ids, pages = walk(ordering, 6)
    assert len(ids) == len(set(ids)) == 47
    assert ids == expected
    assert pages == 8


@pytest.mark.django_db
def test_rows_inserted_before_the_cursor_do_not_shift_later_pages() -> None:
    make_events(30)
    expected = [str(pk) for pk in OutboxEvent.objects.order_by("created_at", "id").values_list("pk", flat=True)]
    ids, _ = walk("created_at", 7, between_pages=lambda: make_events(5, base=T0 - timedelta(days=1)))
    assert ids == expected  # with OFFSET pages, 5 rows would have been seen twice


@pytest.mark.django_db
def test_each_page_is_one_query_without_count(django_assert_num_queries: Any) -> None:
    make_events(30)
    with django_assert_num_queries(1) as captured:
        response = list_events(ordering="-created_at", page_size=10)
    assert response.status_code == 200
    assert "COUNT(" not in captured.captured_queries[0]["sql"].upper()
    cursor = parse_qs(urlparse(json.loads(response.content)["next"]).query)["cursor"][0]
    with django_assert_num_queries(1):
        assert list_events(ordering="-created_at", page_size=10, cursor=cursor).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not a cursor!"}, "cursor"),
        ({"cursor": KeysetPagination.encode_cursor("yesterday-ish", "not-a-uuid"), "ordering": "created_at"}, "cursor"),
        ({"cursor": KeysetPagination.encode_cursor(1, str(uuid.uuid4())), "ordering": "-created_at"}, "cursor"),
        ({"ordering": "payload"}, "ordering"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_bad_pagination_parameters_are_400_naming_the_parameter(params: dict[str, str], field: str) -> None:
    make_events(3)
    response = list_events(**params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = json.loads(response.content)
    assert [e["field"] for e in body["errors"]] == [field]


@pytest.mark.django_db
def test_page_size_is_capped() -> None:
    make_events(KeysetPagination.max_page_size + 5)
    body = json.loads(list_events(page_size=10_000).content)
    assert len(body["results"]) == KeysetPagination.max_page_size
    assert body["next"]
