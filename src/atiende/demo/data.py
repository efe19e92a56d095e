"""The bilingual vocabulary of the demo desk: people, companies, catalog and conversations.

Plain data, no Django: the loader (``loader.py``) draws from these lists with a seeded
``random.Random`` so every load is the same. Every address uses the reserved ``.example``
top-level domain (RFC 2606) and every phone number is made up, so the demo can never
mail or message a real person.
"""

from __future__ import annotations

from typing import Any

COMPANY = "Atiende Demo"
COMPANY_DOMAIN = "atiende-demo.example"

# --- logins printed by ``atiende demo`` / ``atiende run`` ------------------------------------
# (email, password, role). Only these users get a usable password: hashing one costs
# ~0.3 s (PBKDF2), so the other agents and portal users are created without one.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    (f"laura.mendez@{COMPANY_DOMAIN}", "soporte-admin-42", "admin"),
    (f"daniel.ortega@{COMPANY_DOMAIN}", "soporte-super-42", "supervisor"),
    (f"sofia.romero@{COMPANY_DOMAIN}", "soporte-agente-42", "agent"),
    (f"tomas.reyes@{COMPANY_DOMAIN}", "soporte-ligero-42", "light_agent"),
    ("valeria.campos@andina-logistica.example", "cliente-portal-42", "customer"),
]

# --- teams and agents ---------------------------------------------------------------------
# key, name, description
TEAMS: list[tuple[str, str, str]] = [
    (
        "support",
        "Soporte / Support",
        "Primera línea: dudas, accesos y cuentas. — First line: questions, access and accounts.",
    ),
    (
        "billing",
        "Facturación / Billing",
        "Facturas, cobros, reembolsos y planes. — Invoices, charges, refunds and plans.",
    ),
    ("technical", "Técnico / Technical", "Errores, integraciones y rendimiento. — Bugs, integrations and performance."),
]

# first, last, email local part, role, team keys, language, time zone
AGENTS: list[tuple[str, str, str, str, list[str], str, str]] = [
    ("Laura", "Méndez", "laura.mendez", "admin", ["support"], "es", "Europe/Madrid"),
    ("Daniel", "Ortega", "daniel.ortega", "supervisor", ["support", "billing", "technical"], "es", "Europe/Madrid"),
    ("Sofía", "Romero", "sofia.romero", "agent", ["support"], "es", "Europe/Madrid"),
    ("James", "Carter", "james.carter", "agent", ["support"], "en", "America/New_York"),
    ("Carmen", "Vidal", "carmen.vidal", "agent", ["support"], "es", "America/Mexico_City"),
    ("Olivia", "Bennett", "olivia.bennett", "agent", ["support", "billing"], "en", "Europe/London"),
    ("Javier", "Molina", "javier.molina", "agent", ["billing"], "es", "Europe/Madrid"),
    ("Paula", "Herrera", "paula.herrera", "agent", ["billing"], "es", "America/Bogota"),
    ("Ethan", "Walsh", "ethan.walsh", "agent", ["technical"], "en", "America/Chicago"),
    ("Andrés", "Castillo", "andres.castillo", "agent", ["technical"], "es", "America/Bogota"),
    ("Marta", "Iglesias", "marta.iglesias", "agent", ["technical"], "es", "Europe/Madrid"),
    ("Tomás", "Reyes", "tomas.reyes", "light_agent", ["technical"], "es", "Europe/Madrid"),
]

# --- customer organizations --------------------------------------------------------------------
# name, email domain, language, time zone, members see the organization's tickets, size weight
ORGANIZATIONS: list[tuple[str, str, str, str, bool, int]] = [
    ("Andina Logística", "andina-logistica.example", "es", "America/Bogota", True, 14),
    ("Ferretería El Clavo", "ferreteria-elclavo.example", "es", "Europe/Madrid", False, 4),
    ("Clínica Dental Sonrisas", "sonrisas-dental.example", "es", "Europe/Madrid", False, 5),
    ("Transportes Rápidos del Norte", "trn-transportes.example", "es", "America/Mexico_City", True, 10),
    ("Café La Montaña", "cafelamontana.example", "es", "America/Bogota", False, 4),
    ("Inmobiliaria Costa Azul", "costa-azul-inmo.example", "es", "Europe/Madrid", False, 6),
    ("Librerías Cervantes", "libreriascervantes.example", "es", "Europe/Madrid", False, 7),
    ("Grupo Textil Alhambra", "textil-alhambra.example", "es", "Europe/Madrid", True, 9),
    ("Hotel Mirador del Valle", "miradordelvalle.example", "es", "America/Santiago", False, 5),
    ("Seguros Patria", "segurospatria.example", "es", "America/Mexico_City", True, 12),
    ("Academia de Idiomas Babel", "academiababel.example", "es", "Europe/Madrid", False, 4),
    ("Panadería San Isidro", "panaderia-sanisidro.example", "es", "Europe/Madrid", False, 3),
    ("Agro Pampa", "agropampa.example", "es", "America/Argentina/Buenos_Aires", False, 6),
    ("Viajes Horizonte", "viajeshorizonte.example", "es", "America/Lima", False, 6),
    ("Farmacias del Sur", "farmaciasdelsur.example", "es", "America/Santiago", True, 9),
    ("Constructora Cimientos", "cimientos.example", "es", "America/Bogota", False, 5),
    ("Ríos & Asociados Abogados", "riosasociados.example", "es", "America/Argentina/Buenos_Aires", False, 4),
    ("Bodegas Tierra Roja", "tierraroja.example", "es", "Europe/Madrid", False, 4),
    ("Muebles Roble", "mueblesroble.example", "es", "America/Mexico_City", False, 5),
    ("Energía Solar Levante", "solarlevante.example", "es", "Europe/Madrid", False, 6),
    ("Taller Hermanos Ruiz", "tallerruiz.example", "es", "Europe/Madrid", False, 3),
    ("Ayuntamiento de Villanueva", "villanueva.example", "es", "Europe/Madrid", True, 8),
    ("Universidad del Pacífico Sur", "ups-universidad.example", "es", "America/Lima", False, 10),
    ("Distribuidora Maya", "distmaya.example", "es", "America/Mexico_City", False, 6),
    ("Northwind Traders", "northwind.example", "en", "America/New_York", True, 12),
    ("Bluebird Bakery", "bluebirdbakery.example", "en", "Europe/London", False, 3),
    ("Harborline Shipping", "harborline.example", "en", "America/Los_Angeles", False, 7),
    ("Maple Leaf Dental", "mapleleafdental.example", "en", "America/Toronto", False, 4),
    ("Greenfield Analytics", "greenfield-analytics.example", "en", "Europe/London", True, 8),
    ("Summit Outdoor Gear", "summitgear.example", "en", "America/Denver", False, 6),
    ("Kingsbridge Legal", "kingsbridgelegal.example", "en", "Europe/London", False, 4),
    ("Brightside Health Clinic", "brightside.example", "en", "America/Chicago", False, 6),
    ("Oakridge School District", "oakridge-schools.example", "en", "America/New_York", True, 9),
    ("Pinecrest Property Management", "pinecrest-pm.example", "en", "America/Phoenix", False, 5),
    ("Redwood Software Labs", "redwoodlabs.example", "en", "America/Los_Angeles", False, 7),
    ("Thistle & Rose Hotels", "thistlerose.example", "en", "Europe/London", False, 5),
    ("Coastal Credit Union", "coastalcu.example", "en", "America/New_York", False, 8),
    ("Emerald Isle Tours", "emeraldisletours.example", "en", "Europe/Dublin", False, 4),
    ("Kangaroo Freight Co", "kangaroofreight.example", "en", "Australia/Sydney", False, 5),
    ("Lighthouse Media", "lighthousemedia.example", "en", "America/New_York", False, 5),
]

