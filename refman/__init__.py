"""refman: a desktop reference manager for researchers."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("refman")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
