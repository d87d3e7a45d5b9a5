"""Demo data for ``flask seed-demo``: believable, in all four languages.

Every date is relative to today (Bishkek time), so the demo always has past,
running and upcoming events, whenever it is loaded. The data sits in the
lists below; ``seed`` only turns it into rows and commits once. Who of the
audience registered, came or stayed away is drawn with a fixed random seed,
so the demo is the same every time it is loaded.
"""

import random
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from werkzeug.security import generate_password_hash

from .certificates.services import new_certificate_code
from .discussions.services import matches_watched_word
from .events.services import EDITABLE_FIELDS, _apply
from .extensions import db
from .models import (
    MAX_DEPTH,
    Club,
    ClubFollow,
    Comment,
    Event,
    Flag,
    Milestone,
    ModerationAction,
    Notification,
    ProgressUpdate,
    Registration,
    User,
    Vote,
    WatchedWord,
    seed_topics,
    utcnow,
)
from .notifications.services import notify
from .models.codes import new_checkin_code
from .text import render_markdown
from .timeutil import LOCAL_TZ

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

# The audience of the debates: ordinary members, so that votes look real.
VOTERS = [
    ("aibek.t", "Айбек Т.", "ky", "18_24", "man", "student", "bishkek"),
    ("nurgul", "Нургүл", "ky", "18_24", "woman", "student", "naryn"),
    ("aselya", "Асель", "ru", "25_34", "woman", "ngo", "bishkek"),
    ("olga.s", "Ольга С.", "ru", "35_49", "woman", "teacher", "chui"),
    ("jasur", "Jasur", "uz", "18_24", "man", "student", "osh_city"),
    ("mohira", "Mohira", "uz", "under_18", "woman", "pupil", "osh_city"),
    ("kanat", "Канат", "ky", "25_34", "man", "other", "talas"),
    ("meerim", "Мээрим", "ky", "18_24", "woman", "student", "issyk_kul"),
    ("dmitry.k", "Дмитрий К.", "ru", "18_24", "man", "student", "bishkek"),
    ("zarina", "Зарина", "ru", "under_18", "woman", "pupil", "issyk_kul"),
    ("ulugbek", "Ulugʻbek", "uz", "35_49", "man", "teacher", "jalal_abad"),
    ("aizhan", "Айжан", "ky", "18_24", "woman", "ngo", "naryn"),
    ("emil", "Эмиль", "ru", "under_18", "man", "pupil", "issyk_kul"),
    ("cholpon", "Чолпон", "ky", "50_plus", "woman", "teacher", "naryn"),
    ("sanjar", "Sanjar", "uz", "18_24", "man", "student", "osh"),
    ("ainura", "Айнура", "ky", "25_34", "woman", "ngo", "osh_city"),
    ("maksat", "Максат", "ky", "18_24", "man", "student", "bishkek"),
    ("kamila", "Kamila", "en", "18_24", "woman", "student", "bishkek"),
    ("bermet", "Бермет", "ky", "under_18", "woman", "pupil", "naryn"),
    ("ilyas", "Ильяс", "ru", "25_34", "man", "other", "chui"),
    ("nodira", "Nodira", "uz", "25_34", "woman", "ngo", "osh_city"),
    ("azamat", "Азамат", "ky", "35_49", "man", "other", "batken"),
    ("gulnara", "Гульнара Асанова", "ru", "35_49", "woman", "teacher", "issyk_kul"),
    ("gulchehra", "Gulchehra Karimova", "uz", "35_49", "woman", "ngo", "osh_city"),
    ("adilet", "Адилет", "ky", None, None, None, None),
    ("nastya", "Настя", "ru", None, None, None, None),
    ("sherzod", "Sherzod", "uz", None, None, None, None),
    ("tilek", "Тилек", "ky", None, None, None, None),
    ("alex.m", "Alex M.", "en", None, None, None, None),
    ("aigul", "Айгүл", "ky", None, None, None, None),
]

