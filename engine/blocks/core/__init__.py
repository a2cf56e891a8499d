"""Core blocks: workflow interface, flow control, loops and data shaping."""
