"""Readers that turn outside material (the text corpus, feeds) into Items; none writes state."""
