"""Pure domain: models, scoring, geography. No I/O, no Textual."""
