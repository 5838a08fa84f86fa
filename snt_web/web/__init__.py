"""Web layer: the Dash app, its views and panels, and Flask routes."""
