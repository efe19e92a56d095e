"""Websocket consumer of ticket pages: access checked on connect, per-user rendering (no
note ever reaches a customer), presence between agents, and the two delivery paths."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.layers import InMemoryChannelLayer, get_channel_layer

from atiende.accounts.choices import Role
from atiende.accounts.tests.factories import make_team, make_user
from atiende.core import clock
from atiende.core.models import OutboxEvent
from atiende.tickets import live, services
from atiende.tickets.consumers import TicketConsumer
from atiende.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)  # the consumer reads from its own thread


class Socket(ApplicationCommunicator):
    """A websocket client for a consumer (channels.testing needs daphne, which we do not use)."""

    async def connect(self, timeout: float = 2) -> tuple[bool, Any]:
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(timeout)
        return answer["type"] == "websocket.accept", answer.get("code")

    async def send_json_to(self, data: Any) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_from(self, timeout: float = 1) -> str:
        answer = await self.receive_output(timeout)
        assert answer["type"] == "websocket.send", answer
        return str(answer["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 2) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def communicator(user: Any, ticket_id: int, after: int = 0) -> Socket:
    scope = {
        "type": "websocket",
        "path": f"/ws/tickets/{ticket_id}/",
        "query_string": f"after={after}".encode(),
        "headers": [],
        "subprotocols": [],
        "user": user,
        "url_route": {"args": (), "kwargs": {"ticket_id": ticket_id}},
    }
    return Socket(TicketConsumer.as_asgi(), scope)


async def _drain(comm: Socket, timeout: float = 1.0) -> list[str]:
    """Everything the consumer sent until it has been quiet for ``timeout`` seconds.

    (A timed-out ``receive_output`` would cancel the consumer, so poll the queue.)
    """
    out: list[str] = []
    quiet = 0.0
    while quiet < timeout:
        if comm.output_queue.empty():
            await asyncio.sleep(0.02)
            quiet += 0.02
            continue
        quiet = 0.0
        out.append(await comm.receive_from())
    return out


def notice_for(event: OutboxEvent) -> dict[str, Any]:
    return live.notice(event)


def test_connect_is_refused_outside_the_scope(team, customer, other_customer) -> None:
    far = make_user(role=Role.AGENT, email="far@desk.test", teams=[make_team(name="Far")])
    ticket = make_ticket(requester=customer[1], team=team)

    async def run() -> list[bool]:
        results = []
        for user in (far, other_customer[0]):
            comm = communicator(user, ticket.pk)
            connected, _code = await comm.connect()
            results.append(connected)
            await comm.disconnect()
        from django.contrib.auth.models import AnonymousUser

        comm = communicator(AnonymousUser(), ticket.pk)
        connected, _code = await comm.connect()
        results.append(connected)
        return results

    assert async_to_sync(run)() == [False, False, False]


def test_new_messages_are_rendered_for_each_user(agent, team, customer) -> None:
    ticket = make_ticket(requester=customer[1], team=team)
    first = ticket.messages.get().pk

    async def run() -> tuple[list[str], list[str]]:
        agent_socket, customer_socket = (
            communicator(agent, ticket.pk, first),
            communicator(customer[0], ticket.pk, first),
        )
        assert (await agent_socket.connect())[0] and (await customer_socket.connect())[0]
        await _drain(agent_socket)
        await _drain(customer_socket)
        for internal, body in ((True, "secret note"), (False, "public answer")):
            event = await _add(ticket, agent, body, internal)
            layer = get_channel_layer()
            await layer.group_send(live.group_name(ticket.pk), notice_for(event))
        got = await _drain(agent_socket), await _drain(customer_socket)
        await agent_socket.disconnect()
        await customer_socket.disconnect()
        return got

    for_agent, for_customer = async_to_sync(run)()
    agent_html, customer_html = "".join(for_agent), "".join(for_customer)
    assert 'hx-swap-oob="beforeend"' in agent_html
    assert "secret note" in agent_html and "msg--note" in agent_html and "public answer" in agent_html
    assert "public answer" in customer_html and "secret note" not in customer_html


async def _add(ticket, agent, body: str, internal: bool) -> OutboxEvent:
    from channels.db import database_sync_to_async

    @database_sync_to_async
    def add() -> OutboxEvent:
        services.add_message(actor=agent, ticket=ticket, body=body, internal=internal)
        return OutboxEvent.objects.filter(type="ticket.message_added", subject_id=str(ticket.pk)).latest("created_at")

    return await add()


def test_presence_between_agents(agent, other_agent, team) -> None:
    ticket = make_ticket(team=team)

    async def run() -> tuple[str, str, str]:
        ana, luis = communicator(agent, ticket.pk), communicator(other_agent, ticket.pk)
        await ana.connect()
        await _drain(ana)
        await luis.connect()
        ana_sees = "".join(await _drain(ana))
        luis_sees = "".join(await _drain(luis))
        await luis.send_json_to({"action": "replying"})
        ana_sees_typing = "".join(await _drain(ana))
        await luis.disconnect()
        ana_after = "".join(await _drain(ana))
        await ana.disconnect()
        return ana_sees + "|" + ana_sees_typing, luis_sees, ana_after

    ana_sees, luis_sees, ana_after = async_to_sync(run)()
    assert "Luis Agent is viewing" in ana_sees and "Luis Agent is replying" in ana_sees
    assert "Ana Agent is viewing" in luis_sees
    assert 'id="presence"' in ana_after and "Luis Agent" not in ana_after


def test_customers_take_no_part_in_presence(agent, team, customer) -> None:
    ticket = make_ticket(requester=customer[1], team=team)

    async def run() -> str:
        carla, ana = communicator(customer[0], ticket.pk), communicator(agent, ticket.pk)
        await carla.connect()
        await ana.connect()
        seen = "".join(await _drain(carla)) + "".join(await _drain(ana))
        await carla.disconnect()
        await ana.disconnect()
        return seen

    assert "is viewing" not in async_to_sync(run)()


def test_subscriber_pushes_through_a_shared_layer_and_skips_the_in_memory_one(agent, team) -> None:
    ticket = make_ticket(team=team)
    event = OutboxEvent.objects.filter(subject_id=str(ticket.pk), type="ticket.message_added").get()
    shared = mock.MagicMock()
    shared.group_send = mock.AsyncMock()
    with mock.patch.object(live, "get_channel_layer", return_value=shared):
        live.push_to_group(event)
    shared.group_send.assert_awaited_once()
    group, message = shared.group_send.await_args.args
    assert group == live.group_name(ticket.pk) and message["event_id"] == str(event.pk)
    assert set(message) == {"type", "event_id", "event_type", "ticket_id", "actor_id", "payload", "fields"}
    memory = InMemoryChannelLayer()
    with (
        mock.patch.object(live, "get_channel_layer", return_value=memory),
        mock.patch.object(memory, "group_send", new=mock.AsyncMock()) as sent,
    ):
        live.push_to_group(event)
    sent.assert_not_awaited()


def test_relay_reads_each_new_event_of_watched_tickets_once(agent, team) -> None:
    watched, other = make_ticket(team=team), make_ticket(team=team)
    relay = live.OutboxRelay()

    async def run() -> tuple[list[str], list[str]]:
        relay.since[watched.pk] = clock.now()
        relay.watchers[watched.pk] = 1
        await _add(watched, agent, "one", False)
        await _add(other, agent, "elsewhere", False)
        first = [e.subject_id for e in await relay.poll()]
        second = [e.subject_id for e in await relay.poll()]
        return first, second

    first, second = async_to_sync(run)()
    assert first == [str(watched.pk)] and second == []
