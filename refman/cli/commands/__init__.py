"""One module per sub-command, each with ``parser(subparsers)`` and ``command(args, library)``."""