# More of the audience: people who register and come, mostly from the clubs'
# own regions. Most of them answered the optional demographic questions.
AUDIENCE = [
    # Bishkek and Chüy: AUCA
    ("aruuke", "Аруке", "ky", "18_24", "woman", "student", "bishkek"),
    ("erlan.b", "Эрлан Б.", "ky", "18_24", "man", "student", "bishkek"),
    ("sofia.l", "София Л.", "ru", "18_24", "woman", "student", "bishkek"),
    ("nursultan", "Нурсултан", "ky", "25_34", "man", "ngo", "chui"),
    ("alina.p", "Алина П.", "ru", "18_24", "woman", "student", "chui"),
    ("beksultan", "Бексултан", "ky", "18_24", "man", "student", "bishkek"),
    ("jamila", "Jamila", "en", "25_34", "woman", "ngo", "bishkek"),
    ("venera", "Венера", "ru", "35_49", "woman", "teacher", "bishkek"),
    ("roman.v", "Роман В.", "ru", None, None, None, None),
    # Osh city, Osh and Jalal-Abad regions
    ("shahnoza", "Shahnoza", "uz", "18_24", "woman", "student", "osh_city"),
    ("bekzod", "Bekzod", "uz", "18_24", "man", "student", "osh_city"),
    ("madina.o", "Мадина", "ky", "under_18", "woman", "pupil", "osh_city"),
    ("otabek", "Otabek", "uz", "under_18", "man", "pupil", "osh"),
    ("feruza", "Feruza", "uz", "25_34", "woman", "teacher", "osh_city"),
    ("kubat", "Кубат", "ky", "18_24", "man", "student", "osh"),
    ("dildora", "Dildora", "uz", "18_24", "woman", "ngo", "jalal_abad"),
    ("islam", "Ислам", "ky", "18_24", "man", "student", "osh_city"),
    ("zulfiya", "Zulfiya", "uz", "35_49", "woman", "teacher", "osh_city"),
    ("aida.o", "Аида", "ky", "under_18", "woman", "pupil", "osh_city"),
    ("ravshan", "Ravshan", "uz", None, None, None, None),
    # Naryn and Talas
    ("nurbek", "Нурбек", "ky", "18_24", "man", "student", "naryn"),
    ("gulzat", "Гүлзат", "ky", "18_24", "woman", "student", "naryn"),
    ("almaz", "Алмаз", "ky", "under_18", "man", "pupil", "naryn"),
    ("kanykei", "Каныкей", "ky", "18_24", "woman", "student", "naryn"),
    ("temirlan", "Темирлан", "ky", "18_24", "man", "student", "naryn"),
    ("asel.n", "Асел Н.", "ky", "25_34", "woman", "teacher", "naryn"),
    ("zhyldyz", "Жылдыз", "ky", "under_18", "woman", "pupil", "naryn"),
    ("myktybek", "Мыктыбек", "ky", "18_24", "man", "student", "talas"),
    ("ermek.n", "Эрмек", "ky", None, None, None, None),
    # Issyk-Kul: Karakol school 12, its pupils, teachers and parents
    ("daniel.k", "Даниэль", "ru", "under_18", "man", "pupil", "issyk_kul"),
    ("aiperi", "Айпери", "ky", "under_18", "woman", "pupil", "issyk_kul"),
    ("nikita", "Никита", "ru", "under_18", "man", "pupil", "issyk_kul"),
    ("begimai", "Бегимай", "ky", "under_18", "woman", "pupil", "issyk_kul"),
    ("arslan", "Арслан", "ky", "under_18", "man", "pupil", "issyk_kul"),
    ("tolgonai", "Толгонай", "ky", "under_18", "woman", "pupil", "issyk_kul"),
    ("svetlana", "Светлана", "ru", "35_49", "woman", "teacher", "issyk_kul"),
    ("kairat", "Кайрат", "ky", "50_plus", "man", "other", "issyk_kul"),
    ("polina", "Полина", "ru", None, None, None, None),
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

# One dict per event. ``day`` is the start, in days from today; ``at`` the
# Bishkek time. The other keys that are not event fields: ``votes`` (for,
# against, undecided per phase), ``milestones`` (title, due day, status),
# ``updates`` (author, day, Markdown) and ``judgement``.
EVENTS = [
    # -- AUCA, Bishkek ----------------------------------------------------
    dict(
        club="auca-human-rights-club", kind="debate", status="published", language="en",
        day=-18, at="18:30", topics=["participation", "children"],
        title="Votes at 16: should Kyrgyzstan lower the voting age?",
        summary="Two university teams debated whether 16- and 17-year-olds should vote in "
                "local and parliamentary elections. The audience moved clearly towards the "
                "proposition.",
        description=(
            "Article 37 of the Constitution gives citizens the right to take part in public "
            "affairs, yet people under 18 have no say in the elections that shape their "
            "schools, towns and air. Austria and Malta let 16-year-olds vote; does the "
            "argument hold for Kyrgyzstan?\n\n"
            "**Format:** Oxford style, three speakers per side, seven minutes each, then "
            "questions from the floor. The audience votes before and after the debate; the "
            "side that changes more minds wins.\n\n"
            "Tea from 18:00, debate at 18:30."
        ),
        venue="AUCA, 7/6 Aaly Tokombaev St., room 215", capacity=80,
        motion="This House would lower the voting age in Kyrgyzstan to 16",
        debate_format="oxford",
        proposition_team="AUCA Blue",
        proposition_speakers="Aliya Sydykova\nDaniyar Omurbekov\nMadina Rakhimova",
        opposition_team="KRSU Debate Union",
        opposition_speakers="Artyom Kim\nAizada Bekova\nRuslan Toktorov",
        voting_state="closed",
        votes={"before": (9, 15, 8), "after": (20, 10, 2)},
    ),
    dict(
        club="auca-human-rights-club", kind="debate", status="published", language="ru",
        day=9, at="18:30", topics=["expression", "privacy"],
        title="Свобода слова в интернете: где граница?",
        summary="Дебаты о блокировке сайтов, «ложной информации» и ответственности "
                "пользователей соцсетей. Проголосуйте до начала — и посмотрим, кто кого "
                "переубедит.",
        description=(
            "С 2021 года в Кыргызстане действует закон «О защите от недостоверной (ложной) "
            "информации». Он позволяет ограничивать доступ к сайтам и страницам по решению "
            "уполномоченного органа, не дожидаясь суда. Сторонники говорят о борьбе с фейками "
            "и травлей, критики — о риске цензуры.\n\n"
            "**Вопросы для обсуждения:**\n\n"
            "- Кто должен решать, какая информация «ложная»?\n"
            "- Достаточно ли судебного порядка, чтобы быстро защищать людей от клеветы?\n"
            "- Где проходит граница между мнением и оскорблением?\n\n"
            "Ориентиры — статья 19 Всеобщей декларации прав человека и статья 19 "
            "Международного пакта о гражданских и политических правах: ограничения свободы "
            "выражения допустимы, только если они предусмотрены законом и необходимы.\n\n"
            "Формат Карла Поппера, по три спикера с каждой стороны. Вход свободный."
        ),
        venue="AUCA, ул. Аалы Токомбаева 7/6, аудитория 215", capacity=100,
        motion="Эта палата запретила бы блокировку сайтов без решения суда",
        debate_format="karl_popper",
        proposition_team="AUCA Red",
        proposition_speakers="Салтанат Исаева\nТимур Касымов\nАдинай Мамбетова",
        opposition_team="Дебат-клуб КНУ",
        opposition_speakers="Эркин Абдрахманов\nВалерия Ли\nНуржан Осмонов",
        voting_state="before_open",
        votes={"before": (8, 6, 10)},
    ),
    dict(
        club="auca-human-rights-club", kind="moot_court", status="published", language="en",
        day=-12, at="15:00", duration=timedelta(hours=3), topics=["fair-trial", "torture"],
        title="Moot court: Dzhumabaev v. Kyrgyz Republic — the first hours in custody",
        summary="Law students argued whether a confession signed without a lawyer can ground "
                "a conviction. The bench's judgement is now published.",
        description=(
            "Our annual fair-trial moot, argued before a bench of practising lawyers. The case "
            "is fictional but built on problems that lawyers and UN treaty bodies keep "
            "reporting: late access to counsel, pressure in police custody and retracted "
            "confessions.\n\n"
            "**Format:** 25 minutes per team, 5 minutes of rebuttal, questions from the bench "
            "throughout. Memorials were exchanged a week before the hearing."
        ),
        venue="AUCA, 7/6 Aaly Tokombaev St., moot courtroom (room 110)", capacity=60,
        case_title="Dzhumabaev v. Kyrgyz Republic",
        facts=(
            "1. Ermek Dzhumabaev, a 19-year-old student, was detained in Bishkek on suspicion "
            "of robbing a mobile-phone kiosk.\n"
            "2. He was held at the district police station for 30 hours. His requests to call "
            "a lawyer and his mother were refused. A state-appointed lawyer first met him "
            "after he had signed a written confession.\n"
            "3. At trial he retracted the confession, saying officers had threatened to keep "
            "him in custody for months. The trial court did not examine the allegation and "
            "convicted him, relying mainly on the confession. His appeal was dismissed.\n"
            "4. Having exhausted domestic remedies, he submitted a communication to the UN "
            "Human Rights Committee."
        ),
        legal_questions=(
            "Did the refusal of access to a lawyer during the first 30 hours of custody "
            "violate Article 14(3)(b) and (d) of the ICCPR?\n"
            "Did the conviction based on a retracted confession, without any inquiry into the "
            "allegation of coercion, violate Article 14(3)(g) and Article 7 of the ICCPR?\n"
            "What remedies should the State provide?"
        ),
        instruments="udhr,iccpr,constitution_kg",
        applicant_team="AUCA Human Rights Debate Club",
        respondent_team="KRSU Faculty of Law",
        bench="Cholpon Osmonova, advocate (presiding)\nDr Azamat Tursunov, AUCA Law Programme\n"
              "Elena Petrova, former public defender",
        judgement=dict(
            day=-5,
            outcome="Violation of Article 14(3)(b), (d) and (g) ICCPR found; retrial "
                    "recommended. No separate finding under Article 7.",
            reasoning=(
                "**1. Access to a lawyer.** Article 11 of the Universal Declaration of Human "
                "Rights promises everyone charged with an offence \"all the guarantees "
                "necessary for his defence\", and Article 14(3)(b) and (d) ICCPR turn that "
                "promise into the right to communicate with counsel of one's own choosing and "
                "to be defended through legal assistance. The Constitution of the Kyrgyz "
                "Republic guarantees qualified legal assistance from the moment of actual "
                "detention. The Respondent gave no compelling reason for refusing the "
                "Applicant's repeated requests for 30 hours. The appointed lawyer met him only "
                "*after* the confession was signed, at the moment when assistance mattered "
                "most. **Violation.**\n\n"
                "**2. The retracted confession.** Article 14(3)(g) ICCPR protects the right "
                "not to be compelled to testify against oneself or to confess guilt. Once the "
                "Applicant raised a credible allegation of pressure, it was for the State to "
                "show that the confession had been given freely. The trial court made no "
                "inquiry and relied mainly on the confession. **Violation.**\n\n"
                "The bench makes no separate finding under Article 7 ICCPR: the threats "
                "alleged, though serious, were not substantiated by the material before it. "
                "One judge dissented on this point.\n\n"
                "**3. Remedies.** Under Article 6 of the Constitution, international treaties "
                "ratified by the Kyrgyz Republic are part of its legal system, so the "
                "Covenant binds the police and the courts directly. The bench recommends:\n\n"
                "1. a retrial from which the confession is excluded;\n"
                "2. adequate compensation;\n"
                "3. clear instructions to police stations that every detainee may call a "
                "lawyer and a relative immediately after detention.\n\n"
                "*Best oralist: Aliya Sydykova (Applicant). Best memorial: Respondent.*"
            ),
        ),
    ),
    dict(
        club="auca-human-rights-club", kind="civic_project", status="draft", language="ru",
        day=30, at="10:00", duration=timedelta(days=150), topics=["environment", "children"],
        title="Чистый воздух у школ Бишкека",
        summary="Установим недорогие датчики качества воздуха у пяти школ и опубликуем "
                "открытые данные, чтобы добиться защиты детей в дни смога.",
        description=(
            "Зимой Бишкек регулярно попадает в списки городов с самым грязным воздухом. "
            "Больше всего страдают дети: уроки физкультуры проходят на улице даже тогда, "
            "когда концентрация PM2.5 в разы превышает рекомендации ВОЗ.\n\n"
            "Мы хотим:\n\n"
            "1. установить датчики PM2.5 у пяти школ в разных районах города;\n"
            "2. публиковать данные в открытом доступе;\n"
            "3. вместе с родителями предложить мэрии правила для школ в дни смога.\n\n"
            "*Черновик: бюджет и список школ уточняются.*"
        ),
        venue="Бишкек, школы-участницы",
        goal="Датчики у пяти школ, открытые данные о качестве воздуха и правила для школ "
             "в дни смога, принятые мэрией.",
        community="Ученики и родители школ Свердловского и Октябрьского районов Бишкека",
        milestones=[
            ("Выбор школ и согласование с администрациями", 25, "planned"),
            ("Установка датчиков", 45, "planned"),
            ("Первый открытый отчёт о качестве воздуха", 90, "planned"),
        ],
    ),
    dict(
        club="auca-human-rights-club", kind="debate", status="draft", language="en",
        day=35, at="18:30", topics=["privacy", "expression"],
        title="Real names online: should social networks verify every user?",
        summary="A debate on anonymity, online harassment and the right to privacy.",
        description=(
            "Proposals to tie social-media accounts to passports come up in Kyrgyzstan and "
            "its neighbours after every wave of fake accounts and harassment. Anonymity "
            "protects whistle-blowers and people at risk; it also shields trolls.\n\n"
            "*Draft: speakers to be confirmed.*"
        ),
        venue="AUCA, 7/6 Aaly Tokombaev St., room 215", capacity=80,
        motion="This House would require social networks to verify the identity of every user",
        debate_format="oxford",
    ),
    # -- Osh ------------------------------------------------------------------
    dict(
        club="osh-youth-rights", kind="debate", status="published", language="uz",
        day=6, at="16:00", topics=["education", "children"],
        title="Maktabdagi pul yigʻimlari: taqiqlash kerakmi?",
        summary="Oʻsh yoshlari bepul taʼlim huquqi va maktablarda ota-onalardan "
                "yigʻiladigan pullar haqida bahslashadi.",
        description=(
            "Qirgʻiziston Konstitutsiyasi va Inson huquqlari umumjahon deklaratsiyasining "
            "26-moddasi boshlangʻich taʼlim bepul boʻlishini kafolatlaydi. Amalda esa koʻplab "
            "maktablarda ota-onalardan taʼmirlash, qoʻriqchi maoshi yoki darsliklar uchun pul "
            "yigʻiladi.\n\n"
            "**Bahs savollari:**\n\n"
            "- Ixtiyoriy xayriya bilan majburiy toʻlov oʻrtasidagi chegara qayerda?\n"
            "- Taqiq maktablarni moliyaviy jihatdan qiyin ahvolga solib qoʻymaydimi?\n"
            "- Kam taʼminlangan oilalarning farzandlari qanday himoya qilinadi?\n\n"
            "Bahsdan oldin va keyin ovoz bering: qaysi jamoa zalni koʻproq ishontirishini "
            "koʻramiz."
        ),
        venue="Oʻsh davlat universiteti, 2-oʻquv binosi, 105-xona", capacity=25,
        motion="Ushbu palata maktablarda ota-onalardan har qanday pul yigʻishni taqiqlaydi",
        debate_format="oxford",
        proposition_team="Oʻsh davlat universiteti — «Adolat»",
        proposition_speakers="Dilnoza Yusupova\nJasurbek Karimov\nMohira Tojiboyeva",
        opposition_team="Oʻsh yoshlar huquqi — «Mezon»",
        opposition_speakers="Sardor Rahimov\nNodira Ismoilova\nBobur Aliyev",
        voting_state="before_open",
        votes={"before": (11, 4, 6)},
    ),
    dict(
        club="osh-youth-rights", kind="civic_project", status="published", language="uz",
        day=-50, at="10:00", duration=timedelta(days=120),
        topics=["disability", "education", "children"],
        title="Hamma uchun maktab: 14-maktabga pandus",
        summary="Nogironligi boʻlgan bolalar oʻz mahallasidagi maktabda oʻqiy olishi uchun "
                "kirish joyi va hojatxonani moslashtiramiz.",
        description=(
            "Oʻsh shahridagi 14-maktabda aravachada harakatlanadigan uch nafar bola oʻqiydi, "
            "lekin maktabga faqat zinapoya orqali kirish mumkin. Ota-onalar har kuni "
            "farzandlarini qoʻlda koʻtarib chiqishadi.\n\n"
            "Loyiha Nogironligi boʻlgan shaxslarning huquqlari toʻgʻrisidagi konvensiyaning "
            "9-moddasi (foydalanish imkoniyati) va 24-moddasiga (inklyuziv taʼlim) asoslanadi: "
            "maktab hamma uchun ochiq boʻlishi kerak.\n\n"
            "**Hamkorlar:** maktab maʼmuriyati, ota-onalar qoʻmitasi va shahar meriyasining "
            "taʼlim boʻlimi."
        ),
        venue="14-maktab, Amir Temur mavzesi, Oʻsh",
        goal="Oʻquv yili oxirigacha 14-maktabning asosiy kirish joyi va birinchi qavatdagi "
             "hojatxonani aravachadagi bolalar uchun moslashtirish hamda oʻqituvchilarni "
             "inklyuziv taʼlimga oʻrgatish.",
        community="Oʻsh shahri, Amir Temur mavzesi: 14-maktab oʻquvchilari va ota-onalari",
        milestones=[
            ("Maktab binosini oʻrganish va ehtiyojlar xaritasi", -42, "done"),
            ("Shahar meriyasi bilan loyiha hujjatlarini kelishish", -20, "done"),
            ("Asosiy kirish joyiga pandus qurish", 10, "in_progress"),
            ("Birinchi qavatdagi hojatxonani moslashtirish", 35, "planned"),
            ("Oʻqituvchilar uchun inklyuziv taʼlim treningi", 55, "planned"),
        ],
        updates=[
            ("organiser", -40,
             "**Binoni oʻrganib chiqdik.** Koʻngillilar va arxitektor bilan maktabning barcha "
             "kirish joylarini oʻlchadik. Asosiy kirishda 7 ta zinapoya bor, shuning uchun "
             "pandus uzunligi taxminan 12 metr boʻladi. Toʻliq hisobot ota-onalar qoʻmitasiga "
             "topshirildi."),
            ("dilnoza", -19,
             "Shahar meriyasining taʼlim boʻlimi loyiha hujjatlarini maʼqulladi. Qurilish "
             "materiallarining yarmini mahalliy tadbirkorlar xayriya qildi, qolgan qismi "
             "uchun xalqaro fondga grant arizasi topshirdik."),
            ("organiser", -3,
             "**Pandus qurilishi boshlandi!** Poydevor quyildi, tutqichlar keyingi haftada "
             "oʻrnatiladi. Ishni ikki hafta ichida tugatishni rejalashtiryapmiz. Yordam "
             "bermoqchi boʻlsangiz, shanba kuni soat 10:00 da maktab oldida uchrashamiz."),
        ],
    ),
    dict(
        club="osh-youth-rights", kind="moot_court", status="published", language="uz",
        day=-3, at="14:00", duration=timedelta(hours=3),
        topics=["minorities", "education", "non-discrimination"],
        title="Oʻquv sudi: ona tilida imtihon topshirish huquqi",
        summary="Talabalar oʻzbek maktabi bitiruvchisi umumrespublika testini ona tilida "
                "topshira olmagani haqidagi ishni sud shaklida koʻrib chiqdi. Hakamlar qarori "
                "tez orada eʼlon qilinadi.",
        description=(
            "Ushbu oʻquv sud jarayonida (moot court) ikki jamoa milliy ozchiliklarning taʼlim "
            "tilidagi huquqlari haqida bahslashdi. Hakamlar hayʼati qarorni tayyorlamoqda — "
            "u shu sahifada eʼlon qilinadi.\n\n"
            "Jarayon oʻzbek tilida oʻtdi, tinglovchilarning savollari qirgʻiz va rus "
            "tillarida ham qabul qilindi."
        ),
        venue="Oʻsh davlat universiteti, huquq fakulteti, majlislar zali", capacity=50,
        case_title="Abdullayeva Qirgʻiziston Respublikasiga qarshi",
        facts=(
            "1. Arizachi Malika Abdullayeva Oʻsh shahridagi oʻzbek tilida taʼlim beradigan "
            "maktabni tamomlagan.\n"
            "2. U oliy oʻquv yurtiga kirish uchun umumrespublika testini oʻzbek tilida "
            "topshirmoqchi boʻlgan, biroq test faqat qirgʻiz va rus tillarida oʻtkazilgan.\n"
            "3. Rus tilidagi testda arizachi past ball olgan va davlat granti asosidagi "
            "oʻrinni qoʻlga kirita olmagan.\n"
            "4. Taʼlim vazirligi va sudlar uning shikoyatlarini rad etgan: testni davlat va "
            "rasmiy tillarda oʻtkazish qonuniy deb topilgan."
        ),
        legal_questions=(
            "Testni faqat davlat va rasmiy tillarda oʻtkazish Fuqarolik va siyosiy huquqlar "
            "toʻgʻrisidagi xalqaro paktning 26- va 27-moddalarini buzadimi?\n"
            "Bola huquqlari toʻgʻrisidagi konvensiyaning 30-moddasi davlatga qanday "
            "majburiyatlar yuklaydi?\n"
            "Davlat oʻzbek tilida oʻqigan bitiruvchilar uchun qanday oʻtish davri choralarini "
            "koʻrishi kerak edi?"
        ),
        instruments="udhr,iccpr,crc,constitution_kg",
        applicant_team="Oʻsh davlat universiteti, huquq fakulteti",
        respondent_team="Oʻsh yoshlar huquqi — «Mezon» jamoasi",
        bench="Ravshan Mamatov, advokat (rais)\nDots. Zarina Ergasheva, OʻshDU\n"
              "Asel Toktogulova, inson huquqlari boʻyicha ekspert",
    ),
    dict(
        club="osh-youth-rights", kind="debate", status="cancelled", language="ky",
        day=5, at="16:00", topics=["assembly", "participation"],
        title="Тынч чогулуштар: шаардын борборунда тыюу салууга болобу?",
        summary="Ош шаарынын студенттери тынч чогулуу укугу жана шаар борборундагы жалпы "
                "тыюулар тууралуу талашат.",
        description=(
            "Кыргыз Республикасынын Конституциясы жана Жарандык жана саясий укуктар жөнүндө "
            "эл аралык пакттын 21-беренеси тынч чогулуу укугун кепилдейт. Ошого карабастан, "
            "шаарлардын борборунда митингдерге бир нече айга жалпы тыюу салынган учурлар "
            "болгон.\n\n"
            "**Дебаттын суроолору:**\n\n"
            "- Коомдук тартипти сактоо үчүн жалпы тыюу зарылбы?\n"
            "- Ар бир чогулушка өзүнчө баа берүү мүмкүнбү?\n"
            "- Мындай тыюулар жаштардын пикир айтуусуна кандай таасир этет?\n\n"
            "*Жай ээси залды бере албай калгандыктан дебат жокко чыгарылды. Жаңы күнү "
            "кийинчерээк жарыяланат.*"
        ),
        venue="Ош мамлекеттик университети, 2-окуу имараты, 214-аудитория", capacity=60,
        motion="Бул палата шаарлардын борборунда тынч чогулуштарга жалпы тыюу салууну "
               "жокко чыгарат",
        debate_format="karl_popper",
        proposition_team="Ош мамлекеттик университети — «Адилет»",
        proposition_speakers="Нурбек Абдыкадыров\nАйжан Токтосунова\nЭрлан Маматов",
        opposition_team="Ош жаштар укугу — «Калыс»",
        opposition_speakers="Бегимай Жолдошева\nМирлан Сатыбалдиев\nГүлзат Осмонова",
    ),
    # -- Naryn ----------------------------------------------------------------
    dict(
        club="naryn-debate-society", kind="debate", status="published", language="ky",
        day=-25, at="15:00", topics=["women", "education"],
        title="Ала качуу: мектеп эмне кыла алат?",
        summary="Нарындын студенттери мектептерде ала качуунун алдын алуу боюнча милдеттүү "
                "сабак керекпи деп талашышты. Көрүүчүлөрдүн пикири кескин өзгөрдү.",
        description=(
            "Ала качуу — салт эмес, кылмыш. Кыргызстанда никеге мажбурлоо үчүн кылмыш "
            "жоопкерчилиги каралган, бирок көп окуялар милицияга жетпей калат.\n\n"
            "Бул дебатта эки команда мектептин ролу тууралуу талашты: 9–11-класстарда "
            "балдар менен кыздарга макулдук, мыйзам жана укуктар тууралуу сабак өтүү "
            "керекпи, же бул үй-бүлөнүн жана коомчулуктун иши бойдон калышы керекпи?\n\n"
            "**Таянычтар:** Адам укуктарынын жалпы декларациясынын 16-беренеси (нике эки "
            "тараптын эркин жана толук макулдугу менен гана түзүлөт) жана Аялдарды "
            "басмырлоонун бардык түрлөрүн жоюу жөнүндө конвенция."
        ),
        venue="Нарын мамлекеттик университети, чоң жыйындар залы", capacity=120,
        motion="Бул палата 9–11-класстарда ала качуунун алдын алуу боюнча милдеттүү "
               "сабактарды киргизет",
        debate_format="oxford",
        proposition_team="НМУ, юридика факультети",
        proposition_speakers="Бакыт Асанов\nЧолпон Эсенгулова\nАйбек Токтогулов",
        opposition_team="НМУ, педагогика факультети",
        opposition_speakers="Нургүл Маматова\nТалант Жумабеков\nАсел Бейшеналиева",
        voting_state="closed",
        votes={"before": (12, 10, 8), "after": (21, 7, 2)},
    ),
    dict(
        club="naryn-debate-society", kind="moot_court", status="published", language="ky",
        day=14, at="14:00", duration=timedelta(hours=3), topics=["women", "fair-trial"],
        title="Моот-корт: «Ж. Н. Кыргыз Республикасына каршы» — ала качуу жана "
              "мамлекеттин милдети",
        summary="Ала качуудан жапа чеккен кыздын арызын милиция убагында каттабаган окуя "
                "эл аралык сот форматында каралат.",
        description=(
            "Нарын дебат коомунун жылдык моот-корту. Ар бир команда 20 мүнөттөн сөз алат, "
            "андан кийин калыстар суроо беришет.\n\n"
            "Угуу ачык: студенттер, мугалимдер жана ата-энелер келе алышат. Моот-корт "
            "кыргыз тилинде өтөт."
        ),
        venue="Нарын мамлекеттик университети, чоң жыйындар залы", capacity=120,
        case_title="Ж. Н. Кыргыз Республикасына каршы",
        facts=(
            "1. Ж. Н., 19 жаштагы студент, Кочкор районундагы айылда жашайт. Бир күнү "
            "кечинде аны тааныбаган жигит достору менен күч колдонуп машинага салып, ала "
            "качып кеткен.\n"
            "2. Кыздын ата-энеси ошол эле түнү милицияга кайрылган. Кезметчи арызды "
            "каттабай, «эки үй-бүлө өздөрү сүйлөшсүн» деп кеңеш берген.\n"
            "3. Ж. Н. эки күндөн кийин гана үйүнө кайтып келген. Арыз үчүнчү күнү "
            "катталган, бирок шектүү кармалган эмес, ал эми иш тараптардын «жарашуусу» "
            "менен токтотулган.\n"
            "4. Улуттук соттор анын даттанууларын канааттандырган эмес. Ал БУУнун "
            "Аялдарды басмырлоону жоюу боюнча комитетине кайрылды."
        ),
        legal_questions=(
            "Милициянын арызды дароо каттабаганы мамлекеттин тийиштүү кылдаттык (due "
            "diligence) милдетин бузууга жатабы?\n"
            "Ишти «жарашуу» менен токтотуу Аялдарды басмырлоонун бардык түрлөрүн жоюу "
            "жөнүндө конвенциянын 2- жана 16-беренелерине шайкеш келеби?\n"
            "Жарандык жана саясий укуктар жөнүндө эл аралык пакттын 23-беренесинин "
            "3-бөлүгүндөгү «эркин жана толук макулдук» талабы бул учурда кантип корголушу "
            "керек эле?"
        ),
        instruments="udhr,iccpr,cedaw,constitution_kg",
        applicant_team="НМУ, юридика факультети, 3-курс",
        respondent_team="Нарын дебат коому — «Тең салмак» командасы",
        bench="Гүлмира Осмонова, адвокат (төрага)\nДоц. Болот Сыдыков, НМУ\n"
              "Айнура Жээнбекова, Акыйкатчынын Нарын облусундагы өкүлү",
    ),
    dict(
        club="naryn-debate-society", kind="civic_project", status="published", language="ky",
        day=12, at="11:00", duration=timedelta(days=90), topics=["participation"],
        title="Ат-Башы жаштар кеңеши",
        summary="Ат-Башы айылында жаштар айыл өкмөтүнө өз сунуштарын жеткире турган "
                "кеңеш түзөбүз.",
        description=(
            "Айылдык жаштардын көбү жергиликтүү бюджет кантип бөлүнөрүн билишпейт жана "
            "айыл кеңешинин отурумдарына катышпайт. Биз 16–25 жаштагы жаштардан турган "
            "кеңеш түзүп, анын айыл өкмөтү менен туруктуу байланышын камсыз кылгыбыз "
            "келет.\n\n"
            "**Эмне кылабыз:**\n\n"
            "- мектептерде жана колледжде жолугушуулар;\n"
            "- жаштардын муктаждыктары боюнча сурамжылоо;\n"
            "- кеңештин уставын даярдоо жана шайлоо;\n"
            "- айыл кеңешинин ачык отурумуна сунуштарды алып баруу.\n\n"
            "Катышууну каалагандар клубга кайрылгыла!"
        ),
        venue="Ат-Башы айылдык маданият үйү",
        goal="Ат-Башыда жаштардын үнү айыл өкмөтүнүн чечимдеринде угулушу үчүн шайланган "
             "жаштар кеңешин түзүү.",
        community="Ат-Башы айылы, Нарын облусу: 16–25 жаштагы жаштар",
        milestones=[
            ("Жаштардын муктаждыктары боюнча сурамжылоо", 25, "planned"),
            ("Кеңештин уставын даярдоо", 45, "planned"),
            ("Жаштар кеңешине шайлоо", 70, "planned"),
            ("Айыл кеңешинин ачык отурумуна сунуштарды алып баруу", 95, "planned"),
        ],
    ),
    # -- Karakol --------------------------------------------------------------
    dict(
        club="karakol-school-12", kind="debate", status="published", language="ru",
        day=-11, at="14:00", duration=timedelta(minutes=90), topics=["education", "children"],
        title="Смартфоны в школе: запретить на весь день?",
        summary="Ученики 9–11 классов спорили, помогает ли запрет телефонов учиться или "
                "нарушает право на информацию. Зал передумал.",
        description=(
            "Несколько стран уже запретили смартфоны в школах, и этот вопрос обсуждают в "
            "Кыргызстане. Мы спросили учеников: помогает ли запрет учиться или лишает их "
            "связи с родителями и доступа к информации?\n\n"
            "**Опора для аргументов:** статья 26 Всеобщей декларации прав человека (право "
            "на образование), статьи 13 и 17 Конвенции о правах ребёнка (свобода выражения "
            "и доступ к информации).\n\n"
            "Судьи — учителя и представители родительского комитета."
        ),
        venue="Школа №12, г. Каракол, актовый зал", capacity=120,
        motion="Эта палата запретила бы смартфоны в школах на весь учебный день",
        debate_format="karl_popper",
        proposition_team="10 «А» класс",
        proposition_speakers="Алина Шаповалова\nЭмир Султанов\nАйгерим Касымбекова",
        opposition_team="11 «Б» класс",
        opposition_speakers="Данияр Бектурганов\nПолина Ковалёва\nБекзат Иманкулов",
        voting_state="closed",
        votes={"before": (16, 8, 4), "after": (10, 15, 3)},
    ),
    dict(
        club="karakol-school-12", kind="civic_project", status="published", language="ru",
        day=-130, at="10:00", duration=timedelta(days=90), topics=["environment", "children"],
        title="Экопатруль: чистый берег Иссык-Куля",
        summary="Школьники Каракола за три месяца очистили три участка берега и добились "
                "установки контейнеров для раздельного сбора мусора.",
        description=(
            "Право на здоровую окружающую среду неотделимо от права на достойный уровень "
            "жизни (статья 25 Всеобщей декларации прав человека). Берег у Пристани "
            "Пржевальск после туристов усыпан пластиком и стеклом.\n\n"
            "Ученики школы №12 вместе с местной администрацией и волонтёрами:\n\n"
            "- составили карту мест, где мусор скапливается чаще всего;\n"
            "- провели три субботника;\n"
            "- добились установки контейнеров для раздельного сбора.\n\n"
            "Проект завершён — спасибо всем, кто помогал!"
        ),
        venue="Пристань Пржевальск, сбор у школы №12",
        goal="Очистить три участка берега и добиться постоянных контейнеров для раздельного "
             "сбора мусора.",
        community="Жители Пристани Пржевальск и Каракольского залива",
        milestones=[
            ("Карта мест скопления мусора", -120, "done"),
            ("Три субботника на берегу", -85, "done"),
            ("Контейнеры для раздельного сбора", -45, "done"),
        ],
        updates=[
            ("gulnara", -84,
             "**Итоги субботников:** 64 ученика и 20 родителей собрали около 180 мешков "
             "мусора, больше половины — пластиковые бутылки. Карту мест мы передали "
             "местной администрации."),
            ("gulnara", -44,
             "Контейнеры для пластика, стекла и остальных отходов установлены на трёх "
             "участках, вывоз — раз в неделю. Проект завершён, но экопатруль продолжит "
             "выходить на берег каждый месяц."),
        ],
    ),
    dict(
        club="karakol-school-12", kind="moot_court", status="published", language="ru",
        day=20, at="15:00", topics=["disability", "children", "education"],
        title="Учебный суд: дело Айданы — инклюзивное образование",
        summary="Школьники разберут дело девочки на инвалидной коляске, которой отказали "
                "в приёме в школу рядом с домом и предложили обучение на дому.",
        description=(
            "Учебный суд (moot court) для старшеклассников: команды готовят письменные "
            "позиции, а затем выступают перед составом судей. Консультируют студенты-юристы "
            "из Бишкека.\n\n"
            "Приглашаем родителей и учителей — после заседания обсудим, насколько доступны "
            "школы Каракола."
        ),
        venue="Школа №12, г. Каракол, кабинет истории и права", capacity=40,
        case_title="Айдана Т. против Кыргызской Республики",
        facts=(
            "1. Айдана Т., 8 лет, передвигается на инвалидной коляске из-за детского "
            "церебрального паралича.\n"
            "2. Ближайшая к дому школа отказала в приёме: в здании нет пандуса, а учителя "
            "«не готовы работать с такими детьми». Семье предложили обучение на дому.\n"
            "3. Районный отдел образования поддержал решение школы. Ближайшая доступная "
            "школа находится в 40 км.\n"
            "4. Мать Айданы обратилась в суд, ссылаясь на право на образование без "
            "дискриминации."
        ),
        legal_questions=(
            "Является ли отказ в приёме дискриминацией по признаку инвалидности (статья 24 "
            "Конвенции о правах инвалидов, статьи 2 и 28 Конвенции о правах ребёнка)?\n"
            "Какие «разумные приспособления» обязана обеспечить школа?\n"
            "Можно ли считать обучение на дому равноценной заменой?"
        ),
        instruments="udhr,crpd,crc,constitution_kg",
        applicant_team="Команда 11 «А» класса",
        respondent_team="Команда 10 «Б» класса",
        bench="Гульнара Асанова, учитель права (председатель)\n"
              "Айбек Джумалиев, юрист общественного фонда\n"
              "Нурлан Абдыкеримов, студент юридического факультета",
    ),
]

# Who came, per published event (by title). ``from``: the regions most of
# the audience lives in; ``registered``: online seats taken, the people named
# in ``also`` among them; ``waitlist``: people waiting for a seat, in order
# (the event is then full); ``cancelled``: people who registered and then
# cancelled; ``no_shows``: registered people who did not come. Events that
# have started have check-ins, and ``walk_ins`` (a name, and demographics only
# with consent: age band, gender, affiliation, region). ``certificates``: the
# share of the attendees who have opened their certificate (the people in
# ``also`` always have), ``revoked``: how many of those a club revoked.
ATTENDANCE = {
    # -- AUCA ---------------------------------------------------------------
    "Votes at 16: should Kyrgyzstan lower the voting age?": dict(
        regions=("bishkek", "chui"), registered=34, no_shows=5, cancelled=("jamila",),
        walk_ins=[("Асылбек Т.", ("18_24", "man", "student", "bishkek")),
                  ("Meder K.", ("18_24", "man", "student", "chui")),
                  ("Гость из КРСУ", None)],
    ),
    "Moot court: Dzhumabaev v. Kyrgyz Republic — the first hours in custody": dict(
        regions=("bishkek", "chui"), registered=26, no_shows=4, also=("citizen",),
        walk_ins=[("Saule B.", None),
                  ("Бурул", ("25_34", "woman", "ngo", "bishkek"))],
        certificates=0.7,
    ),
    "Свобода слова в интернете: где граница?": dict(
        regions=("bishkek", "chui"), registered=31, also=("citizen",),
        cancelled=("timur", "alina.p"),
    ),
    # -- Osh ----------------------------------------------------------------
    "Hamma uchun maktab: 14-maktabga pandus": dict(
        regions=("osh_city", "osh", "jalal_abad"), registered=17, no_shows=2,
        walk_ins=[("Nilufar opa", ("35_49", "woman", "teacher", "osh_city")),
                  ("Ota-ona (14-maktab)", None)],
    ),
    "Oʻquv sudi: ona tilida imtihon topshirish huquqi": dict(
        regions=("osh_city", "osh", "jalal_abad"), registered=24, no_shows=4,
        cancelled=("nodira",),
        walk_ins=[("Sevara", ("18_24", "woman", "student", "osh_city")),
                  ("Abdulla", ("18_24", "man", "student", "osh")),
                  ("Жоомарт", None)],
    ),
    "Maktabdagi pul yigʻimlari: taqiqlash kerakmi?": dict(
        regions=("osh_city", "osh", "jalal_abad"), registered=25,
        waitlist=("ravshan", "kanat", "citizen", "alex.m"),
    ),
    "Тынч чогулуштар: шаардын борборунда тыюу салууга болобу?": dict(
        regions=("osh_city", "osh", "jalal_abad"), registered=9,
    ),
    # -- Naryn --------------------------------------------------------------
    "Ала качуу: мектеп эмне кыла алат?": dict(
        regions=("naryn", "talas"), registered=30, no_shows=5,
        walk_ins=[("Айзада", ("under_18", "woman", "pupil", "naryn")),
                  ("Бактыгүл эже", ("35_49", "woman", "teacher", "naryn")),
                  ("Эламан", ("18_24", "man", "student", "naryn")),
                  ("Нурай", None), ("Асан ата", None)],
        certificates=0.6, revoked=1,
    ),
    "Моот-корт: «Ж. Н. Кыргыз Республикасына каршы» — ала качуу жана мамлекеттин милдети":
        dict(regions=("naryn", "talas"), registered=22),
    "Ат-Башы жаштар кеңеши": dict(regions=("naryn",), registered=12),
    # -- Karakol ------------------------------------------------------------
    "Смартфоны в школе: запретить на весь день?": dict(
        regions=("issyk_kul",), registered=24, no_shows=3,
        walk_ins=[("Алия, 10 «А»", ("under_18", "woman", "pupil", "issyk_kul")),
                  ("Мирлан, 9 «Б»", ("under_18", "man", "pupil", "issyk_kul")),
                  ("Эрке, 11 «А»", ("under_18", "woman", "pupil", "issyk_kul")),
                  ("Родитель ученика", None)],
    ),
    "Экопатруль: чистый берег Иссык-Куля": dict(
        regions=("issyk_kul",), registered=15, no_shows=2,
        walk_ins=[("Волонтёр из Бишкека", None)],
    ),
    "Учебный суд: дело Айданы — инклюзивное образование": dict(
        regions=("issyk_kul",), registered=18,
    ),
}

# -- Discussions --------------------------------------------------------------
# Words that hold a comment for review, in Russian, Kyrgyz and Uzbek.
WATCHED_WORDS = ["идиот", "акмак", "ahmoq"]


def _c(who: str, at: float, body: str, stance: str | None = None, replies=(), **fate) -> dict:
    """One comment of ``DISCUSSIONS``: its author, its time in hours from the
    event's end (from now while the event is still ahead or running), and its
    replies. ``fate`` is what became of it: ``status`` (pending, rejected,
    hidden, restored or deleted; published otherwise), ``reason``, ``appeal``,
    ``flags`` (reporter, reason, note), ``by`` (the deciding moderator)."""
    return dict(who=who, at=at, body=body, stance=stance, replies=list(replies), **fate)


# What people wrote under the events, in each event's language. In a
# pre-moderated club, a comment by someone with fewer than three approved
# comments was approved by a moderator first, and the approval is logged.
DISCUSSIONS = {
    "Votes at 16: should Kyrgyzstan lower the voting age?": [
        _c("citizen", -26, "At 16 you can work, pay taxes on your wages and, for serious crimes, "
           "answer in court. If the state can ask that much of us, it can also let us choose "
           "who sits on the city council.", "for", [
               _c("quiet_owl", -24, "Criminal responsibility is about protecting other people, "
                  "not a certificate of maturity. I'm not convinced the comparison works.",
                  "against", [
                      _c("citizen", -21, "Fair point. Then compare what 16-year-olds actually "
                         "live with: school budgets, buses, the smog in winter. They will live "
                         "with those decisions longer than any of us.", "for"),
                  ]),
               _c("kamila", 2, "The proposition's figure on first-time voters in Austria "
                  "surprised me: turnout at 16 was *higher* than at 18. Does anyone have the "
                  "source?", "neutral", [
                      _c("organiser", 4, "It comes from the Austrian National Election Study. "
                         "We'll share the link with the speakers' slides this week.", "neutral"),
                  ]),
           ]),
        _c("alex.m", 1, "Great debate, but I voted against and I'm staying against. Most "
           "16-year-olds I know would vote the way their parents tell them to.", "against", [
               _c("jamila", 3, "Plenty of 40-year-olds vote the way their boss or their family "
                  "tells them to, and nobody proposes to take their vote away.", "for", [
                      _c("alex.m", 5, "True. I'd still start with civic education and real "
                         "youth councils in every town, and lower the age once those work.",
                         "against"),
                  ]),
           ]),
        _c("citizen", 20, "Thank you to both teams! Next time could we invite someone from the "
           "Central Election Commission to explain what would change in practice: voter lists, "
           "polling stations, ID cards?", "neutral", by="admin"),
    ],
    "Свобода слова в интернете: где граница?": [
        _c("timur", -150, "Блокировать сайт без решения суда — значит лишать человека права "
           "защищаться. Суд может работать быстро: обеспечительные меры принимают за сутки.",
           "for", [
               _c("saltanat", -140, "Суды и так перегружены. Пока идёт процесс, фейк про "
                  "«опасную вакцину» успеет разойтись по всем родительским чатам области.",
                  "against", [
                      _c("timur", -138, "Тогда нужно ускорять суды, а не обходить их. Сегодня "
                         "блокируют фейк, а завтра — расследование журналистов, которое кому-то "
                         "неудобно.", "for"),
                      _c("citizen", -20, "В статье 19 МПГПП три условия для ограничений: "
                         "закон, законная цель и **необходимость**. Блокировка без суда плохо "
                         "проходит третье: кто проверит, что она была необходима?", "neutral"),
                  ]),
               _c("olga.s", -100, "Я учитель информатики. Дети спрашивают меня не о том, кто "
                  "заблокирует фейк, а о том, как его распознать. Давайте поговорим на дебатах "
                  "и о медиаграмотности.", "neutral", [
                      _c("organiser", -96, "Хорошая идея, Ольга. Добавим вопрос о "
                         "медиаграмотности в блок вопросов из зала.", "neutral"),
                  ]),
           ]),
        _c("saltanat", -90, "Вот живой пример: блогер «Сакен из Оша» врёт про нашу больницу. "
           "Его номер +996 555 12-34-56, живёт на ул. Курманжан Датки, 14 — пусть объяснится "
           "перед людьми.", "against", status="rejected",
           reason="Личные данные: телефон и домашний адрес человека (правила, п. 2 «Берегите "
                  "приватность»). Пример можно привести без них.",
           appeal="Этот номер он сам публикует в своём профиле для рекламы. Адрес я готова "
                  "убрать, но пример важен для дебатов — прошу пересмотреть."),
        _c("dmitry.k", -3, "Только идиот может верить, что суд успеет за фейком. Пока назначат "
           "заседание, полстраны уже поверит и перешлёт дальше.", "against", status="pending"),
        _c("nastya", -2, "Я за. Когда сайт блокируют без суда, никто не обязан объяснять "
           "причину. Суд хотя бы пишет мотивированное решение, и его можно обжаловать.", "for",
           status="pending"),
    ],
    "Maktabdagi pul yigʻimlari: taqiqlash kerakmi?": [
        _c("dilnoza", -120, "Ota-onalar har oy „sinf fondi“, „parda uchun“, „bayram uchun“ deb "
           "pul toʻlaydi. Taʼlim bepul boʻlishi kerak — bu Konstitutsiyada yozilgan. Men "
           "taqiqlash tarafdoriman.", "for", [
               _c("sardor", -116, "Men oʻqituvchiman. Davlat boʻyoq ham, boʻr ham bermasa, "
                  "sinfni kim taʼmirlaydi? Taqiqlasak, muammo yoʻqolmaydi, faqat yashirin "
                  "boʻlib qoladi.", "against", [
                      _c("dilnoza", -110, "Unda muammo davlat byudjetida, ota-onalarda emas. "
                         "Hech boʻlmaganda har bir soʻm uchun ochiq hisobot boʻlsin.", "for"),
                  ]),
               _c("jasur", -100, "Ixtiyoriy yigʻim bilan majburiy yigʻimni ajratish kerak. "
                  "Bizning sinfda pul bermagan bolaning ismini doskaga yozishgan — mana shu "
                  "taqiqlanishi shart.", "neutral"),
           ]),
        _c("mohira", -80, "Bizning maktabda yigʻilgan pul qayerga ketganini hech kim bilmaydi. "
           "Ota-onalar qoʻmitasidan soʻrasak, javob yoʻq.", "for", [
               _c("feruza", -78, "Mohira, savolingiz toʻgʻri. Ota-onalar qoʻmitasi har chorakda "
                  "hisobotni maktab guruhida eʼlon qilishi kerak — buni direktordan talab "
                  "qilish mumkin.", "neutral"),
           ], status="deleted"),
        _c("ulugbek", -70, "Qonunga koʻra maktabda har qanday pul yigʻish jinoyat hisoblanadi, "
           "shuning uchun bu mavzuni muhokama qilishning oʻzi ortiqcha.", "for",
           flags=[("sardor", "misinformation", ("Bu jinoyat emas: qonun faqat majburiy "
                                                 "toʻlovlarni taqiqlaydi. Manba kerak."))]),
        _c("sherzod", -30, "7-„B“ sinf rahbari Xolida Rahimovna har oy pul yigʻib, hech kimga "
           "hisob bermaydi. Uyi Navoiy koʻchasida — borib soʻrab koʻringlar, hammasi oʻsha "
           "uyga ketgan!", "against", status="hidden",
           flags=[("dilnoza", "personal_data", "Oʻqituvchining ismi va uy manzili yozilgan."),
                  ("feruza", "harassment", "Dalilsiz ayblov, odamni tahqirlash."),
                  ("gulchehra", "other", None)]),
    ],
    "Hamma uchun maktab: 14-maktabga pandus": [
        _c("feruza", -200, "Pandus qurilganidan keyin 14-maktabga nogironlar aravachasidagi "
           "ikki oʻquvchi qaytib keldi. Rahmat hammaga!", None, [
               _c("gulchehra", -190, "Keyingi qadam — birinchi qavatdagi hojatxona. Smeta "
                  "tayyor, homiy qidiryapmiz.", None, [
                      _c("otabek", -180, "Biz 9-sinf bilan xayriya yarmarkasi oʻtkazishimiz "
                         "mumkin. Kim qoʻshiladi?"),
                  ]),
           ]),
    ],
    "Ала качуу: мектеп эмне кыла алат?": [
        _c("meerim", -30, "Ала качуу — бул кылмыш, салт эмес. Мектепте 9-класстан баштап бул "
           "тууралуу ачык сүйлөшпөсөк, кыздар өз укугун билбей калат.", "for", [
               _c("cholpon", -28, "Мен 30 жыл мектепте иштедим. Милдеттүү сабак кошуу оңой, "
                  "бирок мугалимдерди ким даярдайт? Даярдыгы жок мугалим зыян да келтириши "
                  "мүмкүн.", "against", [
                      _c("meerim", -26, "Туура, Чолпон эже. Ошондуктан сабакты укук коргоочу "
                         "уюмдар менен бирге өткөрүү керек.", "for"),
                  ]),
               _c("nurbek", 3, "Дебаттан кийин мен да пикиримди өзгөрттүм. Эң күчтүү аргумент "
                  "— ата-энелерди да сабакка чакыруу идеясы болду.", "for"),
           ]),
        _c("aizhan", 5, "Кылмыш-жаза кодексинде ала качуу үчүн жаза бар, бирок айылдарда арыз "
           "жазгандар аз. Мектеп психологу эмне кыла алат деген суроо ачык калды.", "neutral", [
               _c("bakyt", 8, "Рахмат, Айжан! Кийинки жолугушууга мектеп психологун "
                  "чакырабыз.", "neutral", [
                      _c("aizhan", 10, "Сонун. Мен ишеним телефондору тууралуу маалымат алып "
                         "келем.", "neutral"),
                  ], by="admin"),
           ]),
        _c("kanat", 12, "Нарындагы эң арзан көмүр! Жеткирүү бекер, азыр эле чалыңыз.",
           "neutral", status="rejected", by="admin",
           reason="Жарнама жана темадан тышкары (эрежелер, 4-пункт «Темадан чыкпаңыз»)."),
    ],
    "Ат-Башы жаштар кеңеши": [
        _c("nurgul", -48, "Кеңешке шайлоо ачык болобу? Айылдардан келген жаштар да талапкер "
           "боло алабы?", None, [
               _c("bakyt", -40, "Ооба, Ат-Башы районундагы 16 жаштан 30 жашка чейинки ар бир "
                  "жаш талапкер боло алат. Тизмени кийинки жумада жарыялайбыз."),
           ]),
        _c("tilek", -4, "Кеңешти дагы эле айылдагы бир акмак чоңдор өздөрү тандап коёт, "
           "жаштардын үнү угулбайт.", status="pending"),
        _c("aigul", -1.5, "Мен алыскы айылданмын. Кеңештин жыйындары онлайн да өтсө жакшы "
           "болмок — бизден Ат-Башыга жетүү кыйын.", status="pending"),
    ],
    "Смартфоны в школе: запретить на весь день?": [
        _c("zarina", -20, "Я за запрет. На переменах все сидят в телефонах, никто ни с кем не "
           "разговаривает. В прошлом году в классном чате травили девочку из 8 класса.", "for", [
               _c("daniel.k", -18, "Травля в чате не закончится, если телефон лежит в "
                  "шкафчике: она просто продолжится после уроков. Нужен не запрет, а правила и "
                  "разговор.", "against", [
                      _c("svetlana", -16, "Даниэль прав в одном: запрет без работы с классом "
                         "ничего не решит. Но на уроке телефон должен лежать в сумке — это уже "
                         "правило школы.", "neutral"),
                  ]),
               _c("aiperi", 2, "А если родителям нужно срочно позвонить? Мама работает в "
                  "Бишкеке, я с ней связываюсь только по телефону.", "against", [
                      _c("gulnara", 4, "Айпери, в проекте решения есть исключение: звонок "
                         "родителям на большой перемене или через классного руководителя.",
                         "neutral"),
                  ]),
           ]),
        _c("emil", 3, "Светлана Петровна просто не умеет держать класс, вот и придумала запрет. "
           "Пусть сначала сама уберёт телефон на уроке.", "against", status="hidden",
           reason="Переход на личности: обсуждаем идеи, а не людей (правила, п. 1 «Уважайте "
                  "людей»).",
           flags=[("polina", "harassment", "Учителя называют по имени и высмеивают.")]),
        _c("nikita", 6, "По докладу ЮНЕСКО 2023 года, во многих странах ограничение телефонов в "
           "школах связано с лучшей успеваемостью. Правда, сами авторы пишут, что "
           "доказательства пока слабые.", "for", status="restored",
           reason="Мнение со ссылкой на источник; несогласие — не нарушение правил.",
           flags=[("daniel.k", "misinformation", "ЮНЕСКО такого не утверждало."),
                  ("emil", "off_topic", None),
                  ("arslan", "misinformation", "Где ссылка?")]),
    ],
}

# Sanctions: target, moderator, kind, reason, days of a mute, hours ago.
SANCTIONS = [
    ("emil", "moderator", "warn",
     ("Переход на личности в обсуждении дебатов школы №12. При повторном нарушении — "
      "временный запрет на комментарии."), None, 200),
    ("sherzod", "moderator", "mute",
     ("Oʻqituvchining ismi va uy manzilini eʼlon qilish, dalilsiz ayblov (qoidalar, 1 va "
      "2-band). 7 kunga izoh yozish taqiqlandi."), 7, 20),
]

# Keys of an EVENTS entry that are not event fields.
_EXTRA_KEYS = ("club", "status", "day", "at", "duration", "topics", "voting_state", "votes",
               "milestones", "updates", "judgement")


def _at(today: date, day: int, clock: str = "12:00") -> datetime:
    """``day`` days from today at ``clock`` Bishkek time, as an aware UTC datetime."""
    local = datetime.combine(today + timedelta(days=day), time.fromisoformat(clock), LOCAL_TZ)
    return local.astimezone(timezone.utc)


def _create_users(password: str) -> dict[str, User]:
    # Every demo account has the same password: hash it once, as scrypt is slow on purpose.
    password_hash = generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )
    users = {}
    for username, display_name, role in ACCOUNTS:
        users[username] = User(username=username, display_name=display_name, site_role=role,
                               password_hash=password_hash)
    for username, display_name, locale, age, gender, affiliation, region in (
            CITIZENS + VOTERS + AUDIENCE):
        user = User(username=username, display_name=display_name, site_role="citizen",
                    locale=locale, password_hash=password_hash)
        if age:
            user.give_demographics(age_band=age, gender=gender, affiliation=affiliation,
                                   region=region)
        users[username] = user
    users["citizen"].give_demographics(
        age_band="18_24", gender="woman", affiliation="student", region="osh_city"
    )
    db.session.add_all(users.values())
    return users


