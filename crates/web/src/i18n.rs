//! Messages of the web application in Kazakh (default), Russian and English.
//!
//! Every key has all three texts (the table's type makes a missing one a
//! compile error); a key a template asks for that is not here fails the
//! render, which the page tests catch in every language.

use axum::extract::Request;
use axum::http::header;
use qyzmet_core::Lang;

pub const LANG_COOKIE: &str = "qz_lang";

/// (key, [kk, ru, en])
static MESSAGES: &[(&str, [&str; 3])] = &[
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
        "supervisor.gateway",
        [
            "Электрондық үкімет шлюзі (соңғы 24 сағат)",
            "Шлюз электронного правительства (последние 24 часа)",
            "E-government gateway (last 24 hours)",
        ],
    ),
    (
        "supervisor.gateway_off",
        [
            "Шлюз бапталмаған: жүйелерге сұраулар қолмен тексеруге түседі.",
            "Шлюз не настроен: запросы в системы уходят на ручную проверку.",
            "No gateway configured: requests to the systems become manual checks.",
        ],
    ),
    ("supervisor.calls", ["Шақырулар", "Вызовы", "Calls"]),
    ("supervisor.errors", ["Қателер", "Ошибки", "Errors"]),
    ("supervisor.waiting", ["Кезекте", "В очереди", "Waiting"]),
    (
        "supervisor.retrying",
        ["қайталануда", "повторяются", "retrying"],
    ),
    (
        "supervisor.reconciliation",
        [
            "Төлемдерді салыстыру",
            "Сверка выплат",
            "Payment reconciliation",
        ],
    ),
    (
        "supervisor.differences",
        ["айырмашылық", "расхождений", "differences"],
    ),
    (
        "case.systems",
        [
            "Мемлекеттік ақпараттық жүйелерге сұраулар",
            "Запросы в государственные информационные системы",
            "Requests to state information systems",
        ],
    ),
    ("case.system", ["Жүйе", "Система", "System"]),
    ("case.requested", ["Сұралды", "Запрошено", "Requested"]),
    ("case.request_status", ["Күйі", "Состояние", "Status"]),
    ("case.answer", ["Жауап", "Ответ", "Answer"]),
    (
        "case.exchanges",
        [
            "ЭҮШ арқылы алмасулар",
            "Обмены через ШЭП",
            "Exchanges through the gateway",
        ],
    ),
    ("case.sent_at", ["Жіберілді", "Отправлено", "Sent"]),
    ("case.exchange_status", ["Нәтиже", "Результат", "Result"]),
    ("case.messages", ["Хабарламалар", "Сообщения", "Messages"]),
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
    ("case.title", ["Өтініш", "Заявление", "Application"]),
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
        "monitoring.title",
        [
            "Мемлекеттік қызметтер көрсету сапасының мониторингі",
            "Мониторинг качества оказания государственных услуг",
            "Monitoring of the quality of public services",
        ],
    ),
    ("monitoring.period", ["Кезең", "Период", "Period"]),
    ("monitoring.from", ["Басы", "С", "From"]),
    ("monitoring.to", ["Соңы", "По", "To"]),
    ("monitoring.any", ["Барлығы", "Все", "All"]),
    ("monitoring.show", ["Көрсету", "Показать", "Show"]),
    (
        "monitoring.provider",
        ["Көрсетілетін қызметті беруші", "Услугодатель", "Provider"],
    ),
    ("monitoring.service", ["Қызмет", "Услуга", "Service"]),
    (
        "monitoring.channel",
        ["Жүгіну тәсілі", "Способ обращения", "Channel"],
    ),
    (
        "monitoring.received",
        ["Қабылданды", "Поступило", "Received"],
    ),
    ("monitoring.closed", ["Аяқталды", "Завершено", "Closed"]),
    (
        "monitoring.delivered",
        ["Көрсетілді", "Оказано", "Delivered"],
    ),
    (
        "monitoring.refused",
        ["Бас тартылды", "Отказано", "Refused"],
    ),
    (
        "monitoring.refused_to_accept",
        [
            "Қабылдаудан бас тартылды",
            "Отказано в приеме",
            "Refused to accept",
        ],
    ),
    ("monitoring.on_time", ["Мерзімінде", "В срок", "On time"]),
    (
        "monitoring.late",
        ["Мерзімі өткен", "С нарушением срока", "Late"],
    ),
    (
        "monitoring.on_time_share",
        ["Мерзімінде, %", "В срок, %", "On time, %"],
    ),
    (
        "monitoring.late_max",
        [
            "Ең көп кешігу, жұмыс минуты",
            "Наибольшая просрочка, рабочих минут",
            "Latest, working minutes",
        ],
    ),
    (
        "monitoring.appealed",
        ["Шағым берілді", "Обжаловано", "Appealed"],
    ),
    (
        "monitoring.upheld",
        [
            "Шағым қанағаттандырылды",
            "Жалоб удовлетворено",
            "Appeals upheld",
        ],
    ),
    (
        "monitoring.overdue_open",
        [
            "Мерзімі өтіп, ашық",
            "Открыто с просрочкой",
            "Open, overdue",
        ],
    ),
    ("monitoring.appeals", ["Шағымдар", "Жалобы", "Appeals"]),
    (
        "monitoring.trend",
        ["Апта бойынша", "По неделям", "By week"],
    ),
    (
        "monitoring.slowest",
        [
            "Ең баяу қадамдар (жұмыс минуты)",
            "Самые медленные шаги (рабочие минуты)",
            "Slowest steps (working minutes)",
        ],
    ),
    ("monitoring.step", ["Қадам", "Шаг", "Step"]),
    ("monitoring.visits", ["Өту саны", "Прохождений", "Visits"]),
    ("monitoring.median", ["Медиана", "Медиана", "Median"]),
    (
        "monitoring.p90",
        ["90-процентиль", "90-й процентиль", "90th percentile"],
    ),
    ("monitoring.max", ["Ең көп", "Максимум", "Max"]),
    ("monitoring.minutes", ["мин", "мин", "min"]),
    ("monitoring.export", ["Жүктеп алу", "Выгрузить", "Export"]),
    ("monitoring.totals", ["Барлығы", "Итого", "Totals"]),
    (
        "monitoring.empty",
        [
            "Кезеңде өтініш жоқ",
            "За период заявок нет",
            "No applications in the period",
        ],
    ),
    (
        "monitoring.as_of",
        [
            "Оқиғалар журналының жазбасы бойынша",
            "По записи журнала событий",
            "As of event log entry",
        ],
    ),
    (
        "case.appeal",
        ["Шағым беру", "Подать жалобу", "File an appeal"],
    ),
    (
        "case.appeals",
        [
            "Осы өтініш бойынша шағымдар",
            "Жалобы по этой заявке",
            "Appeals about this application",
        ],
    ),
    (
        "case.about_case",
        [
            "Шағым жасалған өтініш",
            "Заявка, на которую подана жалоба",
            "The application appealed against",
        ],
    ),
    (
        "case.reopened",
        [
            "Шағым қанағаттандырылды: өтініш қайта қаралуда",
            "Жалоба удовлетворена: заявка рассматривается заново",
            "Appeal upheld: the application is being reconsidered",
        ],
    ),
    ("case.number", ["Нөмірі", "Номер", "Number"]),
    ("case.service", ["Қызмет", "Услуга", "Service"]),
    ("case.status", ["Мәртебесі", "Статус", "Status"]),
    (
        "case.submitted",
        ["Берілген күні", "Дата подачи", "Submitted"],
    ),
    ("case.accepted", ["Қабылданды", "Принято", "Accepted"]),
    (
        "case.due",
        [
            "Нәтиже берілетін мерзім",
            "Срок выдачи результата",
            "Result due",
        ],
    ),
    ("case.left", ["Қалған уақыт", "Осталось", "Time left"]),
    ("case.result", ["Нәтиже", "Результат", "Result"]),
    (
        "case.ground",
        ["Бас тарту негізі", "Основание отказа", "Ground of refusal"],
    ),
    (
        "case.timeline",
        ["Өтініштің жолы", "Ход рассмотрения", "Timeline"],
    ),
    ("case.documents", ["Құжаттар", "Документы", "Documents"]),
    (
        "case.attachments",
        ["Тіркелген файлдар", "Приложенные файлы", "Attached files"],
    ),
    (
        "case.form",
        ["Өтініш деректері", "Данные заявления", "Application data"],
    ),
    (
        "case.tasks",
        ["Ашық тапсырмалар", "Открытые задачи", "Open tasks"],
    ),
    ("case.receipt", ["Қолхат", "Расписка", "Receipt"]),
    (
        "case.print_receipt",
        [
            "Қолхатты басып шығару",
            "Распечатать расписку",
            "Print the receipt",
        ],
    ),
    (
        "case.withdraw",
        [
            "Өтінішті кері қайтарып алу",
            "Отозвать заявление",
            "Withdraw the application",
        ],
    ),
    (
        "case.extended",
        ["мерзімі ұзартылды", "срок продлён", "term extended"],
    ),
    ("case.executor", ["Орындаушы", "Исполнитель", "Executor"]),
    ("case.step", ["Рәсім", "Процедура", "Step"]),
    ("case.role", ["Орындаушы бөлімше", "Исполнитель", "Role"]),
    ("case.entered", ["Басталды", "Начато", "Started"]),
    ("case.left_at", ["Аяқталды", "Завершено", "Finished"]),
    ("case.outcome", ["Шешім", "Решение", "Outcome"]),
    (
        "case.history",
        ["Оқиғалар журналы", "Журнал событий", "Event log"],
    ),
    (
        "case.channel",
        ["Жүгіну тәсілі", "Способ обращения", "Channel"],
    ),
    ("task.claim", ["Орындауға алу", "Взять в работу", "Take"]),
    ("task.complete", ["Орындалды", "Выполнено", "Done"]),
    ("task.decide", ["Шешім", "Решение", "Decide"]),
    (
        "task.assign",
        [
            "Орындаушыны тағайындау (бұрыштама)",
            "Назначить исполнителя (резолюция)",
            "Name the executor (resolution)",
        ],
    ),
    (
        "task.executor_login",
        [
            "Орындаушының логині",
            "Логин исполнителя",
            "Executor's login",
        ],
    ),
    (
        "task.extend",
        ["Мерзімді ұзарту", "Продлить срок", "Extend the term"],
    ),
    ("task.reason", ["Себебі", "Причина", "Reason"]),
    (
        "task.escalation",
        [
            "Мерзімі өткен: шара қолдану",
            "Просрочено: принять меры",
            "Overdue: take action",
        ],
    ),
    ("task.assignee", ["Орындаушы", "Исполнитель", "Assignee"]),
    (
        "task.manual_check",
        [
            "Мемлекеттік жүйе мәселені шешпеді, қолмен тексеріңіз",
            "Государственная система не решила вопрос, проверьте вручную",
            "The state system did not settle it: check by hand",
        ],
    ),
    (
        "task.amount",
        [
            "Төлем сомасы, теңге",
            "Сумма выплаты, тенге",
            "Amount to pay, tenge",
        ],
    ),
    (
        "task.account",
        [
            "Алушының шоты (IBAN), бар болса",
            "Счёт получателя (IBAN), если есть",
            "Recipient's account (IBAN), if any",
        ],
    ),
    (
        "task.unassigned",
        ["тағайындалмаған", "не назначен", "unassigned"],
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
        "receipt.accepted",
        [
            "Құжаттардың қабылданғаны туралы қолхат",
            "Расписка о приёме документов",
            "Receipt of acceptance of documents",
        ],
    ),
    (
        "receipt.refused",
        [
            "Құжаттарды қабылдаудан бас тарту туралы қолхат",
            "Расписка об отказе в приёме документов",
            "Receipt of refusal to accept documents",
        ],
    ),
    (
        "receipt.received",
        [
            "Қабылданған құжаттар",
            "Принятые документы",
            "Documents received",
        ],
    ),
    (
        "receipt.missing",
        [
            "Жетіспейтін құжаттар",
            "Недостающие документы",
            "Missing documents",
        ],
    ),
    (
        "receipt.operator",
        ["Қабылдаған қызметкер", "Принял сотрудник", "Received by"],
    ),
    (
        "receipt.datetime",
        [
            "Қабылданған күні мен уақыты",
            "Дата и время приёма",
            "Date and time",
        ],
    ),
    (
        "receipt.due",
        [
            "Нәтиже берілетін күн",
            "Дата выдачи результата",
            "Result due on",
        ],
    ),
    ("receipt.print", ["Басып шығару", "Печать", "Print"]),
    ("receipt.pdf", ["PDF файл", "PDF-файл", "PDF file"]),
    (
        "supervisor.title",
        [
            "Мерзімдердің сақталуын бақылау",
            "Мониторинг соблюдения сроков",
            "Deadline compliance",
        ],
    ),
    ("supervisor.received", ["Түсті", "Поступило", "Received"]),
    (
        "supervisor.completed",
        ["Орындалды", "Исполнено", "Completed"],
    ),
    (
        "supervisor.refused",
        ["Бас тартылды", "Отказано", "Refused"],
    ),
    ("supervisor.open", ["Қаралуда", "На рассмотрении", "Open"]),
    ("supervisor.in_time", ["Мерзімінде", "В срок", "In time"]),
    (
        "supervisor.late",
        ["Мерзімі бұзылған", "С нарушением срока", "Late"],
    ),
    (
        "supervisor.overdue_now",
        ["Қазір мерзімі өткен", "Просрочено сейчас", "Overdue now"],
    ),
    (
        "supervisor.csv",
        ["CSV жүктеу", "Скачать CSV", "Download CSV"],
    ),
    (
        "supervisor.audit",
        [
            "Журналдың тұтастығын тексеру",
            "Проверить целостность журнала",
            "Verify the log's integrity",
        ],
    ),
    (
        "supervisor.audit_clean",
        [
            "Хэш тізбектері бүтін",
            "Цепочки хэшей целы",
            "Hash chains intact",
        ],
    ),
    (
        "supervisor.audit_broken",
        ["Журнал бұзылған", "Журнал нарушен", "The log is broken"],
    ),
    (
        "supervisor.chart",
        [
            "Мерзімінде / мерзімі бұзылған / қазір мерзімі өткен",
            "В срок / с нарушением / просрочено сейчас",
            "In time / late / overdue now",
        ],
    ),
    (
        "supervisor.empty",
        ["Өтініштер әлі жоқ.", "Заявлений ещё нет.", "No cases yet."],
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
        "supervisor.slowest",
        [
            "Ең баяу рәсімдер (соңғы өтініштер бойынша, жұмыс уақытымен)",
            "Самые медленные процедуры (по последним заявлениям, в рабочем времени)",
            "Slowest steps (recent cases, in working time)",
        ],
    ),
    ("supervisor.mean", ["Орташа", "В среднем", "Mean"]),
    ("supervisor.max", ["Ең ұзақ", "Максимум", "Longest"]),
    ("supervisor.count", ["Саны", "Количество", "Count"]),
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
        "verify.title",
        [
            "Құжатты тексеру",
            "Проверка документа",
            "Document verification",
        ],
    ),
    ("verify.link", ["тексеру", "проверка", "verify"]),
    ("verify.document", ["Құжат", "Документ", "Document"]),
    ("verify.issued", ["Берілген күні", "Дата выдачи", "Issued"]),
    ("verify.kind.receipt", ["Қолхат", "Расписка", "Receipt"]),
    ("verify.kind.result", ["Нәтиже", "Результат", "Result"]),
    (
        "verify.number",
        ["Құжат нөмірі", "Номер документа", "Document number"],
    ),
    (
        "verify.issuer",
        ["Берген ұйым", "Выдавшая организация", "Issued by"],
    ),
    (
        "verify.explain",
        [
            "Құжаттарды Qyzmet өтініш бойынша берді. Қолыңыздағы файлдың SHA-256 мәні жоғарыдағы мәндердің біріне сәйкес келсе, файл өзгертілмеген.",
            "Документы выданы Qyzmet по заявлению. Если SHA-256 вашего файла совпадает с одним из значений выше, файл не изменён.",
            "Qyzmet issued these documents for the application. If your file's SHA-256 equals one of the values above, the file is unaltered.",
        ],
    ),
    (
        "verify.upload",
        [
            "Тексерілетін PDF файл",
            "PDF-файл для проверки",
            "PDF file to check",
        ],
    ),
    ("verify.check", ["Тексеру", "Проверить", "Check"]),
    (
        "verify.match",
        [
            "Файл берілген құжатпен сәйкес келеді.",
            "Файл совпадает с выданным документом.",
            "The file matches the issued document.",
        ],
    ),
    (
        "verify.mismatch",
        [
            "Файл берілген құжатпен сәйкес келмейді: ол өзгертілген немесе басқа құжат.",
            "Файл не совпадает с выданным документом: он изменён или это другой документ.",
            "The file does not match the issued document: it was altered or is another document.",
        ],
    ),
    (
        "error.certificate_refused",
        [
            "Сертификат қабылданбады.",
            "Сертификат не принят.",
            "The certificate was refused.",
        ],
    ),
    (
        "error.challenge_refused",
        [
            "Қол қойылған сұрау жарамсыз немесе мерзімі өткен. Қайталаңыз.",
            "Подписанный запрос недействителен или устарел. Повторите.",
            "The signed challenge is invalid or expired. Try again.",
        ],
    ),
    (
        "error.certificates_off",
        [
            "Сертификатпен кіру бұл серверде қосылмаған.",
            "Вход по сертификату на этом сервере не включён.",
            "Certificate sign-in is not enabled on this server.",
        ],
    ),
    (
        "error.no_document",
        [
            "Бұл өтініш бойынша құжат жоқ.",
            "По этому заявлению документа нет.",
            "There is no document for this application.",
        ],
    ),
    ("status.submitted", ["Берілді", "Подано", "Submitted"]),
    (
        "status.in_progress",
        ["Қаралуда", "На рассмотрении", "In progress"],
    ),
    ("status.waiting", ["Күту", "Ожидание", "Waiting"]),
    ("status.completed", ["Орындалды", "Исполнено", "Completed"]),
    (
        "status.refused",
        ["Дәлелді бас тарту", "Мотивированный отказ", "Refused"],
    ),
    (
        "status.refused_to_accept",
        [
            "Қабылдаудан бас тартылды",
            "Отказано в приёме",
            "Not accepted",
        ],
    ),
    (
        "status.withdrawn",
        ["Кері қайтарылды", "Отозвано", "Withdrawn"],
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
    ("error.title", ["Қате", "Ошибка", "Error"]),
    ("error.back", ["Басты бетке", "На главную", "Home"]),
    (
        "error.internal",
        [
            "Ішкі қате. Кейінірек қайталап көріңіз.",
            "Внутренняя ошибка. Повторите позже.",
            "Internal error. Please try again later.",
        ],
    ),
    (
        "error.unauthenticated",
        [
            "Алдымен жүйеге кіріңіз.",
            "Сначала войдите в систему.",
            "Please sign in first.",
        ],
    ),
    (
        "error.bad_credentials",
        [
            "Логин немесе құпия сөз қате.",
            "Неверный логин или пароль.",
            "Wrong login or password.",
        ],
    ),
    (
        "error.too_many_attempts",
        [
            "Кіру әрекеттері тым көп. Бір минуттан кейін қайталаңыз.",
            "Слишком много попыток входа. Повторите через минуту.",
            "Too many sign-in attempts. Try again in a minute.",
        ],
    ),
    (
        "error.forbidden",
        [
            "Бұл әрекетке құқығыңыз жоқ.",
            "У вас нет прав на это действие.",
            "You are not allowed to do this.",
        ],
    ),
    (
        "error.csrf",
        [
            "Пішіннің мерзімі өтті. Бетті жаңартып, қайталаңыз.",
            "Форма устарела. Обновите страницу и повторите.",
            "The form has expired. Reload the page and try again.",
        ],
    ),
    (
        "error.cross_origin",
        [
            "Басқа сайттан жіберілген сұрау қабылданбады.",
            "Запрос с другого сайта отклонён.",
            "A request from another site was refused.",
        ],
    ),
    (
        "error.not_found",
        ["Бет табылмады.", "Страница не найдена.", "Page not found."],
    ),
    (
        "error.unknown_case",
        [
            "Өтініш табылмады.",
            "Заявление не найдено.",
            "No such application.",
        ],
    ),
    (
        "error.unknown_task",
        ["Тапсырма табылмады.", "Задача не найдена.", "No such task."],
    ),
    (
        "error.unknown_regulation",
        [
            "Регламент табылмады.",
            "Регламент не найден.",
            "No such regulation.",
        ],
    ),
    (
        "error.unknown_provider",
        [
            "Қызмет беруші табылмады.",
            "Услугодатель не найден.",
            "No such provider.",
        ],
    ),
    (
        "error.unknown_route",
        [
            "Мұндай жүгіну тәсілі жоқ.",
            "Такого способа обращения нет.",
            "No such channel.",
        ],
    ),
    (
        "error.unknown_format",
        [
            "Мұндай пішім жоқ.",
            "Такого формата нет.",
            "No such format.",
        ],
    ),
    (
        "error.unknown_document",
        [
            "Регламентте мұндай құжат жоқ.",
            "В регламенте нет такого документа.",
            "The regulation has no such document.",
        ],
    ),
    (
        "error.unknown_outcome",
        [
            "Мұндай шешім жоқ.",
            "Такого решения нет.",
            "No such outcome.",
        ],
    ),
    (
        "error.unknown_role",
        [
            "Регламентте мұндай рөл жоқ.",
            "В регламенте нет такой роли.",
            "The regulation has no such role.",
        ],
    ),
    (
        "error.channel_unavailable",
        [
            "Бұл қызмет осы тәсілмен көрсетілмейді.",
            "Эта услуга не оказывается этим способом.",
            "This service is not offered through this channel.",
        ],
    ),
    (
        "error.invalid_iin",
        [
            "ЖСН қате: 12 цифр және дұрыс бақылау разряды болуы керек.",
            "Неверный ИИН: нужно 12 цифр с правильным контрольным разрядом.",
            "Invalid IIN: 12 digits with a correct check digit are required.",
        ],
    ),
    (
        "error.consent_required",
        [
            "Мәліметтерді пайдалануға келісім қажет.",
            "Требуется согласие на использование сведений.",
            "Consent to the use of information is required.",
        ],
    ),
    (
        "error.missing_field",
        [
            "Өтініштің міндетті жолы толтырылмаған.",
            "Не заполнено обязательное поле заявления.",
            "A required field of the application is empty.",
        ],
    ),
    (
        "error.invalid_form",
        [
            "Өтініш жолының мәні қате.",
            "Неверное значение поля заявления.",
            "A field of the application has a wrong value.",
        ],
    ),
    (
        "error.invalid_input",
        ["Деректер қате.", "Неверные данные.", "Invalid input."],
    ),
    (
        "error.invalid_submission",
        [
            "Өтініш қабылданбады: деректерді тексеріңіз.",
            "Заявление не принято: проверьте данные.",
            "The application was not accepted: check the data.",
        ],
    ),
    (
        "error.invalid_data",
        [
            "Тапсырма деректері қате.",
            "Неверные данные задачи.",
            "Invalid task data.",
        ],
    ),
    (
        "error.outcome_required",
        [
            "Шешімді таңдаңыз.",
            "Выберите решение.",
            "Choose an outcome.",
        ],
    ),
    (
        "error.stale_version",
        [
            "Өтініш басқа қызметкермен өзгертілді. Бетті жаңартыңыз.",
            "Заявление изменено другим сотрудником. Обновите страницу.",
            "Someone else changed the case. Reload the page.",
        ],
    ),
    (
        "error.case_exists",
        [
            "Мұндай өтініш бар.",
            "Такое заявление уже есть.",
            "The case already exists.",
        ],
    ),
    (
        "error.task_already_done",
        [
            "Тапсырма орындалып қойған.",
            "Задача уже выполнена.",
            "The task is already done.",
        ],
    ),
    (
        "error.already_claimed",
        [
            "Тапсырма сізде.",
            "Задача уже у вас.",
            "You already hold the task.",
        ],
    ),
    (
        "error.assigned_to_other",
        [
            "Тапсырма басқа қызметкерге берілген.",
            "Задача назначена другому сотруднику.",
            "The task is assigned to someone else.",
        ],
    ),
    (
        "error.wrong_state",
        [
            "Өтініштің қазіргі күйінде бұл мүмкін емес.",
            "В текущем состоянии заявления это невозможно.",
            "Not possible in the case's current state.",
        ],
    ),
    (
        "error.already_extended",
        [
            "Мерзім бұрын ұзартылған.",
            "Срок уже продлевался.",
            "The term has already been extended.",
        ],
    ),
    (
        "error.extension_not_allowed",
        [
            "Регламент мерзімді ұзартуға рұқсат бермейді.",
            "Регламент не допускает продления срока.",
            "The regulation allows no extension.",
        ],
    ),
    (
        "error.reason_required",
        [
            "Себебін көрсетіңіз.",
            "Укажите причину.",
            "Give the reason.",
        ],
    ),
    (
        "error.no_record",
        [
            "Тізілімде жазба жоқ.",
            "В реестре нет записи.",
            "No record in the registry.",
        ],
    ),
    (
        "error.empty_attachment",
        ["Файл бос.", "Файл пуст.", "The file is empty."],
    ),
    (
        "error.attachment_too_large",
        [
            "Файл тым үлкен (5 МБ дейін).",
            "Файл слишком большой (до 5 МБ).",
            "The file is too large (up to 5 MB).",
        ],
    ),
    (
        "error.attachment_type",
        [
            "Тек PDF, JPEG немесе PNG.",
            "Только PDF, JPEG или PNG.",
            "PDF, JPEG or PNG only.",
        ],
    ),
    (
        "error.payload_too_large",
        [
            "Сұрау тым үлкен.",
            "Запрос слишком большой.",
            "The request is too large.",
        ],
    ),
];

