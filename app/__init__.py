"""Nodeloom's fronts: the PySide6 desktop application and the command line. Importing this package
does not import Qt; only the desktop modules do."""
