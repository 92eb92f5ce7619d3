"""Find Duplicates: clusters shown, values chosen per field, batch merge and its undo."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from refman.domain.query import ReferenceQuery
from refman.services.library import Library
from tests.gui.test_main_window import Opener

ABSTRACT = (
    "Contrastive learning of visual representations pulls together views of one image and "
    "pushes apart other images; we analyse the role of the batch size and the projection "
    "head in depth with many experiments on standard benchmarks."
)
LISTING = f"""Knowledge distillation transfers the dark knowledge of a large teacher network to a \
small student network, and we study how the temperature changes what is transferred.
arXiv:2301.00001
Created: 2023-01-02

{ABSTRACT}
arXiv:2301.00002
Created: 2023-01-03
"""

BIB = f"""@article{{chen2023,
  title = {{Batch Size in Contrastive Learning}},
  author = {{Chen, Ting}},
  year = {{2023}},
  doi = {{10.1000/contrastive}},
  abstract = {{{ABSTRACT}}},
}}
"""


def test_find_merge_all_and_undo(
    qtbot: QtBot, open_window: Opener, library: Library, tmp_path: Path
) -> None:
    (tmp_path / "listing.txt").write_text(LISTING, encoding="utf-8")
    library.import_files([tmp_path / "listing.txt"])
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    library.import_files([tmp_path / "refs.bib"])
    before = library.count()
    window = open_window(library)
    window.show_duplicates()
    dialog = window.duplicates_dialog
    qtbot.waitUntil(dialog.merge_all_button.isEnabled, timeout=10_000)
    assert dialog.clusters.count() >= 1
    assert dialog.table.rowCount() > 0
    # The importer cannot know the listing's record (a provisional title, no DOI) is the
    # published paper; the finder matches their abstracts.
    assert [(len(c.ids), c.reason) for c in dialog._clusters] == [(2, "abstract")]
    assert dialog.table.columnCount() == 2

    dialog.choose(0, 1)  # keep the second one's (real) title
    plan = dialog.plan()
    assert plan is not None
    assert dict(plan.choices)["title"] == plan.ids[1]

    dialog.threshold.setValue(0.5)
    dialog.merge_all_button.click()
    qtbot.waitUntil(lambda: window.undo_stack.count() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("No duplicates"), timeout=10_000)
    assert library.count() == before - 1
    window.undo_stack.undo()
    assert library.count() == before
    assert library.store.count(trashed=True) == 0
    window.undo_stack.redo()
    assert library.count() == before - 1
    assert len(library.query_ids(ReferenceQuery(trashed=True))) == 1
    dialog.accept()