static INDEX: std::sync::LazyLock<
    std::collections::HashMap<&'static str, &'static [&'static str; 3]>,
> = std::sync::LazyLock::new(|| {
    MESSAGES
        .iter()
        .chain(crate::signing::MESSAGES)
        .chain(crate::authoring::MESSAGES)
        .map(|(key, texts)| (*key, texts))
        .collect()
});

fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    INDEX.get(key).map(|texts| match lang {
        Lang::Kk => texts[0],
        Lang::Ru => texts[1],
        Lang::En => texts[2],
    })
}

/// The message `key` in `lang`, if the key exists.
pub fn text(lang: Lang, key: &str) -> Option<String> {
    lookup(lang, key).map(str::to_owned)
}

/// The message `key` in `lang`, or an empty text (for code paths where a
/// missing message must not fail; templates use the strict lookup).
pub fn t(lang: Lang, key: &str) -> &'static str {
    lookup(lang, key).unwrap_or("")
}

pub fn keys() -> impl Iterator<Item = &'static str> {
    MESSAGES
        .iter()
        .chain(crate::signing::MESSAGES)
        .chain(crate::authoring::MESSAGES)
        .map(|(key, _)| *key)
}

/// The request's language: `?lang=`, else the `qz_lang` cookie, else Kazakh.
pub fn request_lang(request: &Request) -> Lang {
    lang_from(request.uri().query(), request.headers())
}

