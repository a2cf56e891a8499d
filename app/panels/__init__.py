"""Docked panels: palette, inspector, version history, workflow browser."""
