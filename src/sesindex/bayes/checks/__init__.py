"""Checks of a fit: convergence diagnostics and the fit gate."""
