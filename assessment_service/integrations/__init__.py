"""Integrations with other systems: question interchange formats."""
