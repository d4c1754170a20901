//! The built-in invitation and reminder, in the languages the respondent interface speaks, used
//! for any survey language and kind the researcher has not written their own for.

use super::Kind;

/// (language, invitation subject, invitation body, reminder subject, reminder body).
const BUILT_IN: &[(&str, &str, &str, &str, &str)] = &[
    (
        "en",
        "Invitation: {{ survey_title }}",
        "{% if name %}Dear {{ name }},{% else %}Hello,{% endif %}

You are invited to take part in the survey \"{{ survey_title }}\".

Please answer through your personal link:
{{ link }}

The link is yours alone, so please do not forward this message.

Thank you for your time.

To receive no more email about this survey:
{{ opt_out_link }}
",
        "Reminder: {{ survey_title }}",
        "{% if name %}Dear {{ name }},{% else %}Hello,{% endif %}

A short reminder: we would still value your answers to the survey \"{{ survey_title }}\". If you have already begun, the same link lets you continue.

{{ link }}

Thank you for your time.

To receive no more email about this survey:
{{ opt_out_link }}
",
    ),
    (
        "es",
        "Invitación: {{ survey_title }}",
        "{% if name %}Estimado/a {{ name }}:{% else %}Hola:{% endif %}

Le invitamos a participar en la encuesta «{{ survey_title }}».

Responda a través de su enlace personal:
{{ link }}

El enlace es solo para usted; por favor, no reenvíe este mensaje.

Gracias por su tiempo.

Para no recibir más correos sobre esta encuesta:
{{ opt_out_link }}
",
        "Recordatorio: {{ survey_title }}",
        "{% if name %}Estimado/a {{ name }}:{% else %}Hola:{% endif %}

Le recordamos que sus respuestas a la encuesta «{{ survey_title }}» nos siguen siendo muy valiosas. Si ya ha empezado, el mismo enlace le permite continuar.

{{ link }}

Gracias por su tiempo.

Para no recibir más correos sobre esta encuesta:
{{ opt_out_link }}
",
    ),
    (
        "fr",
        "Invitation : {{ survey_title }}",
        "{% if name %}Bonjour {{ name }},{% else %}Bonjour,{% endif %}

Nous vous invitons à participer à l'enquête « {{ survey_title }} ».

Veuillez répondre au moyen de votre lien personnel :
{{ link }}

Ce lien vous est réservé : merci de ne pas transférer ce message.

Merci de votre temps.

Pour ne plus recevoir de courriels au sujet de cette enquête :
{{ opt_out_link }}
",
        "Rappel : {{ survey_title }}",
        "{% if name %}Bonjour {{ name }},{% else %}Bonjour,{% endif %}

Petit rappel : vos réponses à l'enquête « {{ survey_title }} » nous seraient précieuses. Si vous avez déjà commencé, le même lien vous permet de continuer.

{{ link }}

Merci de votre temps.

Pour ne plus recevoir de courriels au sujet de cette enquête :
{{ opt_out_link }}
",
    ),
    (
        "de",
        "Einladung: {{ survey_title }}",
        "{% if name %}Guten Tag {{ name }},{% else %}Guten Tag,{% endif %}

wir laden Sie ein, an der Umfrage „{{ survey_title }}“ teilzunehmen.

Bitte antworten Sie über Ihren persönlichen Link:
{{ link }}

Der Link gilt nur für Sie; bitte leiten Sie diese Nachricht nicht weiter.

Vielen Dank für Ihre Zeit.

Wenn Sie keine weiteren E-Mails zu dieser Umfrage erhalten möchten:
{{ opt_out_link }}
",
        "Erinnerung: {{ survey_title }}",
        "{% if name %}Guten Tag {{ name }},{% else %}Guten Tag,{% endif %}

wir möchten Sie kurz an die Umfrage „{{ survey_title }}“ erinnern: Ihre Antworten sind uns weiterhin wichtig. Wenn Sie bereits begonnen haben, können Sie über denselben Link fortfahren.

{{ link }}

Vielen Dank für Ihre Zeit.

Wenn Sie keine weiteren E-Mails zu dieser Umfrage erhalten möchten:
{{ opt_out_link }}
",
    ),
    (
        "pt",
        "Convite: {{ survey_title }}",
        "{% if name %}Olá {{ name }},{% else %}Olá,{% endif %}

Gostaríamos de convidá-lo(a) a participar no questionário «{{ survey_title }}».

Responda através do seu link pessoal:
{{ link }}

O link é só para si; por favor, não reencaminhe esta mensagem.

Obrigado pelo seu tempo.

Para não receber mais emails sobre este questionário:
{{ opt_out_link }}
",
        "Lembrete: {{ survey_title }}",
        "{% if name %}Olá {{ name }},{% else %}Olá,{% endif %}

Um breve lembrete: as suas respostas ao questionário «{{ survey_title }}» continuam a ser muito importantes para nós. Se já começou, o mesmo link permite-lhe continuar.

{{ link }}

Obrigado pelo seu tempo.

Para não receber mais emails sobre este questionário:
{{ opt_out_link }}
",
    ),
    (
        "zh",
        "邀请：{{ survey_title }}",
        "{% if name %}{{ name }}，您好：{% else %}您好：{% endif %}

诚邀您参加问卷调查“{{ survey_title }}”。

请通过您的个人链接作答：
{{ link }}

此链接仅供您本人使用，请勿转发本邮件。

感谢您抽出宝贵时间。

如不希望再收到有关本问卷的邮件：
{{ opt_out_link }}
",
        "提醒：{{ survey_title }}",
        "{% if name %}{{ name }}，您好：{% else %}您好：{% endif %}

温馨提醒：我们仍然非常期待您对问卷“{{ survey_title }}”的回答。如果您已经开始作答，可以通过同一链接继续。

{{ link }}

感谢您抽出宝贵时间。

如不希望再收到有关本问卷的邮件：
{{ opt_out_link }}
",
    ),
];

/// The built-in (subject, body) of `kind` in `language` (or its base language: `pt` for
/// `pt-BR`), or None when there is none in that language.
pub fn built_in(kind: Kind, language: &str) -> Option<(&'static str, &'static str)> {
    let base = language.split(['-', '_']).next().unwrap_or(language);
    let row = BUILT_IN.iter().find(|row| row.0.eq_ignore_ascii_case(language) || row.0.eq_ignore_ascii_case(base))?;
    Some(match kind {
        Kind::Invitation => (row.1, row.2),
        Kind::Reminder => (row.3, row.4),
    })
}

/// The built-in English (subject, body), the last fallback.
pub fn english(kind: Kind) -> (&'static str, &'static str) {
    let row = &BUILT_IN[0];
    match kind {
        Kind::Invitation => (row.1, row.2),
        Kind::Reminder => (row.3, row.4),
    }
}
