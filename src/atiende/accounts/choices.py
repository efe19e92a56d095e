from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")
    LIGHT_AGENT = "light_agent", _("Light agent")
    CUSTOMER = "customer", _("Customer")


AGENT_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.LIGHT_AGENT})
# Roles that see every ticket regardless of team.
ALL_TICKETS_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
MANAGER_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")
