"""Knowledge base pages: agent workspace (``/kb/``), public help center (``/help/``), panels."""
