"""Publishable outputs: tables with Swedish and English labels."""