# People writing from personal mailboxes belong to no organization.
FREE_MAIL_DOMAINS: dict[str, list[str]] = {
    "es": ["correo.example", "buzon.example", "mimail.example"],
    "en": ["mail.example", "inbox.example"],
}
# Made-up mobile prefixes per time zone region (no real subscriber is reachable).
PHONE_PREFIXES: dict[str, str] = {
    "Europe/Madrid": "+34 655 0",
    "America/Mexico_City": "+52 55 5010 ",
    "America/Bogota": "+57 300 555 ",
    "America/Santiago": "+56 9 5550 ",
    "America/Argentina/Buenos_Aires": "+54 9 11 5550 ",
    "America/Lima": "+51 955 500 ",
    "Europe/London": "+44 7700 900",
    "Europe/Dublin": "+353 85 555 ",
    "Australia/Sydney": "+61 491 570 ",
    "default": "+1 202 555 0",
}

# fmt: off
FIRST_NAMES: dict[str, list[str]] = {
    "es": [
        "Valeria", "Mateo", "Lucía", "Santiago", "Camila", "Sebastián", "Isabel", "Diego", "Elena", "Alejandro",
        "Martina", "Nicolás", "Gabriela", "Pablo", "Daniela", "Miguel", "Ana", "Fernando", "Rocío", "Jorge",
        "Natalia", "Ricardo", "Claudia", "Raúl", "Beatriz", "Álvaro", "Verónica", "Héctor", "Pilar", "Emilio",
        "Mariana", "Gonzalo", "Inés", "Rodrigo", "Carolina", "Luis", "Adriana", "Ignacio", "Silvia", "Manuel",
    ],
    "en": [
        "Emma", "Liam", "Olivia", "Noah", "Ava", "William", "Sophia", "Benjamin", "Isabella", "Lucas",
        "Mia", "Henry", "Charlotte", "Alexander", "Amelia", "Jack", "Harper", "Daniel", "Evelyn", "Michael",
        "Grace", "Samuel", "Chloe", "David", "Ella", "Joseph", "Zoe", "Ryan", "Hannah", "Owen",
    ],
}
LAST_NAMES: dict[str, list[str]] = {
    "es": [
        "García", "Rodríguez", "Martínez", "López", "González", "Pérez", "Sánchez", "Ramírez", "Torres", "Flores",
        "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz",
        "Álvarez", "Jiménez", "Moreno", "Navarro", "Domínguez", "Vargas", "Castro", "Suárez", "Campos", "Delgado",
        "Fuentes", "Medina", "Aguilar", "Rojas", "Paredes", "Salazar", "Cabrera", "Peña", "Soto", "Vega",
    ],
    "en": [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
        "Thomas", "Moore", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker",
        "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill",
    ],
}

# fmt: on

