"""The coding workbench (Textual): the only part of qcoder that imports Textual."""
