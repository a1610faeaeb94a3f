"""REFI-QDA: QDC codebooks and QDPX projects, read and written."""
