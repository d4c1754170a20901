//! The respondent interface's own texts (buttons, validation messages, status pages), built in for
//! several languages. A survey can override any of them per language in its `[messages]` table.

use super::model::SurveyDefinition;

/// (key, English, Spanish, French, German, Portuguese, Chinese). `{n}` and `{max}` are filled in.
const CATALOG: &[(&str, [&str; 6])] = &[
    ("start", ["Start", "Comenzar", "Commencer", "Beginnen", "Começar", "开始"]),
    ("next", ["Next", "Siguiente", "Suivant", "Weiter", "Seguinte", "下一页"]),
    ("back", ["Back", "Atrás", "Retour", "Zurück", "Voltar", "上一页"]),
    ("submit", ["Submit", "Enviar", "Envoyer", "Absenden", "Enviar", "提交"]),
    ("language", ["Language", "Idioma", "Langue", "Sprache", "Idioma", "语言"]),
    (
        "switch_language",
        ["Switch language", "Cambiar idioma", "Changer de langue", "Sprache wechseln", "Mudar de idioma", "切换语言"],
    ),
    (
        "progress",
        [
            "Page {n} of {max}",
            "Página {n} de {max}",
            "Page {n} sur {max}",
            "Seite {n} von {max}",
            "Página {n} de {max}",
            "第 {n} 页，共 {max} 页",
        ],
    ),
    ("required", ["Required", "Obligatoria", "Obligatoire", "Pflichtfrage", "Obrigatória", "必答"]),
    (
        "error_summary",
        [
            "Please correct the following",
            "Corrija lo siguiente",
            "Veuillez corriger ce qui suit",
            "Bitte korrigieren Sie Folgendes",
            "Corrija o seguinte",
            "请更正以下内容",
        ],
    ),
    (
        "error_required",
        [
            "This question needs an answer.",
            "Esta pregunta necesita una respuesta.",
            "Cette question demande une réponse.",
            "Diese Frage muss beantwortet werden.",
            "Esta pergunta precisa de uma resposta.",
            "此题必须回答。",
        ],
    ),
    (
        "error_too_long",
        [
            "Please shorten this to at most {max} characters (it has {n}).",
            "Acorte el texto a {max} caracteres como máximo (tiene {n}).",
            "Raccourcissez ce texte à {max} caractères au plus (il en a {n}).",
            "Bitte kürzen Sie auf höchstens {max} Zeichen (jetzt {n}).",
            "Reduza para no máximo {max} caracteres (tem {n}).",
            "请缩短到最多 {max} 个字符（当前 {n} 个）。",
        ],
    ),
    (
        "error_too_short",
        [
            "Please write at least {n} characters.",
            "Escriba al menos {n} caracteres.",
            "Écrivez au moins {n} caractères.",
            "Bitte schreiben Sie mindestens {n} Zeichen.",
            "Escreva pelo menos {n} caracteres.",
            "请至少输入 {n} 个字符。",
        ],
    ),
    (
        "error_pattern",
        [
            "This answer is not in the expected form.",
            "La respuesta no tiene el formato esperado.",
            "La réponse n'a pas la forme attendue.",
            "Die Antwort hat nicht die erwartete Form.",
            "A resposta não está no formato esperado.",
            "答案格式不正确。",
        ],
    ),
    (
        "error_integer",
        [
            "Enter a whole number, such as 12.",
            "Introduzca un número entero, como 12.",
            "Saisissez un nombre entier, par exemple 12.",
            "Geben Sie eine ganze Zahl ein, z. B. 12.",
            "Introduza um número inteiro, como 12.",
            "请输入整数，例如 12。",
        ],
    ),
    (
        "error_decimal",
        [
            "Enter a number, such as 12 or 3.5.",
            "Introduzca un número, como 12 o 3,5.",
            "Saisissez un nombre, par exemple 12 ou 3,5.",
            "Geben Sie eine Zahl ein, z. B. 12 oder 3,5.",
            "Introduza um número, como 12 ou 3,5.",
            "请输入数字，例如 12 或 3.5。",
        ],
    ),
    (
        "error_min",
        [
            "Enter {n} or more.",
            "Introduzca {n} o más.",
            "Saisissez {n} ou plus.",
            "Geben Sie {n} oder mehr ein.",
            "Introduza {n} ou mais.",
            "请输入不小于 {n} 的数。",
        ],
    ),
    (
        "error_max",
        [
            "Enter {max} or less.",
            "Introduzca {max} o menos.",
            "Saisissez {max} ou moins.",
            "Geben Sie {max} oder weniger ein.",
            "Introduza {max} ou menos.",
            "请输入不大于 {max} 的数。",
        ],
    ),
    (
        "error_date",
        [
            "Enter a date as year-month-day, such as 2026-03-31.",
            "Introduzca una fecha como año-mes-día, p. ej. 2026-03-31.",
            "Saisissez une date au format année-mois-jour, par ex. 2026-03-31.",
            "Geben Sie ein Datum als Jahr-Monat-Tag ein, z. B. 2026-03-31.",
            "Introduza uma data como ano-mês-dia, p. ex. 2026-03-31.",
            "请按 年-月-日 输入日期，例如 2026-03-31。",
        ],
    ),
    (
        "error_choice",
        [
            "Choose one of the options shown.",
            "Elija una de las opciones mostradas.",
            "Choisissez l'une des options proposées.",
            "Wählen Sie eine der angezeigten Optionen.",
            "Escolha uma das opções apresentadas.",
            "请从所列选项中选择。",
        ],
    ),
    (
        "error_min_selected",
        [
            "Choose at least {n}.",
            "Elija al menos {n}.",
            "Choisissez-en au moins {n}.",
            "Wählen Sie mindestens {n}.",
            "Escolha pelo menos {n}.",
            "请至少选择 {n} 项。",
        ],
    ),
    (
        "error_max_selected",
        [
            "Choose at most {max}.",
            "Elija como máximo {max}.",
            "Choisissez-en au plus {max}.",
            "Wählen Sie höchstens {max}.",
            "Escolha no máximo {max}.",
            "最多选择 {max} 项。",
        ],
    ),
    (
        "error_other_text",
        [
            "Please say what \"Other\" is.",
            "Indique qué es «Otro».",
            "Précisez « Autre ».",
            "Bitte geben Sie an, was „Andere“ ist.",
            "Indique o que é «Outro».",
            "请说明“其他”的内容。",
        ],
    ),
    (
        "error_ranking",
        [
            "Give each option a different rank.",
            "Asigne un puesto distinto a cada opción.",
            "Donnez un rang différent à chaque option.",
            "Vergeben Sie jeden Rang nur einmal.",
            "Atribua uma posição diferente a cada opção.",
            "每个选项的名次须不同。",
        ],
    ),
    (
        "error_consent",
        [
            "Please tick the box to agree before starting.",
            "Marque la casilla para aceptar antes de comenzar.",
            "Cochez la case pour accepter avant de commencer.",
            "Bitte stimmen Sie zu, bevor Sie beginnen.",
            "Assinale a caixa para aceitar antes de começar.",
            "开始前请勾选同意。",
        ],
    ),
    (
        "error_resubmit",
        [
            "For your security this page has to be sent again. Your answers are below; please check them and continue.",
            "Por seguridad, debe enviar esta página de nuevo. Sus respuestas están abajo; revíselas y continúe.",
            "Par sécurité, cette page doit être renvoyée. Vos réponses sont ci-dessous ; vérifiez-les et continuez.",
            "Aus Sicherheitsgründen muss diese Seite erneut gesendet werden. Ihre Antworten stehen unten; bitte prüfen und fortfahren.",
            "Por segurança, esta página tem de ser enviada novamente. As suas respostas estão abaixo; verifique-as e continue.",
            "出于安全原因，需要重新提交此页。您的答案保留在下方，请检查后继续。",
        ],
    ),
    (
        "error_save",
        [
            "Your answers could not be saved just now. They are still below; please try again in a moment.",
            "No se pudieron guardar sus respuestas. Siguen abajo; inténtelo de nuevo en un momento.",
            "Vos réponses n'ont pas pu être enregistrées. Elles sont ci-dessous ; réessayez dans un instant.",
            "Ihre Antworten konnten gerade nicht gespeichert werden. Sie stehen noch unten; bitte versuchen Sie es gleich erneut.",
            "Não foi possível guardar as suas respostas. Continuam abaixo; tente novamente dentro de momentos.",
            "暂时无法保存您的答案。答案仍保留在下方，请稍后重试。",
        ],
    ),
    (
        "revealed",
        [
            "Your answers brought up more questions on this page; please look at them before going on.",
            "Sus respuestas han añadido preguntas en esta página; revíselas antes de continuar.",
            "Vos réponses ont fait apparaître d'autres questions sur cette page ; regardez-les avant de continuer.",
            "Ihre Antworten haben auf dieser Seite weitere Fragen eingeblendet; bitte sehen Sie sie sich an, bevor Sie fortfahren.",
            "As suas respostas fizeram aparecer mais perguntas nesta página; veja-as antes de continuar.",
            "根据您的回答，本页出现了更多问题，请先查看再继续。",
        ],
    ),
    (
        "consent_agree",
        [
            "I have read the above and agree to take part.",
            "He leído lo anterior y acepto participar.",
            "J'ai lu ce qui précède et j'accepte de participer.",
            "Ich habe das Obige gelesen und bin einverstanden teilzunehmen.",
            "Li o texto acima e aceito participar.",
            "我已阅读以上内容并同意参与。",
        ],
    ),
    (
        "other_specify",
        [
            "Other (please specify)",
            "Otro (especifique)",
            "Autre (précisez)",
            "Andere (bitte angeben)",
            "Outro (especifique)",
            "其他（请说明）",
        ],
    ),
    ("other_text_label", ["Please specify", "Especifique", "Précisez", "Bitte angeben", "Especifique", "请说明"]),
    ("choose", ["Choose…", "Elija…", "Choisissez…", "Bitte wählen…", "Escolha…", "请选择…"]),
    ("rank_label", ["Rank", "Puesto", "Rang", "Rang", "Posição", "名次"]),
    (
        "resume_title",
        [
            "Continue later",
            "Continuar más tarde",
            "Continuer plus tard",
            "Später fortsetzen",
            "Continuar mais tarde",
            "稍后继续",
        ],
    ),
    (
        "resume_hint",
        [
            "Your answers are saved on each page. To continue on another device, keep this link private:",
            "Sus respuestas se guardan en cada página. Para continuar en otro dispositivo, guarde este enlace en privado:",
            "Vos réponses sont enregistrées à chaque page. Pour continuer sur un autre appareil, gardez ce lien pour vous :",
            "Ihre Antworten werden auf jeder Seite gespeichert. Um auf einem anderen Gerät fortzufahren, behalten Sie diesen Link für sich:",
            "As suas respostas são guardadas em cada página. Para continuar noutro dispositivo, guarde este link em privado:",
            "每页的答案都会保存。如需在其他设备上继续，请私下保存此链接：",
        ],
    ),
    (
        "closed_title",
        [
            "This survey is closed",
            "Esta encuesta está cerrada",
            "Cette enquête est close",
            "Diese Umfrage ist geschlossen",
            "Este inquérito está encerrado",
            "本调查已关闭",
        ],
    ),
    (
        "closed_body",
        [
            "It no longer takes answers. Thank you for your interest.",
            "Ya no admite respuestas. Gracias por su interés.",
            "Elle n'accepte plus de réponses. Merci de votre intérêt.",
            "Sie nimmt keine Antworten mehr an. Danke für Ihr Interesse.",
            "Já não aceita respostas. Obrigado pelo seu interesse.",
            "本调查已不再接受回答。感谢您的关注。",
        ],
    ),
    (
        "not_open_title",
        [
            "This survey is not open yet",
            "Esta encuesta aún no está abierta",
            "Cette enquête n'est pas encore ouverte",
            "Diese Umfrage ist noch nicht geöffnet",
            "Este inquérito ainda não está aberto",
            "本调查尚未开放",
        ],
    ),
    (
        "not_open_body",
        [
            "Please come back when it opens.",
            "Vuelva cuando se abra.",
            "Revenez à son ouverture.",
            "Bitte kommen Sie wieder, wenn sie geöffnet ist.",
            "Volte quando abrir.",
            "请在开放后再来。",
        ],
    ),
    (
        "invitation_only_title",
        [
            "This survey is by invitation",
            "Esta encuesta es solo por invitación",
            "Cette enquête est sur invitation",
            "Diese Umfrage ist nur auf Einladung",
            "Este inquérito é só por convite",
            "本调查仅限受邀者参加",
        ],
    ),
    (
        "invitation_only_body",
        [
            "Please use the personal link from your invitation email.",
            "Use el enlace personal de su correo de invitación.",
            "Utilisez le lien personnel de votre courriel d'invitation.",
            "Bitte nutzen Sie den persönlichen Link aus Ihrer Einladung.",
            "Use o link pessoal do seu email de convite.",
            "请使用邀请邮件中的个人链接。",
        ],
    ),
    (
        "invalid_link_title",
        [
            "This link is not valid",
            "Este enlace no es válido",
            "Ce lien n'est pas valide",
            "Dieser Link ist ungültig",
            "Este link não é válido",
            "此链接无效",
        ],
    ),
    (
        "invalid_link_body",
        [
            "Please check that you copied the whole link from your invitation, or ask the research team for a new one.",
            "Compruebe que copió el enlace completo de su invitación o pida uno nuevo al equipo de investigación.",
            "Vérifiez que vous avez copié tout le lien de votre invitation, ou demandez-en un nouveau à l'équipe.",
            "Prüfen Sie, ob Sie den ganzen Link kopiert haben, oder bitten Sie das Team um einen neuen.",
            "Verifique se copiou o link completo do convite ou peça um novo à equipa de investigação.",
            "请确认您复制了邀请中的完整链接，或向研究团队索取新链接。",
        ],
    ),
    (
        "already_started_title",
        [
            "You have already started this survey",
            "Ya ha comenzado esta encuesta",
            "Vous avez déjà commencé cette enquête",
            "Sie haben diese Umfrage bereits begonnen",
            "Já começou este inquérito",
            "您已开始填写本调查",
        ],
    ),
    (
        "already_started_body",
        [
            "Please continue on the device where you began, or with the resume link shown on its pages.",
            "Continúe en el dispositivo donde empezó o con el enlace para continuar que aparece en sus páginas.",
            "Continuez sur l'appareil où vous avez commencé, ou avec le lien de reprise affiché sur ses pages.",
            "Bitte machen Sie auf dem Gerät weiter, auf dem Sie begonnen haben, oder mit dem Fortsetzungslink.",
            "Continue no dispositivo onde começou ou com o link de retoma mostrado nas páginas.",
            "请在开始填写的设备上继续，或使用页面上显示的继续链接。",
        ],
    ),
    (
        "full_title",
        [
            "This survey has all the responses it needs",
            "Esta encuesta ya tiene todas las respuestas que necesita",
            "Cette enquête a reçu toutes les réponses nécessaires",
            "Diese Umfrage hat alle benötigten Antworten",
            "Este inquérito já tem todas as respostas de que precisa",
            "本调查已收到所需的全部回答",
        ],
    ),
    (
        "full_body",
        [
            "It takes no new responses. Thank you for your interest.",
            "No admite respuestas nuevas. Gracias por su interés.",
            "Elle n'accepte plus de nouvelles réponses. Merci de votre intérêt.",
            "Sie nimmt keine neuen Antworten an. Danke für Ihr Interesse.",
            "Não aceita novas respostas. Obrigado pelo seu interesse.",
            "本调查不再接受新的回答。感谢您的关注。",
        ],
    ),
    (
        "thank_you",
        [
            "Thank you. Your answers have been submitted.",
            "Gracias. Sus respuestas se han enviado.",
            "Merci. Vos réponses ont été envoyées.",
            "Vielen Dank. Ihre Antworten wurden gesendet.",
            "Obrigado. As suas respostas foram enviadas.",
            "谢谢。您的答案已提交。",
        ],
    ),
    (
        "too_many",
        [
            "Too many new responses came from your network just now. Please wait a few minutes and try again.",
            "Han llegado demasiadas respuestas nuevas desde su red. Espere unos minutos y vuelva a intentarlo.",
            "Trop de nouvelles réponses viennent de votre réseau. Patientez quelques minutes et réessayez.",
            "Gerade kamen zu viele neue Antworten aus Ihrem Netz. Bitte warten Sie einige Minuten.",
            "Chegaram demasiadas respostas novas da sua rede. Aguarde alguns minutos e tente novamente.",
            "您所在网络刚刚提交了过多新回答。请稍等几分钟后重试。",
        ],
    ),
    (
        "honeypot_label",
        [
            "Leave this field empty",
            "Deje este campo vacío",
            "Laissez ce champ vide",
            "Dieses Feld leer lassen",
            "Deixe este campo vazio",
            "请勿填写此栏",
        ],
    ),
];

