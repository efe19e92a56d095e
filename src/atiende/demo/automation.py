"""Demo automation: a few triggers and time-based rules, macros and canned responses (es/en).

Rules stay few and cheap: the demo sends every one of its tickets' events through them.
"""

from __future__ import annotations

from typing import Any

from atiende.automation import services


def setup(loader: Any) -> None:
    admin = loader.users.get("laura.mendez")
    supervisor = loader.users.get("daniel.ortega") or admin
    billing = loader.teams.get("billing")
    services.create_rule(
        actor=admin,
        name="Urgente: avisar a supervisión",
        events=["ticket.created", "ticket.updated"],
        condition={
            "all": [
                {"field": "ticket.priority", "op": "is", "value": "urgent"},
                {"field": "ticket.assignee", "op": "is_empty"},
            ]
        },
        actions=[
            {
                "type": "notify",
                "to": "supervisors",
                "title": "Ticket urgente sin asignar: #{{ ticket.number }}",
                "body": "{{ ticket.subject }} — {{ requester.name }}",
            }
        ],
        stop_processing=False,
    )
    facturas: list[dict[str, Any]] = [{"type": "add_tags", "tags": ["facturacion"]}]
    if billing is not None:
        facturas.append({"type": "set_team", "team": billing.pk})
    services.create_rule(
        actor=admin,
        name="Mensajes sobre facturas a Facturación",
        events=["message.customer"],
        condition={
            "all": [
                {"field": "ticket.team", "op": "is_empty"},
                {
                    "any": [
                        {"field": "message.body", "op": "contains", "value": "factura"},
                        {"field": "message.body", "op": "contains", "value": "invoice"},
                    ]
                },
            ]
        },
        actions=facturas,
    )
    services.create_rule(
        actor=admin,
        kind="time",
        name="Pendiente 3 días hábiles: recordatorio interno",
        condition={
            "all": [
                {"field": "ticket.status", "op": "is", "value": "pending"},
                {"field": "ticket.status_changed_at", "op": "older_than_business_hours", "value": 24},
            ]
        },
        actions=[
            {"type": "add_note", "body": "Sin respuesta del cliente desde hace 3 días hábiles: enviar recordatorio."},
            {"type": "add_tags", "tags": ["recordatorio"]},
        ],
    )
    services.create_rule(
        actor=admin,
        kind="time",
        name="Pendiente 7 días: resolver",
        condition={
            "all": [
                {"field": "ticket.status", "op": "is", "value": "pending"},
                {"field": "ticket.status_changed_at", "op": "older_than", "value": 168},
            ]
        },
        actions=[{"type": "set_status", "status": "solved"}],
        is_active=False,
    )
    services.create_macro(
        actor=supervisor,
        name="Pedir más información",
        actions=[{"type": "set_status", "status": "pending"}, {"type": "add_tags", "tags": ["info-pedida"]}],
        reply=(
            'Hola {{ requester.first_name | default:"" }},\n\n'
            "Para avanzar con tu solicitud #{{ ticket.number }} necesitamos algún dato más: "
            "¿puedes enviarnos una captura de pantalla y los pasos para reproducirlo?\n\n"
            "Un saludo,\n{{ agent.first_name }}"
        ),
    )
    services.create_macro(
        actor=supervisor,
        name="Escalar a nivel 2",
        actions=[{"type": "set_tier", "tier": 2}, {"type": "add_tags", "tags": ["escalado"]}],
        reply="Escalado a nivel 2: revisar registros y reproducir el fallo.",
        reply_internal=True,
    )
    canned = [
        ("Saludo", "Hola {{ requester.first_name }}, gracias por escribirnos.", "es"),
        ("Greeting", "Hi {{ requester.first_name }}, thanks for reaching out.", "en"),
        (
            "Restablecer contraseña",
            "Puedes restablecer tu contraseña desde «¿Olvidaste tu contraseña?» en la pantalla de acceso.",
            "es",
        ),
        ("Password reset", "You can reset your password with “Forgot your password?” on the sign-in page.", "en"),
    ]
    for title, body, language in canned:
        services.save_canned(actor=supervisor, title=title, body=body, language=language, shared=True)
