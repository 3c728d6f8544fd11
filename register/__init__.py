"""register — a supply-chain risk register scored with a method built on ISO 28001."""

__version__ = "0.1.0"
