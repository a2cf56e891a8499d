"""Docked panels: palette, inspector, history, run panel, preview, profiler, queue, triggers, the welcome
page (browser), and the "add block" popup."""