# --- service catalog and custom fields -----------------------------------------------------------
# key, label, type, options, agent_only, applies_to_all
CUSTOM_FIELDS: list[tuple[str, str, str, list[str], bool, bool]] = [
    (
        "product",
        "Producto / Product",
        "select",
        ["Atiende Cloud", "Atiende Server", "App móvil / Mobile app", "API"],
        False,
        True,
    ),
    ("order_number", "Nº de pedido / Order number", "text", [], False, False),
    ("refund_amount", "Importe (EUR) / Amount (EUR)", "number", [], False, False),
    ("invoice_date", "Fecha de factura / Invoice date", "date", [], False, False),
    ("plan", "Plan", "select", ["Básico / Basic", "Profesional / Professional", "Empresa / Enterprise"], False, False),
    ("contract_renewal", "Renovación del contrato / Contract renewal", "date", [], True, False),
    ("seats", "Licencias / Seats", "number", [], False, False),
    (
        "affected_modules",
        "Módulos afectados / Affected modules",
        "multiselect",
        ["Tickets", "Email", "Chat", "WhatsApp", "Informes / Reports", "API"],
        False,
        False,
    ),
    ("users_affected", "Usuarios afectados / Users affected", "number", [], False, False),
    ("reproducible", "Reproducible", "checkbox", [], True, False),
    ("issue_key", "Incidencia interna / Internal issue", "text", [], True, False),
    (
        "root_cause",
        "Causa raíz / Root cause",
        "select",
        [
            "Configuración / Configuration",
            "Defecto / Bug",
            "Error de usuario / User error",
            "Proveedor externo / Third party",
        ],
        True,
        False,
    ),
]

# key, parent key, name, team key, form [(field key, required)]
CATEGORIES: list[tuple[str, str | None, str, str, list[tuple[str, bool]]]] = [
    ("access", None, "Cuenta y acceso / Account & access", "support", []),
    ("access.password", "access", "Contraseña y 2FA / Password & 2FA", "support", []),
    ("access.users", "access", "Usuarios y permisos / Users & permissions", "support", [("seats", False)]),
    ("billing", None, "Facturación / Billing", "billing", [("order_number", False)]),
    ("billing.invoices", "billing", "Facturas / Invoices", "billing", [("invoice_date", False)]),
    (
        "billing.refunds",
        "billing",
        "Reembolsos / Refunds",
        "billing",
        [("order_number", True), ("refund_amount", True)],
    ),
    (
        "billing.plan",
        "billing",
        "Cambio de plan / Plan change",
        "billing",
        [("plan", True), ("contract_renewal", False)],
    ),
    (
        "technical",
        None,
        "Problemas técnicos / Technical issues",
        "technical",
        [("affected_modules", False), ("root_cause", False)],
    ),
    ("technical.bugs", "technical", "Errores / Bugs", "technical", [("reproducible", False), ("issue_key", False)]),
    ("technical.integrations", "technical", "Integraciones y API / Integrations & API", "technical", []),
    ("technical.performance", "technical", "Rendimiento / Performance", "technical", [("users_affected", True)]),
    ("general", None, "Consultas generales / General questions", "support", []),
    ("general.feedback", "general", "Sugerencias / Feature requests", "support", []),
]

# Where new tickets land (weights); the top-level "general" takes how-to questions.
CATEGORY_WEIGHTS: dict[str, int] = {
    "access.password": 13,
    "access.users": 8,
    "billing.invoices": 12,
    "billing.refunds": 6,
    "billing.plan": 5,
    "technical.bugs": 14,
    "technical.integrations": 9,
    "technical.performance": 6,
    "general": 18,
    "general.feedback": 9,
}

