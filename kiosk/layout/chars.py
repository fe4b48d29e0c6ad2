"""Character classes and phrases the typesetting rules look for (not text the screen shows).

Kept in one module so the check that every on-screen Chinese text lives in ``kiosk.strings``
can tell rule tables from wording.
"""

from __future__ import annotations

#: full-width marks whose blank half is on the left (Simplified Chinese glyph positions)
OPENING = frozenset("（〔［｛《〈「『【〖“‘")
#: …on the right: closing brackets and quotes
CLOSING = frozenset("）〕］｝》〉」』】〗”’")
#: …on the right: the pause and stop marks
STOPS = frozenset("、，。．：；！？")
#: an ideograph: the em of a face
EM_CHAR = "中"
#: where a table cell that lists things ("陈思喆、周子犇") may break
LIST_SEPARATORS = "、，,；;／/ "
#: a short aside in brackets, kept whole on a line ("（淼塘组）" "（第二季度）" "（社区）")
ASIDE = r"[（(][^（）()]{1,6}[）)]"
#: a date, time, number or amount kept whole in a table ("1996年12月" "486.5万元" "09:00-17:30")
QUANTITY = r"[0-9０-９.,:：/\-—–~～至%‰年月日时分秒号元万亿千百角个名人户次项亩岁天期周整第]+"
#: the addressee line (主送机关) ends with a full-width colon and holds no sentence punctuation…
ADDRESSEE_END = "："
SENTENCE_MARKS = "。，；！？："
#: …and is not a sentence announcing what follows ("现将有关事项通知如下：")
NOT_ADDRESSEE_ENDS = ("如下：", "下：")
NOT_ADDRESSEE_STARTS = ("现将", "现就", "根据", "为")
