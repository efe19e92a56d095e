"""Suite-wide fixtures. The environment is set up by atiende.core.testing.pytest_plugin."""
