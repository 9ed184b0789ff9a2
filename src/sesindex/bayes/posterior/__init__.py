"""The posterior's products: each draw's latent status and true rates, the tables per
area and year, and aggregation to larger areas.
"""
