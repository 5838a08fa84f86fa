"""Accounts, roles and permissions (pure: no Flask, no Dash)."""
