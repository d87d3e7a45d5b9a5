"""AUCA Human Rights Debate Club, Bishkek: its events, who came, what people wrote."""

from datetime import timedelta

from .helpers import comment as _c

EVENTS = [
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
]

# Who came (see ``data/__init__.py``).
ATTENDANCE = {
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
    ),
    "Свобода слова в интернете: где граница?": dict(
        regions=("bishkek", "chui"), registered=31, also=("citizen",),
        cancelled=("timur", "alina.p"),
    ),
}

# What people wrote (see ``helpers.comment``).
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
}
