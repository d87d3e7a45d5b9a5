"""The demo's four clubs, in Bishkek, Osh, Naryn and Karakol, who runs them
and who follows them. The first person named ``owner`` of a club founds it."""

CLUBS = [
    dict(slug="auca-human-rights-club", name="AUCA Human Rights Debate Club",
         club_type="university_club", city="Bishkek", region="bishkek", verified=True,
         moderation_mode="pre",
         description="Student debate club at the American University of Central Asia. "
                     "We meet every week to debate human-rights motions in English and Russian."),
    dict(slug="osh-youth-rights", name="Ош жаштар укугу / Osh Yoshlar Huquqi",
         club_type="ngo", city="Osh", region="osh_city", verified=True, moderation_mode="post",
         description="Ош шаарындагы жаштар уюму: укук боюнча мектептер жана жарандык долбоорлор.\n\n"
                     "Oʻsh shahridagi yoshlar tashkiloti: huquq maktablari va fuqarolik loyihalari."),
    dict(slug="naryn-debate-society", name="Нарын дебат коому",
         club_type="university_club", city="Naryn", region="naryn", verified=True,
         moderation_mode="pre",
         description="Нарын мамлекеттик университетинин студенттеринин дебат клубу. "
                     "Кыргыз тилинде дебаттар жана моот-корттор."),
    dict(slug="karakol-school-12", name="Школа №12 Каракол — клуб «Право»",
         club_type="school_club", city="Karakol", region="issyk_kul", verified=False,
         moderation_mode="pre",
         description="Школьный клуб, где ученики 9–11 классов изучают права человека "
                     "и готовят гражданские проекты для своего района."),
]

MEMBERSHIPS = [
    # club slug, username, role
    ("auca-human-rights-club", "organiser", "owner"),
    ("auca-human-rights-club", "citizen", "member"),
    ("auca-human-rights-club", "saltanat", "member"),
    ("osh-youth-rights", "gulchehra", "owner"),
    ("osh-youth-rights", "organiser", "organiser"),
    ("osh-youth-rights", "dilnoza", "member"),
    ("naryn-debate-society", "bakyt", "owner"),
    ("karakol-school-12", "gulnara", "owner"),
    ("karakol-school-12", "elnura", "member"),
]

FOLLOWS = [
    # username, club slug: followers hear of the club's new and cancelled events
    ("organiser", "naryn-debate-society"),
    ("citizen", "osh-youth-rights"),
    ("timur", "auca-human-rights-club"),
    ("elnura", "karakol-school-12"),
]
