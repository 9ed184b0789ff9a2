"""The marginal likelihood: the compiled kernel (value and gradient in one pass), its
pytensor ``Op`` and the reference pytensor graph of the same density.
"""