# --- what people write -------------------------------------------------------------------------
# Each case pairs a subject with the message it goes with. Placeholders: {order} {invoice}
# {amount} {module} {error} {browser} {count} {plan} {date} {integration} {month} {report}.
# "replies" (optional) replaces the generic agent replies for that kind of request.
TOPICS: dict[str, dict[str, Any]] = {
    "access.password": {
        "tags": ["acceso", "contrasena", "2fa", "login"],
        "es": [
            (
                "No puedo iniciar sesión",
                "Desde esta mañana no puedo entrar en la plataforma. Me aparece «{error}» aunque estoy seguro de "
                "que la contraseña es correcta. Uso {browser}.",
            ),
            (
                "No me llega el correo para restablecer la contraseña",
                "He pedido restablecer la contraseña tres veces y no recibo ningún correo. Ya he revisado la "
                "carpeta de spam. ¿Podéis ayudarme?",
            ),
            (
                "Problema con la autenticación en dos pasos",
                "Cambié de móvil y ahora no puedo generar el código de la autenticación en dos pasos. Necesito "
                "entrar hoy porque tengo varios tickets pendientes.",
            ),
            (
                "Cuenta bloqueada tras varios intentos",
                "Mi cuenta aparece como bloqueada. Creo que un compañero intentó entrar con mi usuario. "
                "¿Podéis desbloquearla?",
            ),
            (
                "He olvidado mi contraseña",
                "No recuerdo la contraseña y el enlace de «¿Olvidaste tu contraseña?» me dice que el enlace ha "
                "caducado nada más abrirlo.",
            ),
        ],
        "en": [
            (
                "Can't log in",
                "Since this morning I can't sign in. I get \"{error}\" even though I'm sure my password is right. "
                "I'm using {browser}.",
            ),
            (
                "Password reset email not received",
                "I've requested a password reset three times and no email arrives. I already checked the spam "
                "folder. Can you help?",
            ),
            (
                "Two-factor authentication problem",
                "I switched phones and now I can't generate my two-factor code. I need access today to work "
                "through several pending tickets.",
            ),
            (
                "Account locked after failed attempts",
                "My account shows as locked. I think a colleague tried to log in with my username. Could you "
                "unlock it?",
            ),
            (
                "Forgot my password",
                'I don\'t remember my password and the "Forgot your password?" link says it has expired as soon '
                "as I open it.",
            ),
        ],
    },
    "access.users": {
        "tags": ["usuarios", "permisos", "licencias"],
        "es": [
            (
                "Dar de alta a un nuevo compañero",
                "Se ha incorporado una persona nueva al equipo y necesitamos darle acceso como agente. ¿Tenemos "
                "licencias libres o hay que ampliar el contrato?",
            ),
            (
                "Cambiar los permisos de un usuario",
                "Una compañera ha cambiado de departamento y ya no debería ver los tickets de facturación. "
                "¿Cómo le quitamos ese permiso?",
            ),
            (
                "Dar de baja a un empleado",
                "Un empleado ha dejado la empresa. Por favor, desactivad su usuario y reasignad sus tickets abiertos.",
            ),
            (
                "Necesitamos {count} usuarios más",
                "Necesitamos {count} usuarios más para la campaña de verano. ¿Cuál sería el coste?",
            ),
            (
                "Un agente no ve los tickets de su equipo",
                "Hemos añadido a un agente al equipo de soporte pero sigue sin ver los tickets del equipo. "
                "¿Falta algún paso?",
            ),
        ],
        "en": [
            (
                "Add a new team member",
                "A new person joined our team and needs agent access. Do we have free seats or do we need to "
                "extend the contract?",
            ),
            (
                "Change a user's permissions",
                "A colleague moved to another department and should no longer see billing tickets. How do we "
                "remove that permission?",
            ),
            (
                "Remove a former employee",
                "An employee has left the company. Please deactivate their user and reassign their open tickets.",
            ),
            ("We need {count} more users", "We need {count} more users for the summer campaign. What would it cost?"),
            (
                "An agent can't see their team's tickets",
                "We added an agent to the support team but they still can't see the team's tickets. Are we "
                "missing a step?",
            ),
        ],
    },
    "billing.invoices": {
        "tags": ["factura", "cobro"],
        "es": [
            (
                "Factura de {month} incorrecta",
                "La factura {invoice} de {month} tiene un importe de {amount} €, pero según nuestro plan "
                "deberían ser bastante menos. ¿Podéis revisarla?",
            ),
            (
                "Cargo duplicado en la tarjeta",
                "Nos han cobrado dos veces el mismo mes en la tarjeta. Adjunto el extracto del banco. Pedido {order}.",
            ),
            (
                "Cambiar los datos fiscales",
                "Hemos cambiado de razón social y necesitamos que las próximas facturas salgan con los nuevos "
                "datos fiscales. ¿Dónde los actualizo?",
            ),
            (
                "No encuentro la factura {invoice}",
                "No encuentro la factura {invoice} en el área de cliente y la necesito para cerrar el trimestre.",
            ),
            (
                "Necesito la factura con nuestro CIF",
                "La factura de {month} ha salido sin nuestro CIF y nuestra gestoría no la acepta así. "
                "¿Podéis emitirla de nuevo?",
            ),
        ],
        "en": [
            (
                "Wrong invoice for {month}",
                "Invoice {invoice} for {month} shows {amount} EUR, but according to our plan it should be quite a "
                "bit less. Could you check it?",
            ),
            (
                "Duplicate charge on my card",
                "We were charged twice for the same month. I've attached the bank statement. Order {order}.",
            ),
            (
                "Update our billing details",
                "Our company name changed and upcoming invoices need the new billing details. Where do I update them?",
            ),
            (
                "Can't find invoice {invoice}",
                "I can't find invoice {invoice} in the customer area and I need it to close the quarter.",
            ),
            (
                "Invoice needs our VAT number",
                "The {month} invoice came out without our VAT number and our accountant won't accept it. Could you "
                "reissue it?",
            ),
        ],
        "replies": {
            "es": {
                "first": [
                    "Gracias por avisarnos. Estoy revisando la facturación de tu cuenta y te confirmo en cuanto "
                    "lo tenga claro. ¿Me confirmas el correo de facturación que usáis?",
                ],
                "solve": [
                    "Ya está: hemos emitido la factura corregida y la tienes en el área de cliente, "
                    "sección Facturación.",
                    "Hemos revisado el cobro y procede el abono; lo verás en tu cuenta en 3-5 días hábiles.",
                ],
            },
            "en": {
                "first": [
                    "Thanks for letting us know. I'm checking your account's billing and will confirm shortly. "
                    "Could you confirm the billing email you use?",
                ],
                "solve": [
                    "Done: we've issued the corrected invoice and it's in the customer area under Billing.",
                    "We've checked the charge and a refund is on its way; you'll see it in 3-5 business days.",
                ],
            },
        },
    },
    "billing.refunds": {
        "tags": ["reembolso", "cobro"],
        "es": [
            (
                "Solicitud de reembolso del pedido {order}",
                "Cancelamos la suscripción el día {date} pero nos han cobrado {amount} € igualmente. "
                "Solicitamos el reembolso del pedido {order}.",
            ),
            (
                "Reembolso pendiente",
                "Hace dos semanas nos confirmasteis el reembolso de {amount} € y todavía no lo vemos en la cuenta.",
            ),
            (
                "Devolución por contratar el plan equivocado",
                "Contratamos por error el plan anual en lugar del mensual. ¿Podéis devolvernos la diferencia?",
            ),
            (
                "Me cobraron después de cancelar",
                "Di de baja la cuenta el {date} y este mes ha vuelto a llegar un cargo de {amount} €.",
            ),
        ],
        "en": [
            (
                "Refund request for order {order}",
                "We cancelled our subscription on {date} but were still charged {amount} EUR. Please refund order "
                "{order}.",
            ),
            (
                "Refund still pending",
                "Two weeks ago you confirmed a refund of {amount} EUR and we still don't see it on our account.",
            ),
            (
                "Refund for the wrong plan",
                "We bought the yearly plan by mistake instead of the monthly one. Can you refund the difference?",
            ),
            (
                "Charged after I cancelled",
                "I closed the account on {date} and this month another charge of {amount} EUR came through.",
            ),
        ],
        "replies": {
            "es": {
                "solve": ["Hemos tramitado el reembolso de {amount} €; lo verás en tu cuenta en 3-5 días hábiles."],
            },
            "en": {
                "solve": [
                    "We've processed the {amount} EUR refund; you'll see it on your account in 3-5 business days."
                ],
            },
        },
    },
    "billing.plan": {
        "tags": ["plan", "upgrade"],
        "es": [
            (
                "Queremos pasar al plan {plan}",
                "Estamos creciendo y nos interesa el plan {plan}. ¿Se puede cambiar a mitad de mes? "
                "¿Cómo se prorratea?",
            ),
            (
                "Bajar de plan al terminar el contrato",
                "Al terminar el contrato queremos bajar al plan básico. ¿Perderemos el historial de tickets?",
            ),
            (
                "¿Qué incluye el plan {plan}?",
                "¿Qué incluye exactamente el plan {plan}? Nos interesan sobre todo los informes y WhatsApp.",
            ),
            (
                "Ampliar el plan para más agentes",
                "Vamos a pasar de 5 a {count} agentes. ¿Nos conviene cambiar de plan?",
            ),
        ],
        "en": [
            (
                "We want to move to the {plan} plan",
                "We're growing and interested in the {plan} plan. Can we switch mid-month? How is it prorated?",
            ),
            (
                "Downgrade when our contract ends",
                "When our contract ends we want to move to the basic plan. Will we lose our ticket history?",
            ),
            (
                "What does the {plan} plan include?",
                "What exactly does the {plan} plan include? We mostly care about reports and WhatsApp.",
            ),
            ("Upgrade our plan for more agents", "We're going from 5 to {count} agents. Should we change plans?"),
        ],
        "replies": {
            "es": {
                "first": ["¡Gracias por tu interés! Te preparo una propuesta con el prorrateo y te la envío hoy."],
                "solve": ["Listo: el cambio de plan está aplicado y el prorrateo aparecerá en la próxima factura."],
            },
            "en": {
                "first": ["Thanks for your interest! I'll put together a quote with the proration and send it today."],
                "solve": ["Done: the plan change is live and the proration will show on your next invoice."],
            },
        },
    },
    "technical.bugs": {
        "tags": ["error", "bug"],
        "es": [
            (
                "Error {error} al guardar un ticket",
                "Al guardar un ticket aparece «{error}» y se pierden los cambios. Nos pasa a varios agentes desde "
                "ayer, con {browser}.",
            ),
            (
                "Los adjuntos no se descargan",
                "Los adjuntos de los clientes aparecen en el ticket pero al descargarlos sale un archivo vacío.",
            ),
            (
                "Error al exportar el informe de {report}",
                "Cuando exportamos el informe de {report} a CSV, las tildes salen mal (Ã¡, Ã©…). "
                "¿Es un problema de codificación?",
            ),
            (
                "Se duplican los mensajes en {module}",
                "En {module} cada mensaje del cliente aparece dos veces. Adjunto una captura de pantalla.",
            ),
            (
                "La bandeja no se actualiza",
                "La bandeja de entrada no muestra los tickets nuevos hasta que recargamos la página a mano.",
            ),
        ],
        "en": [
            (
                "Error {error} when saving a ticket",
                'When saving a ticket we get "{error}" and lose our changes. Several agents have seen it since '
                "yesterday, on {browser}.",
            ),
            (
                "Attachments won't download",
                "Customer attachments show up on the ticket but downloading them gives an empty file.",
            ),
            (
                "Error exporting the {report} report",
                "When we export the {report} report to CSV, accented characters come out broken. Is it an "
                "encoding problem?",
            ),
            (
                "Messages duplicated in {module}",
                "In {module} every customer message shows up twice. Screenshot attached.",
            ),
            ("Inbox doesn't refresh", "The inbox doesn't show new tickets until we reload the page by hand."),
        ],
    },
    "technical.integrations": {
        "tags": ["api", "integracion", "webhook"],
        "es": [
            (
                "La integración con {integration} dejó de funcionar",
                "Desde el día {date} la integración con {integration} no sincroniza. En los registros vemos «{error}».",
            ),
            (
                "El webhook devuelve 401",
                "Nuestro webhook recibe un 401 en cada evento. Hemos regenerado el token y sigue igual.",
            ),
            (
                "Límite de peticiones de la API",
                "Estamos importando tickets históricos por la API y recibimos 429 a los pocos minutos. "
                "¿Cuál es el límite?",
            ),
            (
                "¿Cómo creo tickets desde nuestra web?",
                "Queremos crear tickets desde el formulario de contacto de nuestra web. ¿Hay algún ejemplo?",
            ),
            (
                "Error al conectar el buzón de correo",
                "Al conectar nuestro buzón por IMAP sale «{error}». El usuario y la contraseña son correctos.",
            ),
        ],
        "en": [
            (
                "{integration} integration stopped working",
                'Since {date} the {integration} integration doesn\'t sync. Our logs show "{error}".',
            ),
            (
                "Webhook returns 401",
                "Our webhook gets a 401 on every event. We regenerated the token and nothing changed.",
            ),
            (
                "API rate limit",
                "We're importing historical tickets through the API and get 429 after a few minutes. What is "
                "the limit?",
            ),
            (
                "How do I create tickets from our website?",
                "We'd like to create tickets from our website's contact form. Is there an example?",
            ),
            (
                "Can't connect our mailbox",
                'Connecting our mailbox over IMAP fails with "{error}". The username and password are right.',
            ),
        ],
    },
    "technical.performance": {
        "tags": ["rendimiento", "lentitud"],
        "es": [
            (
                "La plataforma va muy lenta",
                "Desde el lunes todo tarda muchísimo en cargar. Somos {count} agentes trabajando a la vez.",
            ),
            (
                "Tarda mucho en cargar la vista de tickets",
                "La vista de tickets tarda más de diez segundos en abrir, sobre todo la de «Sin asignar».",
            ),
            (
                "Los informes no terminan de cargar",
                "El informe mensual se queda cargando y al final da error. Antes tardaba unos segundos.",
            ),
            ("Lentitud en horas punta", "Entre las 10 y las 12 todo va lentísimo, sobre todo {module}."),
        ],
        "en": [
            (
                "The platform is very slow",
                "Since Monday everything takes ages to load. There are {count} of us working at the same time.",
            ),
            (
                "Ticket view takes ages to load",
                'The ticket view takes over ten seconds to open, especially "Unassigned".',
            ),
            (
                "Reports never finish loading",
                "The monthly report keeps loading and then fails. It used to take a few seconds.",
            ),
            ("Slow during peak hours", "Between 10 and 12 everything is very slow, especially {module}."),
        ],
    },
    "general": {
        "tags": ["consulta", "como-se-hace"],
        "es": [
            (
                "¿Cómo configuro las respuestas automáticas?",
                "Queremos que los clientes reciban una respuesta automática fuera de horario. ¿Dónde se configura?",
            ),
            (
                "¿Cómo añado una firma a los correos?",
                "¿Es posible que cada agente tenga su propia firma en los correos? No encuentro la opción.",
            ),
            (
                "Consulta sobre el widget de chat",
                "Nos gustaría poner el chat en nuestra web. ¿Hace falta instalar algo o basta con copiar un código?",
            ),
            (
                "¿Dónde veo las estadísticas del equipo?",
                "¿Dónde puedo ver cuántos tickets ha resuelto cada agente este mes?",
            ),
            (
                "¿Se pueden fusionar tickets?",
                "A veces un cliente nos escribe dos veces por lo mismo. ¿Se pueden unir los dos tickets en uno?",
            ),
            (
                "Duda sobre los horarios de atención",
                "¿Se puede configurar un horario distinto para el chat y para el correo?",
            ),
        ],
        "en": [
            (
                "How do I set up auto-replies?",
                "We'd like customers to get an automatic reply outside business hours. Where is that set up?",
            ),
            (
                "How do I add an email signature?",
                "Can each agent have their own email signature? I can't find the option.",
            ),
            (
                "Question about the chat widget",
                "We'd like to add the chat to our website. Do we need to install anything or just paste a snippet?",
            ),
            ("Where can I see team statistics?", "Where can I see how many tickets each agent solved this month?"),
            (
                "Can tickets be merged?",
                "Sometimes a customer writes twice about the same thing. Can we merge the two tickets?",
            ),
            ("Question about business hours", "Can chat and email have different business hours?"),
        ],
        "replies": {
            "es": {
                "first": [
                    "¡Buena pregunta! Te explico: está en Ajustes. ¿Me dices qué plan tenéis para "
                    "indicarte los pasos exactos?"
                ],
                "solve": [
                    "Te dejo los pasos: Ajustes → Canales → Correo → Respuestas automáticas. "
                    "Con eso queda configurado.",
                    "Lo tienes en Informes → Equipo; puedes filtrar por agente y por mes.",
                ],
            },
            "en": {
                "first": [
                    "Good question! It's under Settings. Which plan are you on, so I can give you the exact steps?"
                ],
                "solve": [
                    "Here are the steps: Settings → Channels → Email → Auto-replies. That sets it up.",
                    "It's under Reports → Team; you can filter by agent and by month.",
                ],
            },
        },
    },
    "general.feedback": {
        "tags": ["sugerencia", "feature-request"],
        "es": [
            ("Sugerencia: modo oscuro", "Muchos agentes trabajan de noche. ¿Tenéis previsto un modo oscuro?"),
            (
                "Estaría bien poder programar respuestas",
                "Sería muy útil poder programar una respuesta para que salga a una hora concreta.",
            ),
            (
                "Propuesta: plantillas por equipo",
                "Nos encantaría tener plantillas de respuesta separadas por equipo. Ahora todos vemos todas.",
            ),
            ("Nos falta un informe de {report}", "Echamos en falta un informe de {report} por semana. ¿Está previsto?"),
            ("Sugerencia para la app móvil", "En la app móvil no se pueden ver los adjuntos. ¿Lo vais a añadir?"),
        ],
        "en": [
            ("Suggestion: dark mode", "Many of our agents work nights. Is a dark mode planned?"),
            (
                "It would be great to schedule replies",
                "It would be really useful to schedule a reply to go out at a specific time.",
            ),
            ("Idea: per-team templates", "We'd love reply templates per team. Right now everyone sees all of them."),
            ("We're missing a {report} report", "We miss a weekly {report} report. Is it on the roadmap?"),
            ("Suggestion for the mobile app", "Attachments can't be opened in the mobile app. Will you add that?"),
        ],
        "replies": {
            "es": {
                "first": [
                    "¡Gracias por la sugerencia! La he trasladado al equipo de producto. "
                    "¿Nos cuentas un poco más cómo lo usaríais?"
                ],
                "followup": ["Gracias por el detalle, lo he añadido a la petición."],
                "solve": [
                    "He registrado la sugerencia en nuestra hoja de ruta; te avisaremos cuando esté "
                    "disponible. ¡Gracias!"
                ],
            },
            "en": {
                "first": [
                    "Thanks for the suggestion! I've passed it on to the product team. Could you tell us "
                    "a bit more about how you'd use it?"
                ],
                "followup": ["Thanks for the details, I've added them to the request."],
                "solve": ["I've logged the idea on our roadmap; we'll let you know when it ships. Thanks!"],
            },
        },
    },
}

