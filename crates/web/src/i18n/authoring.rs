//! The authoring page.

/// (key, [kk, ru, en])
pub(super) static MESSAGES: &[(&str, [&str; 3])] = &[
    (
        "nav.authoring",
        ["Регламент жазу", "Редактор регламентов", "Authoring"],
    ),
    (
        "authoring.title",
        [
            "Регламенттерді жазу",
            "Редактирование регламентов",
            "Authoring regulations",
        ],
    ),
    (
        "authoring.intro",
        [
            "Регламент файлын өңдеңіз: қателер мен қадамдар кестесі жазған сайын жаңарады. Сақталған нұсқа — жаңа редакция (жаңа хэш); істер бекітілген редакциялар өзгермейді.",
            "Редактируйте файл регламента: ошибки и таблица шагов обновляются по мере ввода. Сохранённый текст — новая редакция (новый хэш); редакции, к которым привязаны дела, не меняются.",
            "Edit the regulation file: the diagnostics and the step tables follow as you type. Saving makes a new edition (a new hash); the editions cases are pinned to never change.",
        ],
    ),
    (
        "authoring.not_live",
        [
            "Сақталған редакция — жоба: ол каталогқа кірмейді және өтініштер оған берілмейді, оператор файлды regulations/ қалтасына қосып, серверді қайта іске қосқанша.",
            "Сохранённая редакция — черновик: она не входит в каталог и заявления по ней не подаются, пока оператор не добавит файл в папку regulations/ и не перезапустит сервер.",
            "A saved edition is a draft: it is not in the catalogue and nobody applies under it until an operator adds the file to regulations/ and restarts the server.",
        ],
    ),
    (
        "authoring.regulations",
        ["Регламенттер", "Регламенты", "Regulations"],
    ),
    ("authoring.edit", ["Өңдеу", "Редактировать", "Edit"]),
    (
        "authoring.editions",
        [
            "Сақталған редакциялар (жобалар)",
            "Сохранённые редакции (черновики)",
            "Saved editions (drafts)",
        ],
    ),
    (
        "authoring.no_editions",
        [
            "Әзірге сақталған редакция жоқ.",
            "Сохранённых редакций пока нет.",
            "No saved editions yet.",
        ],
    ),
    ("authoring.hash", ["Хэш", "Хэш", "Hash"]),
    ("authoring.author", ["Авторы", "Автор", "Author"]),
    ("authoring.saved_at", ["Сақталды", "Сохранено", "Saved"]),
    ("authoring.status", ["Күйі", "Статус", "Status"]),
    (
        "authoring.draft",
        [
            "жоба, қолданыста емес",
            "черновик, не действует",
            "draft, not live",
        ],
    ),
    ("authoring.based_on", ["Негізі", "Основа", "Based on"]),
    ("authoring.open", ["Ашу", "Открыть", "Open"]),
    (
        "authoring.download",
        ["Файлды жүктеу", "Скачать файл", "Download the file"],
    ),
    (
        "authoring.file",
        [
            "Регламент файлы (YAML)",
            "Файл регламента (YAML)",
            "Regulation file (YAML)",
        ],
    ),
    ("authoring.check", ["Тексеру", "Проверить", "Check"]),
    (
        "authoring.save",
        [
            "Жаңа редакция ретінде сақтау",
            "Сохранить как новую редакцию",
            "Save as a new edition",
        ],
    ),
    (
        "authoring.diagnostics",
        ["Тексеру нәтижесі", "Результат проверки", "Diagnostics"],
    ),
    ("authoring.errors", ["Қателер", "Ошибки", "Errors"]),
    (
        "authoring.warnings",
        ["Ескертулер", "Предупреждения", "Warnings"],
    ),
    (
        "authoring.clean",
        [
            "Қате жоқ: qyzmet check файлды қабылдайды.",
            "Ошибок нет: qyzmet check принимает файл.",
            "No errors: qyzmet check accepts the file.",
        ],
    ),
    (
        "authoring.checking",
        ["Тексерілуде…", "Проверка…", "Checking…"],
    ),
    (
        "authoring.check_failed",
        [
            "Тексеру сәтсіз аяқталды; қайталап көріңіз.",
            "Проверка не удалась; попробуйте ещё раз.",
            "The check failed; try again.",
        ],
    ),
    (
        "authoring.messages_note",
        [
            "Хабарламалар — компилятордың мәтіні (ағылшынша), кодтары тұрақты.",
            "Сообщения — текст компилятора (на английском), коды стабильны.",
            "The messages are the compiler's (English), with stable codes.",
        ],
    ),
    (
        "authoring.preview",
        ["Қадамдар кестесі", "Таблица шагов", "Step tables"],
    ),
    (
        "authoring.diagram",
        ["Жолақтар сызбасы", "Диаграмма дорожек", "Swimlane diagram"],
    ),
    (
        "authoring.stale",
        [
            "Мәтінде қате бар: соңғы дұрыс нұсқаның кестесі көрсетілген.",
            "В тексте есть ошибки: показана таблица последней правильной версии.",
            "The text has errors: the tables of the last valid version are shown.",
        ],
    ),
    (
        "authoring.live_edition",
        [
            "Каталогтағы редакция",
            "Редакция в каталоге",
            "Edition in the catalogue",
        ],
    ),
    (
        "authoring.this_text",
        ["Осы мәтіннің хэші", "Хэш этого текста", "Hash of this text"],
    ),
    (
        "authoring.editing_draft",
        [
            "Сақталған жоба өңделуде",
            "Редактируется сохранённый черновик",
            "Editing a saved draft",
        ],
    ),
    (
        "authoring.saved_notice",
        [
            "Жаңа редакция ретінде сақталды (жоба, қолданыста емес):",
            "Сохранено как новая редакция (черновик, не действует):",
            "Saved as a new edition (a draft, not live):",
        ],
    ),
    (
        "authoring.refused",
        [
            "Сақталмады: мәтінде қателер бар. Оларды түзетіп, қайта сақтаңыз.",
            "Не сохранено: в тексте есть ошибки. Исправьте их и сохраните снова.",
            "Not saved: the text has errors. Fix them and save again.",
        ],
    ),
    ("authoring.line", ["жол", "строка", "line"]),
    (
        "error.regulation_has_errors",
        [
            "Регламент мәтінінде қателер бар; ештеңе сақталмады.",
            "В тексте регламента есть ошибки; ничего не сохранено.",
            "The regulation text has errors; nothing was saved.",
        ],
    ),
    (
        "error.edition_unchanged",
        [
            "Бұл мәтін каталогтағы редакциямен бірдей; жаңа редакция жоқ.",
            "Этот текст совпадает с редакцией в каталоге; новой редакции нет.",
            "This text is the catalogue's edition; there is no new edition.",
        ],
    ),
    (
        "error.unknown_edition",
        [
            "Мұндай сақталған редакция жоқ.",
            "Такой сохранённой редакции нет.",
            "No such saved edition.",
        ],
    ),
];
