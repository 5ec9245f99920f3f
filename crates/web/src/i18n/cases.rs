//! The case page, tasks, statuses, receipts and the public verification page.

/// (key, [kk, ru, en])
pub(super) static MESSAGES: &[(&str, [&str; 3])] = &[
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
    ("case.title", ["Өтініш", "Заявление", "Application"]),
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
];