FILL: dict[str, list[str]] = {
    "error": [
        "Error 500",
        "Sesión caducada / Session expired",
        "ERR_CONNECTION_RESET",
        "403 Forbidden",
        "Unexpected token",
        "Timeout",
    ],
    "browser": ["Chrome", "Firefox", "Safari", "Edge"],
    "module": ["WhatsApp", "Chat", "Email", "Informes / Reports"],
    "integration": ["Shopify", "Salesforce", "Jira", "Slack", "HubSpot", "Zapier"],
    "report": ["SLA", "CSAT", "productividad / productivity", "volumen / volume"],
    "plan": ["Profesional / Professional", "Empresa / Enterprise"],
}
# fmt: off
MONTHS: dict[str, list[str]] = {
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}

# fmt: on

GREETING: dict[str, list[str]] = {
    "es": ["Hola,", "Buenos días,", "Buenas tardes,", "Hola equipo,", "Estimados:"],
    "en": ["Hi,", "Hello,", "Good morning,", "Hi team,", "Hello there,"],
}
SIGN_OFF: dict[str, list[str]] = {
    "es": ["Gracias.", "Un saludo.", "Muchas gracias de antemano.", "Quedo atento.", "Saludos cordiales."],
    "en": ["Thanks.", "Best regards.", "Thanks in advance.", "Cheers.", "Kind regards."],
}

