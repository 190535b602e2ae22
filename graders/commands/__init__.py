"""Sub-commands of the ``healthpath`` command line: each module here defines ``register(subparsers)``."""
