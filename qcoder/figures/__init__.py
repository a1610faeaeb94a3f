"""Figures: the code x case heat map, each exclusive group's shares per case, alpha per code
with its bootstrap interval, and each coder's progress per case.

:mod:`.data` and :mod:`.collect` hold what each figure shows, computed by the domain code
(no matplotlib); :mod:`.draw` draws it with matplotlib, which only the commands that draw
import.
"""
