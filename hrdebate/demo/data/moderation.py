"""What the demo's moderators watch for and what they did to people."""

# Words that hold a comment for review, in Russian, Kyrgyz and Uzbek.
WATCHED_WORDS = ["идиот", "акмак", "ahmoq"]

# Sanctions: target, moderator, kind, reason, days of a mute, hours ago.
SANCTIONS = [
    ("emil", "moderator", "warn",
     ("Переход на личности в обсуждении дебатов школы №12. При повторном нарушении — "
      "временный запрет на комментарии."), None, 200),
    ("sherzod", "moderator", "mute",
     ("Oʻqituvchining ismi va uy manzilini eʼlon qilish, dalilsiz ayblov (qoidalar, 1 va "
      "2-band). 7 kunga izoh yozish taqiqlandi."), 7, 20),
]
