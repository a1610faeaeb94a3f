"""The navigator: cases → documents (with this coder's progress) above, excerpts below."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...navigation import DocumentEntry, DocumentLines, Navigation
from ..safe import SafeLabels, Static, Text
from .excerpt_list import ExcerptList, LineSource
from .steady import SteadyScrollbars

NodeData = tuple[str, str | int]


def progress_text(reviewed: int, total: int, known: bool = True) -> Text:
    """``3/12`` while there is work left, ``✓`` when everything is reviewed (``…`` while
    progress is still being read)."""
    if not known:
        return Text("   … ", style="dim")
    if total and reviewed >= total:
        return Text("   ✓ ", style="green")
    return Text(f"{reviewed}/{total} ".rjust(5), style="dim")


class DocumentTree(SafeLabels, SteadyScrollbars, Tree[NodeData]):
    """Cases and their documents; selecting a document opens it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Cases", id=id)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False
        self._docs: dict[int, TreeNode[NodeData]] = {}
        self._cases: dict[str, TreeNode[NodeData]] = {}

    def fill(self, navigation: Navigation) -> None:
        self.clear()
        self._docs.clear()
        self._cases.clear()
        known = navigation.progress_known
        for case_id, name, reviewed, total in navigation.cases():
            # Cases open as the coder reaches them: a collapsed case costs no lines to draw.
            node = self.root.add(self._case_label(name, reviewed, total, known),
                                 data=("case", case_id), expand=len(self._cases) == 0)
            self._cases[case_id] = node
        for doc in navigation.documents:
            parent = self._cases.get(doc.case_id)
            if parent is not None:
                self._docs[doc.id] = parent.add_leaf(self._doc_label(doc, known),
                                                     data=("doc", doc.id))

    @staticmethod
    def _case_label(name: str, reviewed: int, total: int, known: bool) -> Text:
        return Text.assemble(progress_text(reviewed, total, known), (name, "bold"))

    @staticmethod
    def _doc_label(doc: DocumentEntry, known: bool) -> Text:
        return Text.assemble(progress_text(doc.reviewed, doc.total, known), doc.stem)

    def update_progress(self, navigation: Navigation, document_ids: list[int] | None = None
                        ) -> None:
        """Relabel documents (all, or the given ones) and every case."""
        known = navigation.progress_known
        touched = set()
        for doc_id in document_ids if document_ids is not None else list(self._docs):
            node = self._docs.get(doc_id)
            if node is not None:
                doc = navigation.document(doc_id)
                node.set_label(self._doc_label(doc, known))
                touched.add(doc.case_id)
        for case_id, name, reviewed, total in navigation.cases():
            if case_id in self._cases and case_id in touched:
                self._cases[case_id].set_label(self._case_label(name, reviewed, total, known))

    def node_for(self, document_id: int) -> TreeNode[NodeData] | None:
        return self._docs.get(document_id)

    def show_document(self, document_id: int) -> None:
        node = self._docs.get(document_id)
        if node is None:
            return
        if node.parent is not None and not node.parent.is_expanded:
            node.parent.expand()
        if node.line < 0:  # lines not built yet (before the first frame): build them now
            self.last_line  # noqa: B018 - reading it numbers the lines
        self.move_cursor(node)


class Navigator(Vertical):
    """Documents above, the current list of excerpts below, the active filter between."""

    class DocumentChosen(Message):
        def __init__(self, document_id: int) -> None:
            super().__init__()
            self.document_id = document_id

    def compose(self) -> ComposeResult:
        yield DocumentTree(id="documents")
        yield Static("", id="list-title")
        yield ExcerptList(id="excerpts")

    @property
    def tree(self) -> DocumentTree:
        return self.query_one(DocumentTree)

    @property
    def excerpts(self) -> ExcerptList:
        return self.query_one(ExcerptList)

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        event.stop()
        data = event.node.data
        if data is None:
            return
        if data[0] == "doc":
            self.post_message(self.DocumentChosen(int(data[1])))
        else:
            event.node.toggle()

    def show(self, navigation: Navigation, source: LineSource, excerpt_id: int,
             title: Text | str) -> None:
        """Point the list at an excerpt, switching to its document's list when needed."""
        lines = self.excerpts
        where = navigation.locate(excerpt_id)
        if isinstance(source, DocumentLines) and where is not None:
            self.tree.show_document(where[0])
        current = lines.source
        same = (current is source) or (
            isinstance(current, DocumentLines) and isinstance(source, DocumentLines)
            and current.document_id == source.document_id)
        index = source.index_of(excerpt_id)
        if not same:
            lines.set_source(source, index or 0)
        elif index is not None:
            lines.move_to(index, announce=False)
        self.query_one("#list-title", Static).update(title, layout=False)  # one line
