"""Slice views and the 3D view."""
