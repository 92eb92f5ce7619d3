"""Passwords of shared libraries, kept in the system keyring (never in a settings file).

Where no keyring is available (keyring's ``fail`` or ``null`` backend: a headless
machine, a desktop without a secret service), nothing is kept and the password is asked
for in each session. A keyring that fails (locked, its service gone) counts as none: the
calls here never raise. They may block while the keyring asks to be unlocked, so a
window calls them off its UI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from refman.storage.servers import ServerLibrary, server_library, url_password

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

KEYRING_SERVICE = "refman"
"""The keyring entries' service name; the user name is ``ServerLibrary.key``."""


def _backend() -> KeyringBackend | None:
    import keyring  # noqa: PLC0415 (70 ms: only when a server library needs it)
    from keyring.backends import fail, null  # noqa: PLC0415

    try:
        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring | null.Keyring):
            return None
        priority = float(backend.priority)
    except Exception:  # a broken keyring configuration: as if there were none
        return None
    return backend if priority > 0 else None


def keyring_available() -> bool:
    """Whether passwords can be remembered (a usable system keyring)."""
    return _backend() is not None


def stored_password(library: ServerLibrary) -> str | None:
    """The password remembered for ``library`` (None: none, or no keyring)."""
    backend = _backend()
    if backend is None:
        return None
    try:
        return backend.get_password(KEYRING_SERVICE, library.key)
    except Exception:  # locked or unreachable keyring: ask the user instead
        return None


def store_password(library: ServerLibrary, password: str) -> bool:
    """Remember ``password`` for ``library``; False when there is no usable keyring."""
    backend = _backend()
    if backend is None:
        return False
    try:
        backend.set_password(KEYRING_SERVICE, library.key, password)
    except Exception:
        return False
    return True


def forget_password(library: ServerLibrary) -> None:
    """Remove a remembered password (nothing happens when there is none)."""
    backend = _backend()
    if backend is None:
        return
    try:
        backend.delete_password(KEYRING_SERVICE, library.key)
    except Exception:  # (keyring raises PasswordDeleteError when there is none)
        return


def password_for(url: str) -> str | None:
    """The password to open the server library at ``url`` with: None when the URL holds
    one itself, or is no server library, or nothing is remembered for it (the driver
    then tries its own sources: ``PGPASSWORD``, ``~/.pgpass``)."""
    library = server_library(url)
    if library is None or url_password(url) is not None:
        return None
    return stored_password(library)