const LANGUAGES: [&str; 6] = ["en", "es", "fr", "de", "pt", "zh"];

/// Whether `key` names a built-in message (for checking a survey's `[messages]` overrides).
pub fn is_known(key: &str) -> bool {
    CATALOG.iter().any(|(k, _)| *k == key)
}

/// Every message key, for documentation and for the designer's translation view.
pub fn keys() -> impl Iterator<Item = &'static str> {
    CATALOG.iter().map(|(k, _)| *k)
}

/// The message `key` in `language`: the survey's override, else the built-in text in that language
/// (or its base language, `pt` for `pt-BR`), else English.
pub fn message(survey: &SurveyDefinition, key: &str, language: &str) -> String {
    if let Some(text) = survey.messages.get(key).and_then(|t| t.get(language)).filter(|t| !t.is_empty()) {
        return text.clone();
    }
    let base = language.split('-').next().unwrap_or(language);
    let column = LANGUAGES.iter().position(|l| *l == base).unwrap_or(0);
    CATALOG.iter().find(|(k, _)| *k == key).map_or_else(|| key.to_string(), |(_, texts)| texts[column].to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_message_the_code_asks_for_is_in_the_catalogue() {
        let sources = [include_str!("../respond/web/pages.rs"), include_str!("../respond/answers.rs")];
        for source in sources {
            for (i, _) in source.match_indices("\"error_").chain(source.match_indices("\"revealed\"")) {
                let key: String = source[i + 1..].chars().take_while(|c| *c != '"').collect();
                assert!(super::is_known(&key), "{key} is used but has no text");
            }
        }
    }
}