def _create_clubs(users: dict[str, User]) -> dict[str, Club]:
    clubs = {fields["slug"]: Club(**fields) for fields in CLUBS}
    for slug, username, role in MEMBERSHIPS:
        clubs[slug].add_member(users[username], role)
    db.session.add_all(clubs.values())
    return clubs


def _create_event(spec: dict, clubs: dict[str, Club], users: dict[str, User],
                  today: date) -> Event:
    club = clubs[spec["club"]]
    data = {key: value for key, value in spec.items() if key not in _EXTRA_KEYS}
    unknown = set(data) - set(EDITABLE_FIELDS)
    assert not unknown, f"not event fields: {unknown}"
    starts_at = _at(today, spec["day"], spec["at"])
    data.update(starts_at=starts_at, ends_at=starts_at + spec.get("duration", timedelta(hours=2)),
                region=club.region)

    now = utcnow()
    event = Event(club=club, status=spec["status"],
                  voting_state=spec.get("voting_state", "before_open"))
    if event.is_draft:
        event.created_at = now - timedelta(days=3)
    else:
        event.published_at = min(starts_at, now) - timedelta(days=12)
        event.created_at = event.published_at - timedelta(days=2)
    if event.is_published:
        event.checkin_code = new_checkin_code()
    if event.is_cancelled:
        event.cancelled_at = now - timedelta(days=2)
    db.session.add(event)
    _apply(event, data, spec["topics"])

    event.milestones = [
        Milestone(title=title, due_date=today + timedelta(days=day), status=status)
        for title, day, status in spec.get("milestones", ())
    ]
    event.updates = [
        ProgressUpdate(author_id=users[author].id, posted_on=today + timedelta(days=day),
                       posted_at=_at(today, day, "19:00"), body=body,
                       body_html=render_markdown(body))
        for author, day, body in spec.get("updates", ())
    ]
    if judgement := spec.get("judgement"):
        event.judgement_outcome = judgement["outcome"]
        event.judgement_reasoning = judgement["reasoning"]
        event.judgement_reasoning_html = render_markdown(judgement["reasoning"])
        event.judgement_published_at = _at(today, judgement["day"], "20:00")
    return event


