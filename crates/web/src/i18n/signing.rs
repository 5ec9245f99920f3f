//! Signed portal requests and signed results: the signing pages and every signature failure reason (`signature.failure.<code>`).

/// (key, [kk, ru, en])
pub(super) static MESSAGES: &[(&str, [&str; 3])] = &[
    (
        "sign.title",
        [
            "Сұранысқа ЭЦҚ-мен қол қою",
            "Подписание запроса ЭЦП",
            "Sign the request with your digital signature",
        ],
    ),
    (
        "sign.lead",
        [
            "Өтініш тексерілді. Оны жіберу үшін NCALayer арқылы жеке ЭЦҚ-ңызбен қол қойыңыз: қол қойылған сұраныс тексеріледі (куәліктің мерзімі, кері қайтарылмағаны, ЖСН сәйкестігі).",
            "Заявление проверено. Чтобы отправить его, подпишите его своей ЭЦП через NCALayer: подписанный запрос проверяется (срок действия свидетельства, отсутствие отзыва, совпадение ИИН).",
            "The application has been checked. To send it, sign it with your digital signature through NCALayer: the signed request is checked (certificate validity, revocation, matching IIN).",
        ],
    ),
    (
        "sign.button",
        [
            "NCALayer арқылы қол қою және жіберу",
            "Подписать через NCALayer и отправить",
            "Sign with NCALayer and send",
        ],
    ),
    (
        "sign.waiting",
        [
            "NCALayer-ге қосылуда… Кілтті таңдап, құпиясөзді енгізіңіз.",
            "Подключение к NCALayer… Выберите ключ и введите пароль.",
            "Connecting to NCALayer… Choose your key and enter its password.",
        ],
    ),
    (
        "sign.no_ncalayer",
        [
            "NCALayer табылмады. Оны іске қосып, қайталаңыз (https://pki.gov.kz).",
            "NCALayer не найден. Запустите его и повторите (https://pki.gov.kz).",
            "NCALayer was not found. Start it and try again (https://pki.gov.kz).",
        ],
    ),
    (
        "sign.ncalayer_error",
        [
            "NCALayer қол қоймады:",
            "NCALayer не подписал:",
            "NCALayer did not sign:",
        ],
    ),
    (
        "login.certificate",
        [
            "ЭЦҚ арқылы кіру (NCALayer)",
            "Войти с ЭЦП (NCALayer)",
            "Sign in with a digital signature (NCALayer)",
        ],
    ),
    (
        "login.certificate_lead",
        [
            "Немесе аутентификация кілтімен кіріңіз: NCALayer кездейсоқ мәтінге қол қояды, сервер куәлікті тексереді.",
            "Или войдите с ключом аутентификации: NCALayer подпишет случайный текст, сервер проверит свидетельство.",
            "Or sign in with your authentication key: NCALayer signs a random text and the server checks the certificate.",
        ],
    ),
    (
        "sign.what",
        [
            "Қол қойылатын мәтін",
            "Подписываемый текст",
            "The text to be signed",
        ],
    ),
    (
        "sign.paste",
        [
            "Басқа құралмен жасалған CMS қолтаңбасын қою (base64 немесе PEM)",
            "Вставить подпись CMS, созданную другим средством (base64 или PEM)",
            "Paste a CMS signature made with another tool (base64 or PEM)",
        ],
    ),
    (
        "sign.send_pasted",
        [
            "Қолтаңбаны жіберу",
            "Отправить подпись",
            "Send the signature",
        ],
    ),
    (
        "sign.expires",
        [
            "Жоба сақталатын мерзім:",
            "Черновик хранится до:",
            "The draft is kept until:",
        ],
    ),
    (
        "sign.attachments",
        ["Тіркелген файлдар", "Приложенные файлы", "Attached files"],
    ),
    (
        "signature.title",
        [
            "Сұраныстың ЭЦҚ-сы",
            "ЭЦП запроса",
            "The request's signature",
        ],
    ),
    (
        "signature.confirmed",
        [
            "ЭЦҚ расталды.",
            "ЭЦП подтверждена.",
            "The signature was confirmed.",
        ],
    ),
    (
        "signature.not_confirmed",
        [
            "ЭЦҚ расталмады:",
            "ЭЦП не подтверждена:",
            "The signature was not confirmed:",
        ],
    ),
    ("signature.signer", ["Қол қойған", "Подписал", "Signed by"]),
    (
        "signature.title_result",
        [
            "Көрсетілетін қызметті берушінің ЭЦҚ-сы",
            "ЭЦП услугодателя",
            "The provider's digital signature",
        ],
    ),
    (
        "verify.signature_valid",
        [
            "ЭЦҚ жарамды: құжат қол қойылғаннан бері өзгермеген, куәлік сенімді орталықтан берілген және кері қайтарылмаған.",
            "ЭЦП действительна: документ не изменён после подписания, свидетельство выдано доверенным центром и не отозвано.",
            "The signature is valid: the document is unchanged since it was signed, and the certificate was issued by a trusted authority and is not revoked.",
        ],
    ),
    (
        "sign.result_button",
        [
            "Нәтижеге ЭЦҚ-мен қол қою (NCALayer)",
            "Подписать результат ЭЦП (NCALayer)",
            "Sign the result with NCALayer",
        ],
    ),
    (
        "error.no_signing_identity",
        [
            "Бұл есептік жазбада ЭЦҚ куәлігімен байланыстыратын ЖСН жоқ.",
            "У этой учётной записи нет ИИН для привязки к свидетельству ЭЦП.",
            "This account has no IIN to bind a signing certificate to.",
        ],
    ),
    (
        "error.signature_rejected",
        [
            "ЭЦҚ расталмады, сұраныс қабылданбады.",
            "ЭЦП не подтверждена, запрос не принят.",
            "The signature was not confirmed; the request was not accepted.",
        ],
    ),
    (
        "error.signature_required",
        [
            "Порталдағы сұранысқа ЭЦҚ-мен қол қойылуы тиіс.",
            "Запрос на портале должен быть подписан ЭЦП.",
            "A portal request must be signed with a digital signature.",
        ],
    ),
    (
        "error.signature_missing",
        [
            "Қолтаңба жіберілмеді.",
            "Подпись не отправлена.",
            "No signature was sent.",
        ],
    ),
    (
        "error.signatures_off",
        [
            "Бұл серверде ЭЦҚ тексеру бапталмаған.",
            "На этом сервере не настроена проверка ЭЦП.",
            "This server is not set up to verify digital signatures.",
        ],
    ),
    (
        "error.unknown_draft",
        [
            "Мұндай жоба жоқ.",
            "Такого черновика нет.",
            "There is no such draft.",
        ],
    ),
    (
        "error.draft_expired",
        [
            "Жобаның мерзімі өтті, өтінішті қайта толтырыңыз.",
            "Срок черновика истёк, заполните заявление заново.",
            "The draft has expired; fill in the application again.",
        ],
    ),
    (
        "signature.failure.expired",
        [
            "тіркеу куәлігінің қолданылу мерзімі өтіп кеткен.",
            "срок действия регистрационного свидетельства истёк.",
            "the certificate has expired.",
        ],
    ),
    (
        "signature.failure.not-yet-valid",
        [
            "тіркеу куәлігі әлі күшіне енбеген.",
            "регистрационное свидетельство ещё не действует.",
            "the certificate is not valid yet.",
        ],
    ),
    (
        "signature.failure.revoked",
        [
            "тіркеу куәлігі кері қайтарылған (күші жойылған).",
            "регистрационное свидетельство отозвано (аннулировано).",
            "the certificate has been revoked.",
        ],
    ),
    (
        "signature.failure.revocation-unknown",
        [
            "тіркеу куәлігінің кері қайтарылмағанын тексеру мүмкін болмады.",
            "не удалось проверить, что регистрационное свидетельство не отозвано.",
            "whether the certificate was revoked could not be checked.",
        ],
    ),
    (
        "signature.failure.iin-mismatch",
        [
            "ЭЦҚ тіркеу куәлігіндегі ЖСН сұраныстағы ЖСН-ге сәйкес келмейді.",
            "ИИН в регистрационном свидетельстве ЭЦП не совпадает с ИИН в запросе.",
            "the IIN in the certificate is not the IIN of the request.",
        ],
    ),
    (
        "signature.failure.bin-mismatch",
        [
            "тіркеу куәлігіндегі БСН ұйымның БСН-іне сәйкес келмейді.",
            "БИН в регистрационном свидетельстве не совпадает с БИН организации.",
            "the BIN in the certificate is not the organisation's BIN.",
        ],
    ),
    (
        "signature.failure.wrong-key-usage",
        [
            "бұл кілт қол қоюға арналмаған (мысалы, аутентификация кілті).",
            "этот ключ не предназначен для подписи (например, ключ аутентификации).",
            "this key is not for signing (an authentication key, say).",
        ],
    ),
    (
        "signature.failure.unknown-issuer",
        [
            "тіркеу куәлігін сенімді куәландырушы орталық бермеген.",
            "регистрационное свидетельство выдано не доверенным удостоверяющим центром.",
            "the certificate was not issued by a trusted certification authority.",
        ],
    ),
    (
        "signature.failure.bad-signature",
        [
            "қолтаңба мәтінге сәйкес келмейді.",
            "подпись не соответствует тексту.",
            "the signature does not match the text.",
        ],
    ),
    (
        "signature.failure.content-mismatch",
        [
            "қол басқа мәтінге қойылған.",
            "подписан другой текст.",
            "a different text was signed.",
        ],
    ),
    (
        "signature.failure.malformed",
        [
            "қолтаңба бүлінген немесе CMS емес.",
            "подпись повреждена или не является CMS.",
            "the signature is damaged or not CMS.",
        ],
    ),
    (
        "signature.failure.signing-time-in-future",
        [
            "қол қою уақыты болашақта.",
            "время подписания в будущем.",
            "the signing time is in the future.",
        ],
    ),
    (
        "signature.failure.timestamp",
        [
            "қолтаңбаның уақыт белгісі тексеруден өтпеді.",
            "метка времени подписи не прошла проверку.",
            "the signature's timestamp did not pass the checks.",
        ],
    ),
    (
        "signature.failure.signing-time-missing",
        [
            "қолтаңбада қол қою уақыты көрсетілмеген.",
            "в подписи не указано время подписания.",
            "the signature does not say when it was made.",
        ],
    ),
    (
        "signature.failure.too-large",
        [
            "қолтаңба тым үлкен.",
            "подпись слишком большая.",
            "the signature is too large.",
        ],
    ),
    (
        "signature.failure.signatures_off",
        [
            "бұл сервер қолтаңбаларды тексере алмайды (сенімді орталықтар бапталмаған).",
            "этот сервер не может проверять подписи (не настроены доверенные центры).",
            "this server cannot check signatures (no trusted authorities are configured).",
        ],
    ),
    (
        "signature.failure.other",
        [
            "қолтаңба тексеруден өтпеді.",
            "подпись не прошла проверку.",
            "the signature did not pass the checks.",
        ],
    ),
];