AGENT_REPLY: dict[str, dict[str, list[str]]] = {
    "es": {
        "first": [
            "Gracias por escribirnos. Ya estoy revisando tu caso. ¿Podrías indicarme desde cuándo ocurre y "
            "enviarme una captura de pantalla?",
            "Gracias por el aviso. Lo he reproducido en nuestro entorno de pruebas y lo estamos analizando. "
            "Te escribo en cuanto tenga novedades.",
            "Te confirmo que hemos recibido tu solicitud. Para avanzar necesito el correo del usuario afectado.",
            "He revisado tu cuenta y veo el problema. ¿Puedes probar de nuevo ahora y confirmarme si funciona?",
        ],
        "followup": [
            "Gracias por la información. Con esos datos ya lo tenemos localizado; hemos aplicado un cambio, "
            "¿puedes comprobarlo?",
            "Lo hemos consultado con el equipo técnico y estamos preparando una solución. Te mantengo informado.",
            "Perfecto, gracias. Sigo con ello y te escribo hoy mismo.",
        ],
        "solve": [
            "Ya está solucionado. Si vuelve a ocurrir, responde a este mensaje y lo retomamos.",
            "Hemos aplicado la corrección y lo hemos verificado. Damos el caso por resuelto.",
            "Listo: los cambios ya están aplicados en tu cuenta. ¡Gracias por tu paciencia!",
            "Te dejo aquí los pasos: Ajustes → Canales → Correo. Con eso queda resuelto.",
        ],
        "stale": [
            "Como no hemos tenido respuesta, damos el caso por resuelto. Si necesitas algo más, responde "
            "a este mensaje.",
        ],
        "incident": [
            "Estamos al tanto de la incidencia y el equipo técnico ya está trabajando en ello. "
            "Te avisaremos en cuanto esté resuelta.",
        ],
        "incident_solved": [
            "La incidencia ya está resuelta y el servicio funciona con normalidad. Disculpa las molestias.",
        ],
        "thanks": ["¡De nada! Cerramos el caso. Que tengas un buen día."],
    },
    "en": {
        "first": [
            "Thanks for reaching out. I'm looking into it now. Could you tell me when this started and "
            "send a screenshot?",
            "Thanks for letting us know. I've reproduced it on our test environment and we're analysing it. "
            "I'll write as soon as I have news.",
            "We've received your request. To move forward I need the email of the affected user.",
            "I checked your account and I can see the problem. Could you try again now and confirm it works?",
        ],
        "followup": [
            "Thanks for the details. That helped us pin it down; we've applied a change, could you check it?",
            "We've escalated this to our technical team and are preparing a fix. I'll keep you posted.",
            "Great, thanks. I'm still on it and will get back to you today.",
        ],
        "solve": [
            "This is fixed now. If it happens again, just reply to this message and we'll pick it up.",
            "We've applied and verified the fix, so I'm marking this as solved.",
            "Done: the changes are live on your account. Thanks for your patience!",
            "Here are the steps: Settings → Channels → Email. That should take care of it.",
        ],
        "stale": [
            "Since we haven't heard back, we're marking this as solved. If you still need help, just reply.",
        ],
        "incident": [
            "We're aware of the incident and our technical team is working on it. We'll let you know as soon "
            "as it's resolved.",
        ],
        "incident_solved": [
            "The incident is resolved and the service is back to normal. Sorry for the trouble.",
        ],
        "thanks": ["You're welcome! Closing this one. Have a great day."],
    },
}

