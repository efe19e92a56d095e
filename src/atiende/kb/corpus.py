"""The shipped demo knowledge base and its labelled query set (Spanish and English).

The articles document a plausible SaaS product (the demo desk's "Atiende Demo" service:
accounts and 2FA, users and seats, invoices, refunds and plans, API and integrations).
``QUERIES`` are questions as customers type them — informal, with typos of accent and
case, never copied from a title — each labelled with the slug of the article that answers
it. The demo loader (``atiende.demo.kb``) and the ``kb_search`` benchmark (MRR@5 and
recall@5) both read this module.
"""

from __future__ import annotations

from typing import TypedDict


class Topic(TypedDict):
    category: str  # KB category key (see CATEGORIES)
    es: tuple[str, str, str, str]  # slug, title, keywords, body (HTML)
    en: tuple[str, str, str, str]


# key, parent key, Spanish name, English name, service-catalog category key
CATEGORIES: list[tuple[str, str | None, str, str, str | None]] = [
    ("cuenta", None, "Cuenta y acceso", "Account and access", "access"),
    ("contrasena-2fa", "cuenta", "Contraseña y verificación en dos pasos", "Password and two-step verification",
     "access.password"),
    ("usuarios", "cuenta", "Usuarios y permisos", "Users and permissions", "access.users"),
    ("facturacion", None, "Facturación", "Billing", "billing"),
    ("facturas", "facturacion", "Facturas y pagos", "Invoices and payments", "billing.invoices"),
    ("reembolsos", "facturacion", "Reembolsos", "Refunds", "billing.refunds"),
    ("planes", "facturacion", "Planes y suscripción", "Plans and subscription", "billing.plan"),
    ("tecnico", None, "Ayuda técnica", "Technical help", "technical"),
    ("integraciones", "tecnico", "API e integraciones", "API and integrations", "technical.integrations"),
    ("rendimiento", "tecnico", "Rendimiento y errores", "Performance and errors", "technical.performance"),
    ("general", None, "Preguntas generales", "General questions", "general"),
]  # fmt: skip

