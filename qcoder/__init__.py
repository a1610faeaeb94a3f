"""qcoder: qualitative coding for comparative case studies, in the terminal."""

__version__ = "0.1.0"
