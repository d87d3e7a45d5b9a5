"""Osh Youth Rights (an NGO), Osh: its events, who came, what people wrote."""

from datetime import timedelta

from .helpers import comment as _c

EVENTS = [
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
        cancellation_reason="Университет ошол күнү залды бере албай калды. Жаңы күнүн "
                            "жакында жарыялайбыз; катталгандарга өзүнчө кабар беребиз.",
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
]

# Who came (see ``data/__init__.py``).
ATTENDANCE = {
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
}

# What people wrote (see ``helpers.comment``).
DISCUSSIONS = {
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
}
