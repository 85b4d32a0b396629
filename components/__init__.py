"""Orbit: Pulumi components that provision a cluster and install the data platform on it."""