TOPICS: list[Topic] = [
    {
        "category": "contrasena-2fa",
        "es": (
            "restablecer-contrasena",
            "Cómo restablecer la contraseña",
            "olvidé la contraseña, no puedo entrar, clave, recuperar acceso",
            "<p>Si ha olvidado su contraseña, abra la página de acceso y pulse <b>¿Olvidó su contraseña?</b>. "
            "Escriba el correo de su cuenta y le enviaremos un enlace válido durante 15 minutos.</p>"
            "<ol><li>Abra el enlace desde el mismo navegador.</li><li>Elija una contraseña nueva de al menos "
            "12 caracteres.</li><li>Inicie sesión con la contraseña nueva.</li></ol>"
            "<p>Si el correo no llega, revise la carpeta de spam o pida al administrador de su empresa que "
            "compruebe su dirección.</p>",
        ),
        "en": (
            "reset-password",
            "How to reset your password",
            "forgot password, can't log in, recover access, sign in problem",
            "<p>If you forgot your password, open the sign-in page and click <b>Forgot your password?</b>. "
            "Enter your account email and we will send you a link that is valid for 15 minutes.</p>"
            "<ol><li>Open the link in the same browser.</li><li>Choose a new password of at least 12 "
            "characters.</li><li>Sign in with the new password.</li></ol>"
            "<p>If the email does not arrive, check your spam folder or ask your company administrator to "
            "check your address.</p>",
        ),
    },
    {
        "category": "contrasena-2fa",
        "es": (
            "activar-verificacion-dos-pasos",
            "Activar la verificación en dos pasos (2FA)",
            "2fa, doble factor, autenticador, código de seguridad, seguridad de la cuenta",
            "<p>La verificación en dos pasos protege su cuenta con un código de seis dígitos además de la "
            "contraseña. Vaya a <b>Preferencias → Seguridad</b>, pulse <b>Activar 2FA</b> y escanee el código QR "
            "con una aplicación autenticadora (Google Authenticator, Microsoft Authenticator o similar).</p>"
            "<p>Guarde los códigos de recuperación en un lugar seguro: los necesitará si cambia de móvil.</p>",
        ),
        "en": (
            "enable-two-factor-authentication",
            "Turn on two-step verification (2FA)",
            "2fa, two factor, authenticator app, security code, mfa",
            "<p>Two-step verification protects your account with a six-digit code on top of your password. "
            "Go to <b>Preferences → Security</b>, click <b>Enable 2FA</b> and scan the QR code with an "
            "authenticator app (Google Authenticator, Microsoft Authenticator or similar).</p>"
            "<p>Keep the recovery codes somewhere safe: you will need them if you change phones.</p>",
        ),
    },
    {
        "category": "contrasena-2fa",
        "es": (
            "perdi-el-movil-2fa",
            "He perdido el móvil con el autenticador",
            "móvil robado, teléfono nuevo, códigos de recuperación, desactivar 2fa",
            "<p>Si ya no tiene el teléfono con la aplicación autenticadora, inicie sesión con uno de sus "
            "<b>códigos de recuperación</b> en lugar del código de seis dígitos. Después desactive y vuelva a "
            "activar la verificación en dos pasos con el teléfono nuevo.</p>"
            "<p>Si tampoco tiene los códigos, el administrador de su empresa puede restablecer la 2FA de su "
            "usuario desde <b>Usuarios</b>. Por seguridad, el equipo de soporte necesita verificar su identidad.</p>",
        ),
        "en": (
            "lost-authenticator-phone",
            "I lost the phone with my authenticator app",
            "stolen phone, new phone, recovery codes, disable 2fa, reset mfa",
            "<p>If you no longer have the phone with your authenticator app, sign in with one of your "
            "<b>recovery codes</b> instead of the six-digit code. Then turn two-step verification off and on "
            "again with the new phone.</p>"
            "<p>If you do not have the codes either, your company administrator can reset 2FA for your user "
            "under <b>Users</b>. For security, the support team must verify your identity.</p>",
        ),
    },
    {
        "category": "cuenta",
        "es": (
            "cuenta-bloqueada",
            "Mi cuenta está bloqueada tras varios intentos",
            "bloqueo, demasiados intentos, acceso denegado, cuenta suspendida",
            "<p>Después de 5 intentos fallidos de acceso la cuenta se bloquea durante 15 minutos para proteger "
            "sus datos. Espere ese tiempo y vuelva a intentarlo, o restablezca la contraseña desde la página de "
            "acceso.</p><p>Si su cuenta aparece como <b>desactivada</b>, solo el administrador de su empresa "
            "puede reactivarla.</p>",
        ),
        "en": (
            "account-locked",
            "My account is locked after several attempts",
            "locked out, too many attempts, access denied, account disabled",
            "<p>After 5 failed sign-in attempts the account is locked for 15 minutes to protect your data. "
            "Wait and try again, or reset your password from the sign-in page.</p>"
            "<p>If your account shows as <b>deactivated</b>, only your company administrator can reactivate "
            "it.</p>",
        ),
    },
    {
        "category": "usuarios",
        "es": (
            "invitar-usuarios",
            "Invitar a compañeros a su cuenta",
            "añadir usuario, nuevo usuario, invitación, alta de empleado, licencias",
            "<p>Los administradores pueden invitar a nuevos usuarios desde <b>Usuarios → Invitar</b>. Escriba "
            "uno o varios correos y elija el rol. Cada persona recibe una invitación válida durante 7 días.</p>"
            "<p>Cada usuario activo ocupa una licencia de su plan. Si no quedan licencias libres, amplíe el plan "
            "o desactive usuarios que ya no trabajan con ustedes.</p>",
        ),
        "en": (
            "invite-users",
            "Invite teammates to your account",
            "add user, new user, invitation, onboard employee, seats, licenses",
            "<p>Administrators can invite new users from <b>Users → Invite</b>. Enter one or more emails and "
            "pick the role. Each person receives an invitation that is valid for 7 days.</p>"
            "<p>Every active user takes one seat of your plan. If no seats are left, upgrade the plan or "
            "deactivate users who no longer work with you.</p>",
        ),
    },
    {
        "category": "usuarios",
        "es": (
            "roles-y-permisos",
            "Roles y permisos de los usuarios",
            "administrador, permisos, rol, quitar acceso, dar de baja usuario",
            "<p>Hay tres roles: <b>Administrador</b> (gestiona usuarios, facturación y ajustes), <b>Editor</b> "
            "(trabaja con todos los datos) y <b>Lector</b> (solo consulta). Para cambiar el rol de alguien, "
            "abra <b>Usuarios</b>, elija la persona y seleccione el rol nuevo.</p>"
            "<p>Para quitar el acceso a alguien que deja la empresa, pulse <b>Desactivar</b>: su historial se "
            "conserva y la licencia queda libre.</p>",
        ),
        "en": (
            "roles-and-permissions",
            "User roles and permissions",
            "admin, permissions, role, remove access, offboard user",
            "<p>There are three roles: <b>Administrator</b> (manages users, billing and settings), <b>Editor</b> "
            "(works with all data) and <b>Viewer</b> (read only). To change someone's role, open <b>Users</b>, "
            "pick the person and select the new role.</p>"
            "<p>To remove access for someone who leaves the company, click <b>Deactivate</b>: their history is "
            "kept and the seat becomes free.</p>",
        ),
    },
    {
        "category": "facturas",
        "es": (
            "descargar-facturas",
            "Descargar las facturas",
            "factura pdf, recibo, comprobante, justificante de pago, historial de pagos",
            "<p>Todas sus facturas están en <b>Facturación → Historial</b>. Pulse <b>Descargar PDF</b> junto a "
            "cada una. Las facturas se emiten el día 1 de cada mes y también se envían al correo de facturación "
            "de la cuenta.</p><p>Solo los administradores ven la sección de facturación.</p>",
        ),
        "en": (
            "download-invoices",
            "Download your invoices",
            "invoice pdf, receipt, proof of payment, billing history",
            "<p>All your invoices are under <b>Billing → History</b>. Click <b>Download PDF</b> next to each "
            "one. Invoices are issued on the 1st of every month and are also emailed to the account's billing "
            "address.</p><p>Only administrators can see the billing section.</p>",
        ),
    },
    {
        "category": "facturas",
        "es": (
            "datos-fiscales",
            "Cambiar los datos fiscales de las facturas",
            "nif, cif, razón social, dirección de facturación, rectificar factura",
            "<p>Para que las próximas facturas salgan con otro nombre, NIF/CIF o dirección, edite "
            "<b>Facturación → Datos fiscales</b>. Los cambios se aplican a las facturas nuevas.</p>"
            "<p>Si necesita corregir una factura ya emitida, abra una solicitud indicando el número de factura: "
            "emitiremos una factura rectificativa.</p>",
        ),
        "en": (
            "update-billing-details",
            "Change the billing details on your invoices",
            "vat number, tax id, company name, billing address, correct invoice",
            "<p>To have future invoices show a different company name, VAT/tax ID or address, edit "
            "<b>Billing → Billing details</b>. Changes apply to new invoices.</p>"
            "<p>If you need to correct an invoice that was already issued, open a request with the invoice "
            "number: we will issue a corrected invoice.</p>",
        ),
    },
    {
        "category": "facturas",
        "es": (
            "metodos-de-pago",
            "Métodos de pago y cambio de tarjeta",
            "tarjeta caducada, actualizar tarjeta, pago rechazado, transferencia, domiciliación",
            "<p>Aceptamos tarjeta de crédito o débito y, en planes anuales, transferencia bancaria. Para "
            "cambiar la tarjeta vaya a <b>Facturación → Método de pago</b>.</p>"
            "<p>Si un pago es rechazado, lo reintentamos durante 7 días y le avisamos por correo. Actualice la "
            "tarjeta para evitar la suspensión del servicio.</p>",
        ),
        "en": (
            "payment-methods",
            "Payment methods and changing your card",
            "expired card, update card, payment declined, bank transfer, direct debit",
            "<p>We accept credit and debit cards and, on yearly plans, bank transfer. To change your card go to "
            "<b>Billing → Payment method</b>.</p>"
            "<p>If a payment is declined, we retry for 7 days and let you know by email. Update the card to "
            "avoid the service being suspended.</p>",
        ),
    },
    {
        "category": "reembolsos",
        "es": (
            "solicitar-reembolso",
            "Solicitar un reembolso",
            "devolución, devolver el dinero, reembolsar, garantía",
            "<p>Puede pedir el reembolso de un pago en los 30 días siguientes al cobro. Abra una solicitud en "
            "la categoría <b>Reembolsos</b> con el número de pedido y el importe.</p>"
            "<p>Una vez aprobado, el dinero vuelve al mismo método de pago en 5 a 10 días hábiles.</p>",
        ),
        "en": (
            "request-refund",
            "Request a refund",
            "money back, reimbursement, return payment, guarantee",
            "<p>You can ask for a refund of a payment within 30 days of the charge. Open a request in the "
            "<b>Refunds</b> category with the order number and the amount.</p>"
            "<p>Once approved, the money goes back to the same payment method within 5 to 10 business days.</p>",
        ),
    },
    {
        "category": "reembolsos",
        "es": (
            "cobro-duplicado",
            "Me han cobrado dos veces",
            "doble cobro, cargo duplicado, pago repetido, cobro incorrecto",
            "<p>A veces el banco muestra una <b>retención temporal</b> además del cobro real; desaparece sola en "
            "unos 3 días. Compruebe en <b>Facturación → Historial</b> si hay dos facturas pagadas.</p>"
            "<p>Si hay dos cobros confirmados, abra una solicitud de reembolso con ambos justificantes y "
            "devolveremos el duplicado.</p>",
        ),
        "en": (
            "charged-twice",
            "I was charged twice",
            "double charge, duplicate payment, charged two times, wrong charge",
            "<p>Sometimes your bank shows a <b>temporary hold</b> next to the real charge; it disappears by "
            "itself in about 3 days. Check <b>Billing → History</b> for two paid invoices.</p>"
            "<p>If there are two confirmed charges, open a refund request with both receipts and we will give "
            "back the duplicate.</p>",
        ),
    },
    {
        "category": "planes",
        "es": (
            "cambiar-de-plan",
            "Cambiar de plan o ampliar licencias",
            "mejorar plan, pasar a plan anual, bajar de plan, más usuarios, precio",
            "<p>Los administradores pueden cambiar de plan en <b>Facturación → Plan</b>. Al subir de plan o "
            "añadir licencias, se cobra la parte proporcional del periodo actual.</p>"
            "<p>Al bajar de plan, el cambio se aplica al final del periodo ya pagado.</p>",
        ),
        "en": (
            "change-plan",
            "Change your plan or add seats",
            "upgrade, downgrade, yearly plan, annual billing, more users, pricing",
            "<p>Administrators can change the plan under <b>Billing → Plan</b>. When you upgrade or add seats "
            "you pay the prorated part of the current period.</p>"
            "<p>When you downgrade, the change takes effect at the end of the period you already paid.</p>",
        ),
    },
    {
        "category": "planes",
        "es": (
            "cancelar-suscripcion",
            "Cancelar la suscripción",
            "darse de baja, anular suscripción, cerrar cuenta, dejar de pagar",
            "<p>Para cancelar, un administrador debe ir a <b>Facturación → Plan → Cancelar suscripción</b>. El "
            "servicio sigue activo hasta el final del periodo pagado y no se harán más cobros.</p>"
            "<p>Puede exportar sus datos antes de que termine el periodo. Pasados 60 días, los datos se "
            "eliminan definitivamente.</p>",
        ),
        "en": (
            "cancel-subscription",
            "Cancel your subscription",
            "unsubscribe, stop paying, close account, end contract",
            "<p>To cancel, an administrator goes to <b>Billing → Plan → Cancel subscription</b>. The service "
            "stays active until the end of the paid period and there are no further charges.</p>"
            "<p>You can export your data before the period ends. After 60 days the data is deleted for good.</p>",
        ),
    },
    {
        "category": "integraciones",
        "es": (
            "crear-token-api",
            "Crear un token para la API",
            "api key, clave de api, integración, autenticación, token de acceso, desarrolladores",
            "<p>Vaya a <b>Preferencias → API</b> y pulse <b>Crear token</b>. Elija si el token puede solo leer "
            "o también escribir, y una fecha de caducidad. El token se muestra una única vez: cópielo y "
            "guárdelo en un lugar seguro.</p>"
            "<p>Envíelo en la cabecera <code>Authorization: Token …</code>. Si se filtra, revóquelo y cree otro.</p>",
        ),
        "en": (
            "create-api-token",
            "Create an API token",
            "api key, integration, authentication, access token, developers",
            "<p>Go to <b>Preferences → API</b> and click <b>Create token</b>. Choose whether the token may only "
            "read or also write, and an expiry date. The token is shown only once: copy it and keep it "
            "somewhere safe.</p>"
            "<p>Send it in the <code>Authorization: Token …</code> header. If it leaks, revoke it and create "
            "another.</p>",
        ),
    },
    {
        "category": "integraciones",
        "es": (
            "configurar-webhooks",
            "Configurar webhooks",
            "notificaciones a otra aplicación, eventos, url de destino, firma, integrar",
            "<p>Los webhooks avisan a otra aplicación cuando algo cambia. En <b>Ajustes → Webhooks</b> añada la "
            "URL de destino y elija los eventos.</p>"
            "<p>Cada envío va firmado con HMAC-SHA256 en la cabecera <code>X-Signature</code>; compruebe la "
            "firma con su secreto. Si su servidor falla, reintentamos durante 24 horas.</p>",
        ),
        "en": (
            "configure-webhooks",
            "Set up webhooks",
            "notify another app, events, endpoint url, signature, integrate",
            "<p>Webhooks tell another application when something changes. Under <b>Settings → Webhooks</b> add "
            "the endpoint URL and choose the events.</p>"
            "<p>Every delivery is signed with HMAC-SHA256 in the <code>X-Signature</code> header; verify it with "
            "your secret. If your server fails, we retry for 24 hours.</p>",
        ),
    },
    {
        "category": "rendimiento",
        "es": (
            "aplicacion-lenta",
            "La aplicación va lenta o no carga",
            "lentitud, tarda mucho, no carga, pantalla en blanco, error 500, caída",
            "<p>Primero consulte la <b>página de estado</b> por si hay una incidencia general. Después pruebe "
            "a recargar sin caché (Ctrl+F5), en una ventana privada o con otro navegador; las extensiones "
            "bloqueadoras de anuncios a veces impiden la carga.</p>"
            "<p>Si sigue lento, abra una solicitud indicando la hora, la página y una captura de la consola "
            "del navegador.</p>",
        ),
        "en": (
            "app-slow",
            "The app is slow or does not load",
            "slowness, takes forever, not loading, blank page, error 500, outage, down",
            "<p>First check the <b>status page</b> for a general incident. Then try reloading without cache "
            "(Ctrl+F5), in a private window or another browser; ad-blocking extensions sometimes stop the page "
            "from loading.</p>"
            "<p>If it is still slow, open a request with the time, the page and a screenshot of the browser "
            "console.</p>",
        ),
    },
    {
        "category": "rendimiento",
        "es": (
            "exportar-datos",
            "Exportar sus datos a CSV o Excel",
            "exportar, descargar datos, copia de seguridad, excel, hoja de cálculo",
            "<p>En cualquier listado pulse <b>Exportar</b> y elija CSV o Excel. Las exportaciones de más de "
            "10.000 filas se preparan en segundo plano y le enviamos el enlace por correo.</p>"
            "<p>Para una copia completa de la cuenta, un administrador puede pedirla en <b>Ajustes → Datos</b>.</p>",
        ),
        "en": (
            "export-data",
            "Export your data to CSV or Excel",
            "export, download data, backup, excel, spreadsheet",
            "<p>On any list click <b>Export</b> and choose CSV or Excel. Exports over 10,000 rows are prepared "
            "in the background and we email you the link.</p>"
            "<p>For a full copy of the account, an administrator can request it under <b>Settings → Data</b>.</p>",
        ),
    },
    {
        "category": "general",
        "es": (
            "horario-de-soporte",
            "Horario y canales de atención",
            "horario, teléfono, chat, contacto, cuándo responden, atención al cliente",
            "<p>Atendemos de lunes a viernes de 8:00 a 20:00 (hora de Madrid) por chat y correo. Los clientes "
            "del plan Empresa tienen además soporte telefónico 24/7 para incidencias críticas.</p>"
            "<p>Respondemos a la mayoría de las solicitudes en menos de 4 horas laborables.</p>",
        ),
        "en": (
            "support-hours",
            "Support hours and channels",
            "opening hours, phone, chat, contact, response time, customer service",
            "<p>We answer Monday to Friday from 8:00 to 20:00 (Madrid time) by chat and email. Customers on the "
            "Enterprise plan also get 24/7 phone support for critical incidents.</p>"
            "<p>We answer most requests within 4 business hours.</p>",
        ),
    },
]