CUSTOMER_REPLY: dict[str, dict[str, list[str]]] = {
    "es": {
        "info": [
            "Os adjunto la captura. Empezó ayer por la tarde.",
            "El usuario afectado es el de administración. Gracias.",
            "Ocurre en todos los navegadores que hemos probado.",
            "Lo he vuelto a probar y sigue pasando.",
        ],
        "still": ["Sigue sin funcionar, ¿alguna novedad?", "¿Hay noticias? Es bastante urgente para nosotros."],
        "thanks": ["¡Genial, ya funciona! Muchas gracias.", "Confirmado, todo bien. Gracias por la rapidez."],
        "again": [
            "Hola de nuevo: el problema ha vuelto a aparecer esta semana.",
            "Vuelvo a escribir porque nos está pasando otra vez lo mismo.",
        ],
        "duplicate": ["Perdón, os escribo otra vez por si no os llegó mi mensaje anterior."],
    },
    "en": {
        "info": [
            "Screenshot attached. It started yesterday afternoon.",
            "The affected user is our admin account. Thanks.",
            "It happens in every browser we tried.",
            "I tried again and it still happens.",
        ],
        "still": ["Still not working, any news?", "Any update? This is quite urgent for us."],
        "thanks": ["Great, it works now! Thank you.", "Confirmed, all good. Thanks for the quick help."],
        "again": [
            "Hello again: the problem came back this week.",
            "Writing again because the same thing is happening again.",
        ],
        "duplicate": ["Sorry, writing again in case my previous message didn't reach you."],
    },
}

