"""Demo data: a deterministic, bilingual help desk loaded through the real services.

``DEMO_LOGINS`` lists the users you can sign in as after ``atiende demo``;
:func:`atiende.demo.loader.load_demo` does the loading (see its module docs).
"""

from atiende.demo.data import DEMO_LOGINS

__all__ = ["DEMO_LOGINS"]
