"""The codebook: the code tree with each code's key and a mark on the codes applied here,
and the highlighted code's definition, include/exclude rules and examples below it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...project.codebook import Code, Codebook
from ..safe import SafeLabels, Static


def definition_text(code: Code, codebook: Codebook) -> Text:
    """What a coder needs to decide: definition, include, exclude, examples."""
    text = Text()
    text.append(code.label, style="bold")
    if code.key:
        text.append(f"  [{code.key}]", style="bold cyan")
    if code.parent is not None:
        text.append("\n" + " › ".join(codebook.path_labels(code.id)[:-1]), style="dim")
    if code.exclusive:
        text.append("\nExclusive group: one of its codes per excerpt.", style="yellow")
    sections = (("Definition", code.definition), ("Include", code.include),
                ("Exclude", code.exclude))
    for title, body in sections:
        if body:
            text.append(f"\n{title}: ", style="bold")
            text.append(body)
    if code.examples:
        text.append("\nExamples:", style="bold")
        for example in code.examples:
            text.append(f"\n • {example}", style="italic")
    return text


class CodeTree(SafeLabels, Tree[str]):
    """The code tree; selecting a code (Enter, click) toggles it on the current excerpt."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Codebook", id=id)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False
        self.codebook: Codebook | None = None
        self.nodes_by_code: dict[str, TreeNode[str]] = {}
        self.applied: set[str] = set()
        self.free_keys: set[str] = set()

    def fill(self, codebook: Codebook, free_keys: set[str]) -> None:
        self.codebook = codebook
        self.clear()
        self.nodes_by_code.clear()
        self.free_keys = free_keys
        for code in codebook:
            parent = (self.root if code.parent is None
                      else self.nodes_by_code.get(code.parent, self.root))
            if code.children:
                node = parent.add(self._label(code), data=code.id, expand=True)
            else:
                node = parent.add_leaf(self._label(code), data=code.id)
            self.nodes_by_code[code.id] = node

    def _label(self, code: Code) -> Text:
        applied = code.id in self.applied
        key = code.key if code.key and code.key in self.free_keys else " "
        text = Text()
        text.append("✓" if applied else " ", style="bold green")
        text.append(f"{key} ", style="bold cyan")
        text.append(code.label, style="bold" if applied else "")
        if code.exclusive:
            text.append(" (one of)", style="dim")
        return text

    def mark_applied(self, codes: set[str]) -> None:
        """Show which codes this coder applied to the current excerpt."""
        if self.codebook is None:
            return
        changed = codes ^ self.applied
        self.applied = set(codes)
        for code_id in changed:
            node = self.nodes_by_code.get(code_id)
            if node is not None:
                node.set_label(self._label(self.codebook[code_id]))


class CodebookPanel(Vertical):
    """Code tree above, the highlighted code's definition below."""

    codebook: Codebook | None = None
    described: str | None = None

    class CodeChosen(Message):
        def __init__(self, code_id: str) -> None:
            super().__init__()
            self.code_id = code_id

    def compose(self) -> ComposeResult:
        yield CodeTree(id="codes")
        with VerticalScroll(id="code-details"):
            yield Static(id="code-definition")

    @property
    def tree(self) -> CodeTree:
        return self.query_one(CodeTree)

    def fill(self, codebook: Codebook, free_keys: set[str]) -> None:
        """Show the codebook; ``free_keys`` are the code keys that work (no clash)."""
        self.codebook = codebook
        self.tree.fill(codebook, free_keys)
        first = next(iter(codebook), None)
        if first is not None:
            self.describe(first.id)

    def highlight(self, code_id: str) -> None:
        """Put the tree's cursor on a code (its definition shows below)."""
        node = self.tree.nodes_by_code.get(code_id)
        if node is not None:
            self.tree.move_cursor(node)
            self.describe(code_id)

    def describe(self, code_id: str) -> None:
        if self.codebook is not None and code_id in self.codebook and code_id != self.described:
            self.described = code_id
            self.query_one("#code-definition", Static).update(
                definition_text(self.codebook[code_id], self.codebook))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        event.stop()
        if event.node.data is not None:
            self.describe(event.node.data)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        code_id = event.node.data
        if code_id is None or self.codebook is None:
            return
        if self.codebook[code_id].exclusive:
            event.node.toggle()
            return
        self.post_message(self.CodeChosen(code_id))