# Internal procedures (agents only), pinned in their category; Spanish and English.
SOPS: list[tuple[str, str, str, str, str]] = [
    ("reembolsos", "es", "sop-aprobar-reembolsos", "Procedimiento: aprobar un reembolso",
     "<p>Compruebe que el cobro tiene menos de 30 días. Hasta 200 € aprueba el agente; por encima, el "
     "supervisor. Registre el número de pedido y el importe en los campos del ticket.</p>"),
    ("contrasena-2fa", "es", "sop-restablecer-2fa", "Procedimiento: restablecer la 2FA de un cliente",
     "<p>Nunca restablezca la 2FA sin verificar la identidad: pida al administrador de la empresa que lo "
     "confirme por escrito desde su correo registrado.</p>"),
    ("reembolsos", "en", "sop-approve-refunds", "Procedure: approving a refund",
     "<p>Check the charge is less than 30 days old. Agents approve up to €200; above that, a supervisor. "
     "Record the order number and amount in the ticket fields.</p>"),
]  # fmt: skip

# (language, what a customer types, slug of the article that answers it)
QUERIES: list[tuple[str, str, str]] = [
    ("es", "no me acuerdo de mi contraseña", "restablecer-contrasena"),
    ("es", "como recupero el acceso a mi cuenta si olvide la clave", "restablecer-contrasena"),
    ("es", "no me llega el correo para cambiar la contraseña", "restablecer-contrasena"),
    ("es", "quiero poner doble factor en mi cuenta", "activar-verificacion-dos-pasos"),
    ("es", "como activo el autenticador", "activar-verificacion-dos-pasos"),
    ("es", "me robaron el telefono y no puedo entrar por el codigo", "perdi-el-movil-2fa"),
    ("es", "cambié de móvil y ya no tengo los códigos 2fa", "perdi-el-movil-2fa"),
    ("es", "dice que mi cuenta esta bloqueada", "cuenta-bloqueada"),
    ("es", "como doy de alta a un compañero nuevo", "invitar-usuarios"),
    ("es", "no puedo añadir mas usuarios no quedan licencias", "invitar-usuarios"),
    ("es", "quitar acceso a un empleado que se ha ido", "roles-y-permisos"),
    ("es", "que puede hacer un lector", "roles-y-permisos"),
    ("es", "donde descargo la factura en pdf", "descargar-facturas"),
    ("es", "necesito un justificante de pago del mes pasado", "descargar-facturas"),
    ("es", "la factura sale con el cif equivocado", "datos-fiscales"),
    ("es", "mi tarjeta ha caducado como la cambio", "metodos-de-pago"),
    ("es", "el pago fue rechazado", "metodos-de-pago"),
    ("es", "quiero que me devuelvan el dinero", "solicitar-reembolso"),
    ("es", "me cobraron doble este mes", "cobro-duplicado"),
    ("es", "pasar al plan anual", "cambiar-de-plan"),
    ("es", "quiero darme de baja del servicio", "cancelar-suscripcion"),
    ("es", "donde saco una api key", "crear-token-api"),
    ("es", "recibir avisos en mi servidor cuando cambia algo", "configurar-webhooks"),
    ("es", "la pagina se queda en blanco y no carga", "aplicacion-lenta"),
    ("es", "como paso mis datos a excel", "exportar-datos"),
    ("es", "a que hora atienden por telefono", "horario-de-soporte"),
    ("en", "i forgot my password", "reset-password"),
    ("en", "cant log in reset link never arrived", "reset-password"),
    ("en", "how do i turn on 2fa", "enable-two-factor-authentication"),
    ("en", "set up an authenticator app for my login", "enable-two-factor-authentication"),
    ("en", "got a new phone and lost my 2fa codes", "lost-authenticator-phone"),
    ("en", "locked out after too many attempts", "account-locked"),
    ("en", "add a new employee to our account", "invite-users"),
    ("en", "remove someone who left the company", "roles-and-permissions"),
    ("en", "make a colleague an admin", "roles-and-permissions"),
    ("en", "where can i get a receipt for my payment", "download-invoices"),
    ("en", "wrong company name on invoice", "update-billing-details"),
    ("en", "update my credit card", "payment-methods"),
    ("en", "how do i get my money back", "request-refund"),
    ("en", "there are two charges on my statement", "charged-twice"),
    ("en", "upgrade to more seats", "change-plan"),
    ("en", "how to cancel my subscription", "cancel-subscription"),
    ("en", "generate api key", "create-api-token"),
    ("en", "send events to my endpoint", "configure-webhooks"),
    ("en", "site is really slow today", "app-slow"),
    ("en", "download all our data as a spreadsheet", "export-data"),
    ("en", "what are your opening hours", "support-hours"),
    ("en", "is there phone support", "support-hours"),
]


