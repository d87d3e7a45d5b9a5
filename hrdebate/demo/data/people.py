"""The demo's people: the four accounts to log in with, and an audience of
ordinary members from every region, in four languages. Most of them answered
the optional demographic questions (age band, gender, affiliation, region),
so that turnout shows real numbers; the rest left them blank."""

ACCOUNTS = [
    # username, display name, site role, locale (the language each signed up in)
    ("admin", "Айгерим (admin)", "admin", "ru"),
    ("moderator", "Модератор Данияр", "moderator", "ru"),
    ("organiser", "Nurlan — Human Rights Club", "citizen", "en"),
    ("citizen", "Aziza", "citizen", "uz"),
]

# Answers of the accounts above to the demographic questions, given with consent.
ACCOUNT_DEMOGRAPHICS = {
    "citizen": ("18_24", "woman", "student", "osh_city"),
}

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
