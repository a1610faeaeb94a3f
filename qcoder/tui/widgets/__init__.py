"""The coding screen's panels, one per module."""