def load(*, owner: object, ticket_categories: dict[str, object] | None = None) -> dict[tuple[str, str], object]:
    """Create the categories and publish every article through the services.

    Returns the articles by ``(language, slug)``. ``owner`` is the agent who owns them.
    """
    from atiende.kb import services
    from atiende.kb.choices import Visibility

    ticket_categories = ticket_categories or {}
    cats: dict[str, object] = {}
    for position, (key, parent, name, name_en, ticket_key) in enumerate(CATEGORIES):
        cats[key] = services.create_category(
            actor=None, slug=key, name=name, name_en=name_en, parent=cats.get(parent) if parent else None,  # type: ignore[arg-type]
            ticket_category=ticket_categories.get(ticket_key) if ticket_key else None,  # type: ignore[arg-type]
            position=position,
        )  # fmt: skip
    out: dict[tuple[str, str], object] = {}
    for topic in TOPICS:
        first = None
        for language in ("es", "en"):
            slug, title, keywords, body = topic[language]  # type: ignore[literal-required]
            article = services.create_article(
                actor=None, category=cats[topic["category"]], title=title, body_html=body, language=language,  # type: ignore[arg-type]
                slug=slug, keywords=keywords, owner=owner, translation_of=first,  # type: ignore[arg-type]
            )  # fmt: skip
            first = first or article
            out[(language, slug)] = services.publish(actor=None, article=article)
    for cat_key, language, slug, title, body in SOPS:
        article = services.create_article(
            actor=None, category=cats[cat_key], title=title, body_html=body, language=language, slug=slug,  # type: ignore[arg-type]
            visibility=Visibility.AGENTS, owner=owner, pinned=True,  # type: ignore[arg-type]
        )  # fmt: skip
        out[(language, slug)] = services.publish(actor=None, article=article)
    return out
