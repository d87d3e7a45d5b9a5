"""Demo data for ``flask seed-demo``: believable, in all four languages."""

from .extensions import db
from .models import Club, User

ACCOUNTS = [
    # username, display name, site role
    ("admin", "Айгерим (admin)", "admin"),
    ("moderator", "Модератор Данияр", "moderator"),
    ("organiser", "Nurlan — Human Rights Club", "citizen"),
    ("citizen", "Aziza", "citizen"),
]

CITIZENS = [
    # username, display name, locale, age band, gender, affiliation, region
    ("bakyt", "Бакыт", "ky", "18_24", "man", "student", "naryn"),
    ("elnura", "Элнура", "ky", "under_18", "woman", "pupil", "issyk_kul"),
    ("timur", "Тимур К.", "ru", "25_34", "man", "ngo", "bishkek"),
    ("dilnoza", "Dilnoza", "uz", "18_24", "woman", "student", "osh_city"),
    ("sardor", "Sardor", "uz", "35_49", "man", "teacher", "jalal_abad"),
    ("saltanat", "Салтанат", "ru", "18_24", "woman", "student", "bishkek"),
    ("quiet_owl", "Quiet Owl", "en", None, None, None, None),
]

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


def _user(username, display_name, password, role="citizen", locale=None):
    user = User(username=username, display_name=display_name, site_role=role, locale=locale)
    user.set_password(password)
    db.session.add(user)
    return user


def seed(password: str) -> str:
    accounts = {name: _user(name, display, password, role) for name, display, role in ACCOUNTS}
    for username, display, locale, age, gender, affiliation, region in CITIZENS:
        user = _user(username, display, password, locale=locale)
        if age:
            user.give_demographics(age_band=age, gender=gender, affiliation=affiliation,
                                   region=region)
    accounts["citizen"].give_demographics(
        age_band="18_24", gender="woman", affiliation="student", region="osh_city"
    )

    clubs = [Club(**fields) for fields in CLUBS]
    db.session.add_all(clubs)
    clubs[0].add_member(accounts["organiser"], "owner")
    clubs[0].add_member(accounts["citizen"], "member")
    clubs[1].add_member(accounts["organiser"], "organiser")
    db.session.commit()
    return f"Created {len(ACCOUNTS) + len(CITIZENS)} users and {len(clubs)} clubs."
