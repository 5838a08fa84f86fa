"""Side panels: files, display, paths."""
