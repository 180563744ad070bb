"""The embedded simulator's parts: Kargo's and Argo CD's controllers played in simulated time.

The public face is `dashboard.sources.simulator`; modules here are internal.
"""
