"""What a workbench works on: the open store, codebook, coder and navigation.

Opening is slow on a big or never-imported project, so the app runs these functions in a
worker thread; they only call the core and raise :class:`QcoderError` for what a user can fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..coding import Coding, check_coder
from ..errors import QcoderError
from ..navigation import Navigation
from ..project.codebook import Codebook
from ..project.folder import Project
from ..round_queue import RoundQueue
from ..store.database import Store

# A key press waits at most this long for another writer before the UI says so.
WRITE_TIMEOUT_S = 3.0


@dataclass
class Session:
    """One coder's open project; screens reach it as ``self.app.session``.

    ``start`` is the excerpt the coding screen opens on: the first one not yet reviewed at
    start-up (in the coder's open round first), then the one last shown, so a coding screen
    opened again resumes there. ``queue``: the coder's open rounds, which "next unreviewed"
    goes through before the rest of the corpus.
    """

    project: Project
    store: Store
    codebook: Codebook
    coder: str
    coding: Coding
    navigation: Navigation
    start: int | None
    queue: RoundQueue | None = None
    suggestions: str = "after-review"  # when suggestions are shown: after-review or never

    def short(self, message: str) -> str:
        """A message with the project folder left out of its paths."""
        return shorten(message, self.project)


def shorten(message: str, project: Project) -> str:
    return message.replace(f"{project.root}/", "")


def open_store(project: Project, status: Callable[[str], None]) -> Store:
    """Open the database, importing the project first if it never was (the demo's codings
    arrive this way on first start)."""
    store = Store(project.db_path, timeout=WRITE_TIMEOUT_S)
    try:
        if not store.has_documents():  # never imported (the importer loads only then)
            from ..importer import import_project

            status("First start: importing the codebook, the cases and codings/*.csv …")
            import_project(project, store)
    except BaseException:
        store.close()
        raise
    return store


def open_session(project: Project, store: Store, coder: str) -> Session:
    """Read what the coding screen needs first: codebook, documents, progress, start."""
    coder = check_coder(coder)
    codebook = store.codebook()
    if not len(codebook):
        raise QcoderError("the codebook has no codes; add codes under 'codes:' in "
                          f"{project.codebooks_dir.name}/ and run 'qcoder import'")
    navigation = Navigation(store, coder, codebook, progress=False)
    if not navigation.totals()[1]:
        raise EmptyProject(
            f"{project.root.name}: no excerpts yet; put documents (.txt, .md, .docx) in "
            "cases/<case-id>/ and run 'qcoder import'")
    queue = RoundQueue(store, coder)
    start = queue.next_unreviewed() if queue else None
    if start is None:
        start = navigation.first_unreviewed()
    if start is None and navigation.documents:
        start = next((navigation.open_document(d.id) for d in navigation.documents if d.total),
                     None)
    coding = Coding(store, codebook, coder)
    try:  # where new codes go (from the picker); a project without one cannot add codes
        coding.codebook_file = project.codebook_path()
    except QcoderError:
        coding.codebook_file = None
    return Session(project=project, store=store, codebook=codebook, coder=coder,
                   coding=coding, navigation=navigation, start=start,
                   queue=queue, suggestions=project.suggestions_mode())


class EmptyProject(QcoderError):
    """The project has no excerpts to code."""
