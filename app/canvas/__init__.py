"""The node-editor canvas: items, the scene that mirrors an EditorDocument, the view and its interactions."""
