"""The benchmarks of ``make bench`` (see README.md here)."""

import os


def without_automatic_backups() -> None:
    """No automatic backups for this benchmark process and the app processes it starts:
    a daily backup of a 1.5 GB library (a minute after a window starts, or after an
    import) must not land inside a measure. Called first by every benchmark's ``main``."""
    os.environ.setdefault("REFMAN_AUTO_BACKUP", "off")
