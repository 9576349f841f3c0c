"""Subcommands of the command line (``shotdetect compare``, ``shotdetect dedupe``): CLI layer only."""
