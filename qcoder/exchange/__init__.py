"""Exchange with other tools and copies: REFI-QDA, codings CSV, merging databases."""
