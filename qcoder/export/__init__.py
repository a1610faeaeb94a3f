"""Exports of the store: Word, CSV/JSON and REFI-QDA (QDC/QDPX)."""
