//! Error messages (`error.<code>`), shown with an `AppError`.

/// (key, [kk, ru, en])
pub(super) static MESSAGES: &[(&str, [&str; 3])] = &[
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
    ("error.title", ["Қате", "Ошибка", "Error"]),
    ("error.back", ["Басты бетке", "На главную", "Home"]),
    (
        "error.reference",
        [
            "Қолдау қызметіне айтатын сілтеме нөмірі:",
            "Номер обращения для службы поддержки:",
            "Reference to quote to support:",
        ],
    ),
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
