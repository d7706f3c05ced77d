"""The composition rules as the tests hold the program to them, written out from typography.md
(GB/T 15834, clreq) and not taken from the program: a test that imported the composer's own
classes would pass whatever the composer says."""

# never at a line's start: closing marks, pause and stop marks, the interpunct
NO_START = "，。、：；！？）］｝〕〗】》〉」』”’·・‧〙〛"
# never at a line's end: opening marks and the solidus
NO_END = "（［｛〔〖【《〈「『“‘／"
OPENING = "（［｛〔〖【《〈「『“‘"
# the marks that may hang past the right edge (at most one, mainland practice)
HANGING = "、，。"
