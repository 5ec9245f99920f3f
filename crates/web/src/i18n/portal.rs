//! The portal: navigation, home, sign-in, applying, the citizen's cabinet, the service desks.

/// (key, [kk, ru, en])
pub(super) static MESSAGES: &[(&str, [&str; 3])] = &[
    (
        "app.name",
        [
            "Qyzmet — мемлекеттік қызметтер",
            "Qyzmet — государственные услуги",
            "Qyzmet — public services",
        ],
    ),
    (
        "app.tagline",
        [
            "Регламенттен тікелей орындалатын мемлекеттік қызметтер",
            "Государственные услуги, исполняемые прямо по регламенту",
            "Public services run straight from their regulations",
        ],
    ),
    ("nav.catalogue", ["Қызметтер", "Услуги", "Services"]),
    (
        "nav.cabinet",
        ["Жеке кабинет", "Личный кабинет", "My cabinet"],
    ),
    ("nav.desk", ["Жұмыс тізімі", "Список задач", "Work list"]),
    (
        "nav.centre",
        ["ХҚО операторы", "Оператор ЦОН", "Service centre desk"],
    ),
    ("nav.supervisor", ["Бақылау", "Мониторинг", "Supervision"]),
    ("nav.login", ["Кіру", "Войти", "Sign in"]),
    ("nav.logout", ["Шығу", "Выйти", "Sign out"]),
    (
        "nav.skip",
        [
            "Негізгі мазмұнға өту",
            "Перейти к содержимому",
            "Skip to content",
        ],
    ),
    ("nav.language", ["Тіл", "Язык", "Language"]),
    (
        "home.title",
        [
            "Мемлекеттік қызметтер каталогы",
            "Каталог государственных услуг",
            "Catalogue of public services",
        ],
    ),
    ("home.region", ["Өңір", "Регион", "Region"]),
    (
        "home.providers",
        ["Қызмет берушілер", "Услугодатели", "Providers"],
    ),
    (
        "home.channels",
        ["Жүгіну тәсілдері", "Способы обращения", "Channels"],
    ),
    ("home.apply", ["Өтініш беру", "Подать заявление", "Apply"]),
    ("home.regulation", ["Регламент", "Регламент", "Regulation"]),
    (
        "home.repealed",
        ["күші жойылған", "утратил силу", "repealed"],
    ),
    ("home.in_force", ["қолданыста", "действует", "in force"]),
    (
        "home.sign_in_to_apply",
        [
            "Өтініш беру үшін кіріңіз",
            "Войдите, чтобы подать заявление",
            "Sign in to apply",
        ],
    ),
    ("login.title", ["Жүйеге кіру", "Вход в систему", "Sign in"]),
    (
        "login.login",
        [
            "ЖСН немесе қызметкер логині",
            "ИИН или логин сотрудника",
            "IIN or staff login",
        ],
    ),
    ("login.password", ["Құпия сөз", "Пароль", "Password"]),
    ("login.submit", ["Кіру", "Войти", "Sign in"]),
    (
        "login.demo",
        [
            "Демо тіркелгілердің құпия сөзі: demo",
            "Пароль демо-учётных записей: demo",
            "Demo accounts' password: demo",
        ],
    ),
    (
        "login.demo_citizens",
        [
            "Өтініш берушілер (ЖСН)",
            "Заявители (ИИН)",
            "Applicants (IIN)",
        ],
    ),
    (
        "login.demo_staff",
        [
            "Қызметкерлер (әр өңірде әр рөлге бір тіркелгі)",
            "Сотрудники (по учётной записи на каждую роль в каждом регионе)",
            "Staff (one account per role in each region)",
        ],
    ),
    ("apply.title", ["Өтініш", "Заявление", "Application"]),
    (
        "apply.provider",
        ["Қызмет беруші", "Услугодатель", "Provider"],
    ),
    (
        "apply.route",
        ["Жүгіну тәсілі", "Способ обращения", "Channel"],
    ),
    (
        "apply.applicant",
        [
            "Көрсетілетін қызметті алушының ЖСН",
            "ИИН услугополучателя",
            "Applicant's IIN",
        ],
    ),
    (
        "apply.applicant_name",
        [
            "Аты-жөні (ЖТ МДҚ бойынша)",
            "ФИО (по ГБД ФЛ)",
            "Full name (state database of individuals)",
        ],
    ),
    (
        "apply.applicant_address",
        [
            "Тіркелген мекенжайы",
            "Адрес регистрации",
            "Registered address",
        ],
    ),
    (
        "apply.data_unobtainable",
        [
            "Деректерді алу мүмкін емес: ЖСН жеке тұлғалар деректер қорында табылмады.",
            "Данные невозможно получить: ИИН не найден в базе данных физических лиц.",
            "The data cannot be obtained: the IIN is not in the database of individuals.",
        ],
    ),
    (
        "apply.representative_iin",
        ["Өкілдің ЖСН", "ИИН представителя", "Representative's IIN"],
    ),
    (
        "apply.check_power",
        [
            "Сенімхатты тексеру (БНАЖ)",
            "Проверить доверенность (ЕНИС)",
            "Check the power of attorney (notary system)",
        ],
    ),
    (
        "apply.representative",
        [
            "Өкіл (аты-жөні), болса",
            "Представитель (ФИО), если есть",
            "Representative (full name), if any",
        ],
    ),
    (
        "apply.power_of_attorney",
        [
            "Сенімхаттың нөмірі мен күні",
            "Номер и дата доверенности",
            "Power of attorney number and date",
        ],
    ),
    (
        "apply.form",
        ["Өтініш деректері", "Данные заявления", "Application data"],
    ),
    ("apply.documents", ["Құжаттар", "Документы", "Documents"]),
    ("apply.handed_in", ["ұсынылды", "представлен", "handed in"]),
    (
        "apply.upload",
        [
            "Файл (PDF, JPEG, PNG, 5 МБ дейін)",
            "Файл (PDF, JPEG, PNG, до 5 МБ)",
            "File (PDF, JPEG, PNG, up to 5 MB)",
        ],
    ),
    (
        "apply.consent",
        [
            "Ақпараттық жүйелердегі заңмен қорғалатын құпияны құрайтын мәліметтерді пайдалануға келісемін",
            "Даю согласие на использование сведений, составляющих охраняемую законом тайну, содержащихся в информационных системах",
            "I consent to the use of information protected by law held in information systems",
        ],
    ),
    (
        "apply.submit",
        [
            "Өтінішті жіберу",
            "Отправить заявление",
            "Submit the application",
        ],
    ),
    (
        "apply.not_on_portal",
        [
            "Бұл қызметті порталда алуға болмайды: қызмет берушіге немесе Мемлекеттік корпорацияға жүгініңіз.",
            "Эту услугу нельзя получить на портале: обратитесь к услугодателю или в Госкорпорацию.",
            "This service is not available on the portal: apply at the provider or the State Corporation.",
        ],
    ),
    ("apply.required", ["міндетті", "обязательно", "required"]),
    ("apply.yes", ["иә", "да", "yes"]),
    (
        "cabinet.title",
        ["Менің өтініштерім", "Мои заявления", "My applications"],
    ),
    (
        "cabinet.empty",
        [
            "Өтініштер әзірге жоқ.",
            "Заявлений пока нет.",
            "No applications yet.",
        ],
    ),
    (
        "cabinet.notifications",
        ["Хабарламалар", "Уведомления", "Notifications"],
    ),
    (
        "cabinet.no_notifications",
        ["Хабарлама жоқ", "Уведомлений нет", "No notifications"],
    ),
    (
        "cabinet.mark_read",
        [
            "Оқылды деп белгілеу",
            "Отметить прочитанным",
            "Mark as read",
        ],
    ),
    (
        "nav.monitoring",
        [
            "Сапа мониторингі",
            "Мониторинг качества",
            "Quality monitoring",
        ],
    ),
    (
        "desk.title",
        ["Менің жұмыс тізімім", "Мой список задач", "My work list"],
    ),
    (
        "desk.empty",
        [
            "Ашық тапсырмалар жоқ.",
            "Открытых задач нет.",
            "No open tasks.",
        ],
    ),
    ("desk.case", ["Өтініш", "Заявление", "Case"]),
    ("desk.task", ["Тапсырма", "Задача", "Task"]),
    ("desk.due", ["Мерзімі", "Срок", "Due"]),
    (
        "desk.recent",
        [
            "Бөлімшенің соңғы өтініштері",
            "Последние заявления подразделения",
            "Recent cases of my unit",
        ],
    ),
    (
        "centre.title",
        [
            "Мемлекеттік корпорация: өтінішті қабылдау",
            "Госкорпорация: приём заявления",
            "State Corporation: taking an application",
        ],
    ),
    (
        "centre.queue",
        [
            "Электрондық кезек",
            "Электронная очередь",
            "Electronic queue",
        ],
    ),
    (
        "centre.take_ticket",
        ["Келесі талон", "Следующий талон", "Next ticket"],
    ),
    ("centre.ticket", ["Талон", "Талон", "Ticket"]),
    (
        "centre.choose",
        ["Қызметті таңдаңыз", "Выберите услугу", "Choose the service"],
    ),
    (
        "regulation.provenance",
        [
            "Сандардың дереккөзі",
            "Источник каждого числа",
            "Where each number comes from",
        ],
    ),
    ("regulation.step", ["Рәсім", "Процедура", "Step"]),
    ("regulation.limit", ["Мерзімі", "Срок", "Limit"]),
    (
        "regulation.seed",
        [
            "Дереккөз (файл, жол, тармақ)",
            "Источник (файл, строка, пункт)",
            "Source (file, line, paragraph)",
        ],
    ),
    (
        "regulation.term",
        [
            "Қызмет көрсету мерзімі",
            "Срок оказания услуги",
            "Service term",
        ],
    ),
    ("regulation.para", ["тармақ", "пункт", "para."]),
    ("regulation.line", ["жол", "строка", "line"]),
    ("unit.minutes", ["минут", "минут", "minutes"]),
    ("unit.hours", ["сағат", "часов", "hours"]),
    (
        "unit.working_days",
        ["жұмыс күні", "рабочих дней", "working days"],
    ),
    (
        "unit.calendar_days",
        ["күнтізбелік күн", "календарных дней", "calendar days"],
    ),
    ("unit.months", ["ай", "месяцев", "months"]),
    (
        "region.aktobe",
        ["Ақтөбе облысы", "Актюбинская область", "Aktobe region"],
    ),
    (
        "region.karaganda-balkhash",
        [
            "Балқаш қаласы (Қарағанды облысы)",
            "Город Балхаш (Карагандинская область)",
            "Balkhash city (Karaganda region)",
        ],
    ),
    (
        "region.kostanay",
        ["Қостанай облысы", "Костанайская область", "Kostanay region"],
    ),
    (
        "region.kyzylorda",
        [
            "Қызылорда облысы",
            "Кызылординская область",
            "Kyzylorda region",
        ],
    ),
    (
        "region.west-kazakhstan",
        [
            "Батыс Қазақстан облысы",
            "Западно-Казахстанская область",
            "West Kazakhstan region",
        ],
    ),
    (
        "channel.provider_office",
        [
            "Қызмет берушінің кеңсесі",
            "Канцелярия услугодателя",
            "Provider's office",
        ],
    ),
    (
        "channel.service_centre",
        [
            "Мемлекеттік корпорация (ХҚО)",
            "Госкорпорация (ЦОН)",
            "State Corporation (PSC)",
        ],
    ),
    (
        "channel.portal",
        [
            "«Электрондық үкімет» порталы",
            "Портал «электронного правительства»",
            "E-government portal",
        ],
    ),
    (
        "channel.rural_akim",
        ["Ауылдық округ әкімі", "Аким сельского округа", "Rural akim"],
    ),
    (
        "time.working_days",
        ["жұм. күн", "раб. дн.", "working days"],
    ),
    ("time.hours", ["сағ", "ч", "h"]),
    ("time.minutes", ["мин", "мин", "min"]),
    ("time.left", ["қалды", "осталось", "left"]),
    (
        "time.overdue_by",
        ["мерзімі өтті:", "просрочено на", "overdue by"],
    ),
];