def _votes(event: Event, counts: dict, voters: list[User], offset: int) -> list[Vote]:
    """Votes of ``counts`` voters, the same people in both phases so that the
    swing reads as minds changed. ``offset`` varies the audience per debate."""
    audience = voters[offset:] + voters[:offset]
    cast = {"before": min(event.starts_at, utcnow()) - timedelta(days=1),
            "after": event.ends_at}
    votes = []
    for phase, (n_for, n_against, n_undecided) in counts.items():
        choices = ["for"] * n_for + ["against"] * n_against + ["undecided"] * n_undecided
        assert len(choices) <= len(audience), "not enough demo voters"
        votes += [Vote(event_id=event.id, user_id=user.id, phase=phase, choice=choice,
                       created_at=cast[phase], updated_at=cast[phase])
                  for user, choice in zip(audience, choices)]
    return votes


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def _registrations(event: Event, spec: dict, audience: list[User], users: dict[str, User],
                   checker: User, crew: set, rng: random.Random,
                   now: datetime) -> tuple[list[Registration], list[User]]:
    """One event's registrations, check-ins, walk-ins and certificates, as in
    its ``ATTENDANCE`` entry. Returns the rows and the people who hold a seat
    or wait for one."""
    also = [users[name] for name in spec.get("also", ())]
    waitlist = [users[name] for name in spec.get("waitlist", ())]
    cancelled = [users[name] for name in spec.get("cancelled", ())]
    named = also + waitlist + cancelled
    assert len(set(named)) == len(named), f"someone named twice: {event.title}"

    # Mostly people from the club's own regions, a few from elsewhere; never
    # the club's own owner or organisers, who do the checking in.
    pool = [u for u in audience if u not in named and (event.club_id, u.id) not in crew]
    local = [u for u in pool if u.region in spec["regions"]]
    others = [u for u in pool if u.region not in spec["regions"]]
    rng.shuffle(local)
    rng.shuffle(others)
    wanted = spec["registered"] - len(also)
    n_local = min(len(local), round(wanted * 0.85))
    seated = also + local[:n_local] + others[:wanted - n_local]
    rng.shuffle(seated)
    assert len(seated) == spec["registered"], f"not enough demo people: {event.title}"
    assert event.capacity is None or len(seated) <= event.capacity, event.title
    assert not waitlist or len(seated) == event.capacity, "a waitlist needs a full event"

    # From publication until shortly before the start; the waitlist joined
    # after the last seat was taken.
    opened = event.published_at
    closed = min(event.starts_at - timedelta(hours=2), now - timedelta(hours=1))
    times = sorted(_between(rng, opened, closed) for _ in range(len(seated) + len(waitlist)))
    seats = {}
    rows = []
    for n, (user, at) in enumerate(zip(seated + waitlist, times)):
        row = Registration(event_id=event.id, user_id=user.id, source="online", registered_at=at,
                           status="registered" if n < len(seated) else "waitlisted")
        if n < len(seated):
            seats[user] = row
        rows.append(row)
    for user in cancelled:
        at = _between(rng, opened, closed)
        rows.append(Registration(event_id=event.id, user_id=user.id, source="online",
                                 status="cancelled", registered_at=at,
                                 cancelled_at=_between(rng, at, closed)))

    if event.starts_at >= now:
        return rows, seated + waitlist

    # Check-in at the door: about half by the organiser, the rest with the
    # code on the screen. People named in ``also`` always came.
    stayed_away = set(rng.sample([u for u in seated if u not in also], spec.get("no_shows", 0)))
    came = [user for user in seated if user not in stayed_away]
    for user in came:
        row = seats[user]
        row.checked_in_at = event.starts_at + timedelta(minutes=rng.randint(-40, 15))
        row.checked_in_by_id = user.id if rng.random() < 0.45 else checker.id
    for name, answers in spec.get("walk_ins", ()):
        at = event.starts_at + timedelta(minutes=rng.randint(-15, 30))
        row = Registration(event_id=event.id, source="walk_in", status="registered",
                           walk_in_name=name, registered_at=at, checked_in_at=at,
                           checked_in_by_id=checker.id, walk_in_consent=answers is not None)
        if answers:
            row.age_band, row.gender, row.affiliation, row.region = answers
        rows.append(row)

    # Certificates, for finished events: issued when an attendee first opens one.
    if spec.get("certificates") and event.has_ended(now):
        others_came = [user for user in came if user not in also]
        openers = rng.sample(others_came, round(len(others_came) * spec["certificates"]))
        for user in also + openers:
            seats[user].certificate_code = new_certificate_code()
        for user in rng.sample(openers, spec.get("revoked", 0)):
            seats[user].certificate_revoked_at = min(
                event.ends_at + timedelta(days=rng.randint(2, 6)), now - timedelta(hours=3))
    return rows, seated + waitlist