# Internal notes are written by agents for agents, in the agent's language.
NOTES: dict[str, list[str]] = {
    "es": [
        "Revisado el registro: el error coincide con el despliegue del martes.",
        "Cliente importante, darle prioridad.",
        "He pedido al equipo técnico que lo revise; parece un problema de caché.",
        "Comprobado en facturación: el cobro duplicado es real, procede el abono.",
        "Es la tercera vez que lo reporta este cliente. Abrimos incidencia interna.",
        "Llamé al cliente y le expliqué los pasos; queda pendiente de que lo pruebe.",
        "No reproducible en staging. Pido más datos.",
    ],
    "en": [
        "Checked the logs: the error matches Tuesday's deploy.",
        "Key account, please prioritise.",
        "Asked the technical team to take a look; looks like a caching issue.",
        "Confirmed with billing: the double charge is real, refund approved.",
        "Third time this customer reports it. Opening an internal issue.",
        "Called the customer and walked them through it; waiting for them to try.",
        "Can't reproduce on staging. Asking for more details.",
    ],
}
ESCALATION_NOTE: dict[str, str] = {
    "es": "Escalo a {team}: necesita revisión especializada.",
    "en": "Escalating to {team}: needs a specialist.",
}
ON_HOLD_NOTE: dict[str, str] = {
    "es": "En espera: pendiente de respuesta del proveedor externo.",
    "en": "On hold: waiting for the third-party provider.",
}
PHONE_BODY: dict[str, str] = {
    "es": "Llamada del cliente. {summary}",
    "en": "Phone call from the customer. {summary}",
}

# Outages: an agent opens the parent ticket, customers' tickets become its children.
INCIDENTS: list[dict[str, Any]] = [
    {
        "tags": ["incidencia", "email"],
        "module": "Email",
        "parent": {
            "es": "Incidencia: retrasos en el envío de correos",
            "en": "Incident: outgoing email delayed",
        },
        "parent_body": {
            "es": "Varios clientes reportan que los correos salientes tardan más de una hora. Investigando la cola SMTP.",
            "en": "Several customers report outgoing email taking over an hour. Investigating the SMTP queue.",
        },
        "children": {
            "es": ["No salen los correos desde esta mañana", "Los clientes no reciben nuestras respuestas"],
            "en": ["Our emails aren't going out", "Customers aren't receiving our replies"],
        },
    },
    {
        "tags": ["incidencia", "chat"],
        "module": "Chat",
        "parent": {
            "es": "Incidencia: el widget de chat no carga",
            "en": "Incident: chat widget not loading",
        },
        "parent_body": {
            "es": "El widget de chat devuelve un error 502 en algunas regiones. CDN afectado.",
            "en": "The chat widget returns 502 in some regions. CDN affected.",
        },
        "children": {
            "es": ["El chat de nuestra web ha desaparecido", "No podemos atender chats"],
            "en": ["Chat widget disappeared from our site", "We can't take any chats"],
        },
    },
    {
        "tags": ["incidencia", "whatsapp"],
        "module": "WhatsApp",
        "parent": {
            "es": "Incidencia: no entran mensajes de WhatsApp",
            "en": "Incident: WhatsApp messages not arriving",
        },
        "parent_body": {
            "es": "El proveedor de WhatsApp tiene una degradación; los mensajes entrantes llegan con retraso.",
            "en": "The WhatsApp provider is degraded; inbound messages arrive late.",
        },
        "children": {
            "es": ["No nos llegan los WhatsApp de los clientes", "WhatsApp sin mensajes nuevos desde hace horas"],
            "en": ["Customer WhatsApp messages aren't coming in", "No new WhatsApp messages for hours"],
        },
    },
]

# --- when things happen --------------------------------------------------------------------------
# Relative weights of ticket creation per weekday (Monday first) and per UTC hour: customers
# in Europe and the Americas, so the day peaks in the European morning and again in the
# American afternoon.
WEEKDAY_WEIGHTS: list[float] = [1.3, 1.2, 1.1, 1.05, 0.9, 0.35, 0.3]
# fmt: off
HOUR_WEIGHTS: list[float] = [
    1.5, 1.0, 0.7, 0.5, 0.5, 0.7, 1.5, 3.5, 6.0, 8.0, 8.5, 8.5,
    7.5, 7.0, 8.0, 8.5, 8.0, 7.5, 6.5, 5.0, 4.0, 3.0, 2.5, 2.0,
]

# fmt: on

CHANNEL_WEIGHTS: dict[str, int] = {
    "email": 40,
    "portal": 18,
    "chat": 14,
    "whatsapp": 11,
    "phone": 8,
    "api": 5,
    "sms": 2,
    "web": 2,
}
PRIORITY_WEIGHTS: dict[int, int] = {1: 15, 2: 56, 3: 21, 4: 8}
