"""Placeholder replaced below by the real generator."""
