//! The supervisor's and the monitoring pages.

/// (key, [kk, ru, en])
pub(super) static MESSAGES: &[(&str, [&str; 3])] = &[
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
];
