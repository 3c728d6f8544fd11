"""The terminal app (Textual). Imported only by the commands that open it."""