def _attendance(events: list[Event], users: dict[str, User], clubs: dict[str, Club]) -> int:
    """Registrations of the events in ``ATTENDANCE``. People registered for an
    event that was then cancelled were told, like its followers."""
    now = utcnow()
    rng = random.Random(20240601)  # the same demo every time
    audience = [users[row[0]] for row in CITIZENS + VOTERS + AUDIENCE]
    owners = {clubs[slug].id: users[name] for slug, name, role in MEMBERSHIPS if role == "owner"}
    crew = {(clubs[slug].id, users[name].id) for slug, name, role in MEMBERSHIPS
            if role in ("owner", "organiser")}
    followers = {(clubs[slug].id, users[name].id) for name, slug in FOLLOWS}
    by_title = {event.title: event for event in events}
    unknown = set(ATTENDANCE) - set(by_title)
    assert not unknown, f"no such demo events: {unknown}"

    rows = []
    for title, spec in ATTENDANCE.items():
        event = by_title[title]
        assert not event.is_draft, title
        new, people = _registrations(event, spec, audience, users, owners[event.club_id], crew,
                                     rng, now)
        rows += new
        if event.is_cancelled:
            notify([u.id for u in people if (event.club_id, u.id) not in followers],
                   "event_cancelled", event_id=event.id)
    db.session.add_all(rows)
    return len(rows)