pub fn lang_from(query: Option<&str>, headers: &axum::http::HeaderMap) -> Lang {
    let from_query = query.and_then(|query| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == "lang")
            .and_then(|(_, value)| Lang::parse(value))
    });
    let from_cookie = || {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == LANG_COOKIE)
            .and_then(|(_, value)| Lang::parse(value))
    };
    from_query.or_else(from_cookie).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_texts_non_empty() {
        let mut seen = std::collections::BTreeSet::new();
        for (key, texts) in MESSAGES {
            assert!(seen.insert(*key), "duplicate key {key}");
            for text in texts {
                assert!(!text.trim().is_empty(), "{key} has an empty text");
            }
        }
    }

    #[test]
    fn every_engine_error_code_the_api_maps_has_a_message() {
        for code in [
            "unknown_case",
            "stale_version",
            "forbidden",
            "invalid_iin",
            "csrf",
            "too_many_attempts",
            "attachment_type",
            "attachment_too_large",
        ] {
            for lang in Lang::ALL {
                assert!(
                    text(lang, &format!("error.{code}")).is_some(),
                    "{code} {lang:?}"
                );
            }
        }
    }

    #[test]
    fn lang_from_query_then_cookie_then_kazakh() {
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(lang_from(None, &headers), Lang::Kk);
        headers.insert(header::COOKIE, "a=b; qz_lang=ru".parse().unwrap());
        assert_eq!(lang_from(None, &headers), Lang::Ru);
        assert_eq!(lang_from(Some("x=1&lang=en"), &headers), Lang::En);
        assert_eq!(lang_from(Some("lang=xx"), &headers), Lang::Ru);
    }
}
