"""Sampling: compiling a model form once, the samplers (a closed registry), where chains
start, and the trace in one form whichever PyMC/ArviZ generation made it.
"""
