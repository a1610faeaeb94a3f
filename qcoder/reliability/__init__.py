"""Agreement between coders: the statistics and the report built from the store."""
