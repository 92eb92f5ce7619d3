"""Readers and writers of bibliography formats: pure text <-> domain objects.

Importing the package imports every format module, and each registers itself with
:func:`refman.formats.base.register`. Sniffers are written to be mutually exclusive (a
listing never starts with "Researcher profile", "@", "%" or an RIS tag; a profile page
starts with "Researcher profile"), so detection does not hinge on order; the more
specific profile page is imported, hence registered, first all the same. Formats added
later (BibTeX, RIS) should keep their sniffers as specific.
"""

from refman.formats import researcher_profile  # isort: skip  (registration order)
from refman.formats import arxiv_atom  # isort: skip  (registered before the listing)
from refman.formats import ris  # isort: skip  (registered before the listing)
from refman.formats import crossref_json  # isort: skip  (registered before CSL-JSON)
from refman.formats import arxiv_listing, bibtex, csl_json
from refman.formats.base import Format, FormatError, by_name, detect, formats, register

__all__ = [
    "Format",
    "FormatError",
    "arxiv_atom",
    "arxiv_listing",
    "bibtex",
    "by_name",
    "crossref_json",
    "csl_json",
    "detect",
    "formats",
    "register",
    "researcher_profile",
    "ris",
]
