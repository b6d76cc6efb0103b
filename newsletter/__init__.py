"""newsletter: compose and send a daily eLetter from a corpus and feeds."""

__version__ = "0.1.0"
