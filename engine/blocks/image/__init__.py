"""Image blocks. Each decodes safely (engine.imaging) and does its pixel work in ``ctx.run_blocking``."""
