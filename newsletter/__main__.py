"""`python -m newsletter` runs the same command line as `newsletter`."""

from .cli import main

main()