def _follow_clubs(users: dict[str, User], clubs: dict[str, Club], events: list[Event]) -> None:
    """The follows, with the notifications their clubs' events would have sent."""
    now = utcnow()
    for username, slug in FOLLOWS:
        user_id, club_id = users[username].id, clubs[slug].id
        db.session.add(ClubFollow(user_id=user_id, club_id=club_id))
        for event in events:
            if event.club_id != club_id:
                continue
            if event.is_published and not event.has_ended(now):
                notify([user_id], "new_event", event_id=event.id)
            elif event.is_cancelled:
                notify([user_id], "event_cancelled", event_id=event.id)


def _threads(specs: list[dict], event: Event, anchor: datetime,
             parent: dict | None = None) -> list[dict]:
    """The comments of ``DISCUSSIONS`` as flat records, parents first."""
    records = []
    for spec in specs:
        record = {"spec": spec, "event": event, "parent": parent, "replies": [],
                  "at": anchor + timedelta(hours=spec["at"])}
        if parent is not None:
            assert record["at"] > parent["at"], spec["body"]
            parent["replies"].append(record)
        records.append(record)
        records += _threads(spec["replies"], event, anchor, record)
    return records


class _Moderation:
    """The log entries and notifications of the demo's moderation, each at
    the time it happened; notifications older than three days were read."""

    def __init__(self, now: datetime):
        self.now = now
        self.rows = []

    def log(self, actor: User | None, action: str, at: datetime, comment: Comment | None = None,
            target: User | None = None, reason: str | None = None,
            until: datetime | None = None) -> None:
        assert at < self.now, action
        self.rows.append(ModerationAction(
            actor_id=actor.id if actor else None, action=action, created_at=at,
            comment_id=comment.id if comment else None,
            event_id=comment.event_id if comment else None,
            target_user_id=target.id if target else comment.author_id,
            reason=reason, until=until))

    def tell(self, user: User, kind: str, at: datetime, comment: Comment | None = None,
             detail: str | None = None) -> None:
        self.rows.append(Notification(
            user_id=user.id, kind=kind, created_at=at, detail=detail,
            event_id=comment.event_id if comment else None,
            comment_id=comment.id if comment else None,
            read_at=at + timedelta(hours=1) if at < self.now - timedelta(days=3) else None))

    def decide(self, comment: Comment, moderator: User, action: str, at: datetime,
               reason: str | None = None) -> None:
        comment.decided_at, comment.decided_by_id, comment.decision_reason = (
            at, moderator.id, reason)
        self.log(moderator, action, at, comment, reason=reason)
        kind = {"approve": "comment_approved", "reject": "comment_rejected",
                "hide": "comment_hidden", "restore": "comment_restored"}[action]
        self.tell(comment.author, kind, at, comment, reason)


def _discussions(events: list[Event], users: dict[str, User]) -> int:
    """The comments of ``DISCUSSIONS`` with everything that became of them:
    approvals, rejections, an appeal, flags, hiding, deletion and the
    moderation log, then the ``SANCTIONS``."""
    now = utcnow()
    by_title = {event.title: event for event in events}
    records = []
    for title, specs in DISCUSSIONS.items():
        event = by_title[title]
        assert event.is_published, title
        anchor = event.ends_at if event.has_ended(now) else now
        records += _threads(specs, event, anchor)
    for record in records:
        spec, event, parent = record["spec"], record["event"], record["parent"]
        assert (spec["stance"] is not None) == (event.kind == "debate"), spec["body"]
        assert event.published_at < record["at"] < now, spec["body"]
        depth = parent["comment"].depth + 1 if parent else 1
        assert depth <= MAX_DEPTH, spec["body"]
        record["comment"] = Comment(
            event=event, author=users[spec["who"]], depth=depth,
            parent=parent["comment"] if parent else None, body=spec["body"],
            body_html=render_markdown(spec["body"]), stance=spec["stance"],
            status="published", created_at=record["at"])
    db.session.add_all(record["comment"] for record in records)
    words = [WatchedWord(word=word.casefold(), created_at=now - timedelta(days=40))
             for word in WATCHED_WORDS]
    db.session.add_all(words)
    db.session.flush()  # ids for the flags, the log and the notifications

    trusted_after = current_app.config["TRUSTED_AFTER_APPROVED_COMMENTS"]
    approved = Counter()
    out = _Moderation(now)
    for record in sorted(records, key=lambda r: r["at"]):
        spec, comment, at = record["spec"], record["comment"], record["at"]
        author, status = comment.author, spec.get("status", "published")
        moderator = users[spec.get("by", "moderator")]
        watched = matches_watched_word(spec["body"], WATCHED_WORDS)
        held = watched or (comment.event.club.moderation_mode == "pre"
                           and approved[author.username] < trusted_after)
        # A moderator looks at a held comment within two hours, before anyone replies.
        first_reply = min([r["at"] for r in record["replies"]] + [now])
        reviewed = at + min(timedelta(hours=2), (first_reply - at) / 2)
        if status in ("pending", "rejected"):
            assert held and not record["replies"], spec["body"]
            comment.status = status
            comment.held_for = "watched_word" if watched else "pre_moderation"
            if status == "rejected":
                assert spec["reason"] and moderator != author
                out.decide(comment, moderator, "reject", reviewed, spec["reason"])
                if spec.get("appeal"):
                    comment.appeal_message = spec["appeal"]
                    comment.appealed_at = reviewed + (now - reviewed) / 3
            continue

        published = at
        if held:
            out.decide(comment, moderator, "approve", reviewed)
            approved[author.username] += 1
            published = reviewed
        parent = record["parent"]
        if parent and parent["comment"].author is not author:
            out.tell(parent["comment"].author, "reply", published, comment)

        flags = spec.get("flags", ())
        step = min(timedelta(hours=3), (now - published) / (len(flags) + 3))
        flagged, flag_rows = published, []
        for reporter, reason, note in flags:
            assert reporter != author.username
            flagged += step
            flag_rows.append(Flag(comment_id=comment.id, reporter_id=users[reporter].id,
                                  reason=reason, note=note, created_at=flagged))
        out.rows += flag_rows
        comment.open_flags = len(flags)
        if status in ("hidden", "restored") and not (status == "hidden" and spec.get("reason")):
            # Three flags from different people hid it until a moderator looks.
            assert len(flags) == 3, spec["body"]
            comment.status, comment.held_for = "hidden", "flags"
            out.log(None, "auto_hide", flagged, comment, reason="three_flags")
        if status in ("hidden", "restored") and spec.get("reason"):
            action = "hide" if status == "hidden" else "restore"
            decided = flagged + step
            out.decide(comment, moderator, action, decided, spec["reason"])
            for flag in flag_rows:
                flag.resolved_at, flag.resolution = decided, action
            comment.status = "hidden" if action == "hide" else "published"
            comment.held_for = None
            comment.open_flags = len(flags) if action == "hide" else 0
        if status == "deleted":
            assert record["replies"], "a deleted comment keeps its replies' place"
            comment.status, comment.body, comment.body_html = "deleted", "", ""

    for username, by, kind, reason, days, hours_ago in SANCTIONS:
        target, at = users[username], now - timedelta(hours=hours_ago)
        until = at + timedelta(days=days) if days else None
        if kind == "mute":
            target.muted_until = until
        out.log(users[by], kind, at, target=target, reason=reason, until=until)
        out.tell(target, {"warn": "warned", "mute": "muted"}[kind], at, detail=reason)

    for username, count in approved.items():
        users[username].approved_comment_count = count
    # In time order, so that the log's ids follow its dates.
    db.session.add_all(sorted(out.rows, key=lambda row: row.created_at))
    return len(records)


def seed(password: str) -> str:
    seed_topics()
    today = utcnow().astimezone(LOCAL_TZ).date()
    users = _create_users(password)
    clubs = _create_clubs(users)
    db.session.flush()  # ids for the progress updates, votes and follows

    events = [_create_event(spec, clubs, users, today) for spec in EVENTS]
    db.session.flush()

    voters = [users[row[0]] for row in CITIZENS + VOTERS]
    votes = []
    for n, (event, spec) in enumerate(zip(events, EVENTS)):
        if "votes" in spec:
            votes += _votes(event, spec["votes"], voters, offset=(7 * n) % len(voters))
    db.session.add_all(votes)
    _follow_clubs(users, clubs, events)
    registrations = _attendance(events, users, clubs)
    comments = _discussions(events, users)
    db.session.commit()
    return (f"Created {len(users)} users, {len(clubs)} clubs, {len(events)} events, "
            f"{len(votes)} votes, {registrations} registrations and {comments} comments.")
