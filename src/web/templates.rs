//! The minijinja environment, with every template embedded from `templates/` at build time.
//! Names end in `.html`, so minijinja escapes every value unless a template says otherwise.

use include_dir::{Dir, include_dir};
use minijinja::Environment;
use serde::Serialize;

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The loaded templates.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn load() -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        // `{{ stamp|local_time }}`: a stored time in the reader's zone, the one format of every page.
        env.add_filter("local_time", local_time);
        // `?q={{ typed|urlencode }}`: a value typed by a person, safe inside a query string.
        env.add_filter("urlencode", |value: String| crate::error::urlencode(&value));
        for (name, source) in embedded() {
            env.add_template(name, source)?;
        }
        Ok(Templates { env })
    }

    /// Renders a template; an error here is a bug in the template or its context.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }

    /// Every template's name, for the test that renders them all.
    pub fn names(&self) -> Vec<String> {
        embedded().map(|(name, _)| name.to_string()).collect()
    }
}

/// The `local_time` filter: a stored UTC time (or date) as `time_zone::display` shows it, in the
/// zone given, else the signed-in person's (`current_user.time_zone`), else UTC. Nothing stored
/// (none) is shown as nothing.
fn local_time(state: &minijinja::State, stored: Option<String>, zone: Option<String>) -> String {
    let Some(stored) = stored else { return String::new() };
    let reader = || state.lookup("current_user")?.get_attr("time_zone").ok()?.as_str().map(str::to_string);
    let zone = zone.or_else(reader).unwrap_or_else(|| "UTC".to_string());
    super::time_zone::display(&stored, &zone)
}

fn embedded() -> impl Iterator<Item = (&'static str, &'static str)> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<(&'static str, &'static str)>) {
        for file in dir.files() {
            if let (Some(name), Some(source)) = (file.path().to_str(), file.contents_utf8()) {
                out.push((name, source));
            }
        }
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut all = Vec::new();
    walk(&TEMPLATES, &mut all);
    all.into_iter()
}

#[cfg(test)]
mod tests {
    use minijinja::context;

    use super::*;

    /// A context with a value for every name templates commonly use, so each one renders fully.
    fn sample_context() -> minijinja::Value {
        let user = context! {
            id => 1, email => "ana@example.org", name => "Ana <b>", role => "admin", active => true,
            has_password => true, created_at => "2026-01-01T00:00:00Z", last_login_at => "2026-01-02T00:00:00Z",
        };
        context! {
            csrf_token => "token", current_user => &user, user => &user, users => vec![&user],
            roles => vec!["admin", "researcher", "coder"], flash => context! { kind => "success", message => "Saved." },
            errors => context! { email => "Enter an email address." }, form => context! { email => "x@example.org" },
            status => 404, title => "Page not found", message => "Nothing here.", next => "/", email => "x@example.org",
            token => "t", link => "http://127.0.0.1:8080/account/set-password?token=t", kind => "invite", valid_days => 7,
            entries => vec![context! { at => "2026-01-01T00:00:00Z", actor => "ana", action => "auth.login", target => "", details => "" }],
            action => "auth.",
            // Respondent pages: every question of the shipped questionnaire, every message.
            slug => "open-llm-governance", survey_title => "Survey", lang => "en", dir => "ltr", form_token => "f",
            languages => vec![context! { code => "en", name => "English", current => true }, context! { code => "es", name => "Español", current => false }],
            msg => crate::survey::messages::keys().map(|k| (k, k)).collect::<std::collections::BTreeMap<_, _>>(),
            questions => sample_questions(), index => 0, page_title => "About you", is_last => false, has_back => true,
            progress => context! { n => 1, of => 6, label => "Page 1 of 6" }, notice => "Notice",
            description => vec!["Welcome."], consent => vec!["Consent."], thank_you => vec!["Thanks."],
            survey => sample_survey(), surveys => vec![context! { slug => "s", title => "T", status => "open", version => 1, complete => 1, partial => 0, languages => vec!["en"] }],
            texts => vec![context! { path => "title", label => "Survey title", source => "T", translations => vec![context! { language => "es", text => "", state => "missing" }] }],
            summary => vec![context! { language => "es", missing => 1, out_of_date => 0 }], translation_gaps => vec![context! { language => "es", missing => 1, out_of_date => 0 }],
            text => "format = 1", pasted => "", import_errors => vec![context! { path => "slug", message => "bad" }], public_link => "http://x/s/s", pages => 1,
            complete => 0, partial => 0, types => vec!["short_text", "single_choice"], based_on => "t",
            question => sample_survey().get_attr("definition").and_then(|d| d.get_attr("pages")).and_then(|p| p.get_item(&0.into())).and_then(|p| p.get_attr("questions")).and_then(|q| q.get_item(&1.into())).unwrap(),
            choices => vec![context! { code => "a", label => context! { en => "A" } }], rows => vec![context! { code => "r", label => context! { en => "R" } }],
            survey_page => context! { code => "p1", title => context! { en => "P" }, relevant => "" },
            d => sample_survey().get_attr("definition").unwrap(),
            // Codebooks and coding.
            codebook => sample_codebook(), codebooks => vec![sample_codebook()], pending => 1, flagged => 1, revision => 1,
            rows => vec![context! { depth => 1, entry => context! { id => "A", name => "A", kind => "code", colour => "#112233" }, codings => 2 }],
            codes => vec![context! { entry => context! { id => "A", name => "A", kind => "code", shortcut => "a", short_definition => "s", definition => "d" }, depth => 0, applied => true, exclusive_group => "G" }],
            entry => context! { id => "A", name => "A", kind => "code" }, categories => vec![("C", "Cat")], path => "Cat / A",
            changes => vec![context! { version => 1, at => "t", actor => "a", kind => "renamed", code_key => "A", detail => "x → y" }],
            flagged_codings => Vec::<i32>::new(), unit => context! { response_id => 1, question => "OPEN_WHY" }, question_text => "Why?",
            segments => vec![context! { start => 0, text => "Hello ", codes => Vec::<String>::new() }, context! { start => 6, text => "world", codes => vec!["A"] }],
            text_length => 11, my_spans => vec![context! { id => 1, code => "A", name => "A", passage => "world" }],
            others => std::collections::BTreeMap::from([("b@example.org", vec!["A"])]), memos => vec![context! { body => "memo", author => "a", created_at => "t" }],
            done => true, context_answers => vec![context! { text => "Role", value => "Lead" }], position => 1, total => 2, done_count => 1,
            prev_url => "/p", next_url => "/n", next_open_url => "/u", published => true, blind => true, first_open => context! { response_id => 1, question => "Q" },
            items => Vec::<i32>::new(), journal => vec![context! { body => "j", author => "a", created_at => "t" }], code_memos => Vec::<i32>::new(),
            people => vec![context! { id => 1, email => "c@example.org", role => "coder" }], coder_progress => vec![("c@example.org", 1, 2)],
            runs => vec![context! { id => 1, questions => "OPEN_WHY", double_share => 0.2, coders_per_double => 2, seed => 7, created_at => "t", total => 4, written => 2, finished => false }],
            // The analysis page (`analysis::view`) and the export page's option fields (`export::fields`).
            fields => vec![
                context! { name => "answer", label => "Only respondents who answered", kind => "select", value => "Q=a", help => "", options => vec![context! { value => "", label => "(everyone)" }, context! { label => "Q: Q?", options => vec![context! { value => "Q=a", label => "Ana <b>" }] }] },
                context! { name => "by", label => "Cross-tab codes by", kind => "select", value => "", help => "No participant attributes.", options => vec![context! { value => "language", label => "Language" }] },
                context! { name => "from", label => "Started from", kind => "date", value => "2026-01-01", help => "" },
                context! { name => "include_partial", label => "Include partial responses", kind => "checkbox", value => "1" },
            ],
            files => vec![context! { what => "tallies", url => "tallies.csv", title => "Code tallies", description => "d", csv => true, needs_codebook => true, fields => vec![context! { name => "bom", label => "BOM", kind => "checkbox", value => "" }] }],
            has_codebook => true, responses => 4, answered => 4,
            analysis => context! {
                sections => [("tallies", "Code tallies")], responses => 4, awaiting => 1, codebook => context! { id => 1 }, question => "Q",
                tallies => context! { chart => "<svg></svg>", csv => "/e", svg => "/s", answered => 4, rows => vec![context! { key => "A", name => "Ana <b>", depth => 1, category => false, answers => 2, respondents => 2, share => 0.5 }] },
                crosstab => context! { by => "language", csv => "/e", table => context! { groups => vec![context! { key => "g", label => "G", total => 2 }], rows => vec![context! { key => "A", name => "A", depth => 0, category => false, counts => vec![1], percents => vec![50.0] }] } },
                cooccurrence => context! { codes => vec![("A", "A")], answers => vec![vec![2]], respondents => vec![vec![2]], c => vec![vec![1.0]], chart => "<svg></svg>", csv => "/e", svg => "/s", capped => "Showing 30", strongest => vec![context! { a => "A", b => "B", answers => 1, respondents => 1, c => 0.5 }] },
                closed => context! { csv => "/e", frequencies => vec![context! { key => "Q", text => "Q?", answered => 2, chart => "<svg></svg>", svg => "/s", rows => vec![context! { key => "a", label => "A", count => 1, percent => 50.0 }], other_texts => vec!["x"] }] },
            },
            open_questions => vec!["OPEN_WHY"], suggested_seed => 7, open => true, code => "A", version => 1, query => "?question=", double_coded => 3, interpretation => "guide", coders => std::collections::BTreeMap::from([("a@example.org", context! { codes => vec!["A"], passages => vec![context! { code => "A", passage => "p" }], memos => vec![context! { body => "m", created_at => "t" }] })]), names => context! { A => "A" }, all => vec!["A"], ticked => vec!["A"], reconciliation => ("a", "note", "t"),
            resume_token => "r", resume_link => "http://127.0.0.1:8080/s/x/resume/r", body => "Body",
            participants => vec![context! { id => 1, email => "p@example.org", name => "Ana <b>", language => "es", status => "invited", attributes => "role: lead", last_mail => "2026-01-01 10:00 CET", mail_error => "550 no" }],
            participant => context! { id => 1, email => "p@example.org", name => "P", status => "started", reminders => 1, attributes => context! { role => "lead" } },
            counts => context! { by_status => vec![("invited", 1)], total => 1 }, statuses => ["invited"],
            distribution => context! { access => "both", response_limit => 10, grace_hours => 24 },
            import_problems => vec![context! { line => 2, message => "bad" }], add_errors => context! { email => "bad" },
            listed => vec![context! { id => 1, status => "complete", language => "en", started => "2026-01-01 10:00 UTC", submitted => "2026-01-01 10:05 UTC", participant_email => "p@example.org", deleted => "2026-01-02 00:00 UTC" }],
            response => context! { id => 1, status => "complete", language => "en", survey_version => 1, started => "s", duration => "5 minutes" },
            answers => vec![context! { code => "Q1", question => "Why?", lines => vec!["Because"] }],
            filter => context! { status => "invited", q => "R&D #1", language => "en", from => "2026-01-01", to => "2026-02-01", participant => "p+1@example.org" },
            // Every list's paging links: a page after the first, with one more after it.
            page_number => 2, has_next => true,
            zones => ["UTC", "Europe/Madrid"], current => "UTC", count => 2, before => "2026-01-01",
            members => vec![context! { user_id => 2, email => "r@example.org", name => "Ana <b>", role => "researcher", active => false, added_at => "2026-01-01T00:00:00Z", added_by => "a@example.org" }],
            member_roles => ["researcher", "coder"], member_form => context! { member_email => "c@example.org", member_role => "coder" },
            member_errors => context! { member_email => "no such account", member_role => "choose one" },
            // The survey's overview: its next steps, where it stands, what is not translated.
            next_steps => vec![
                context! { label => "Open for responses", href => "/surveys/s/status", why => "w", opens => true },
                context! { label => "Review", href => "/surveys/s/build", why => "w", opens => false },
            ],
            progress => context! { complete => 1, partial => 1, participants => 2, codebooks => vec![
                context! { id => 1, name => "Ana <b>", published => true, coded => 2, awaiting => 1 },
                context! { id => 2, name => "B", published => false, coded => 0, awaiting => 0 },
            ] },
            coded => 2, awaiting => 1, access => "both",
            // The builder: its outline, a question's settings and removals, a confirmation.
            outline => vec![context! { code => "p1", title => "Ana <b>", relevant => "${A} = 1", questions => vec![
                context! { code => "Q1", type_label => "Short text", required => true, relevant => "${A} = 1", text => "Why?" },
            ] }],
            uses => crate::survey::model::QuestionType::MultipleChoice.settings(), type_label => "Multiple choice",
            removals => vec![context! { kind => "choice", code => "b", label => "Ana <b>", answered => true }], confirmed => false,
            shown_texts => vec![context! { path => "title", label => "Survey title", source => "T", translation => context! { language => "es", text => "<b>", state => "missing" } }],
            total => 3, other_languages => vec!["es", "fr"], language => "es", show => "missing",
            what => "the question Q1", lines => vec!["Nobody has answered Q1 yet."], can => true,
            missing_translations => vec![context! { language => "es", labels => vec!["Q1 text"; 9] }],
            // The machine coder's pages and its section of the agreement page.
            latest => sample_machine(), machine => sample_machine(), running => true, percent => 40, offered => true,
            job => context! { started_at => "t", done => 2, total => 5, outcome => context! { Err => "failed" } },
            settings => context! { threshold => 0.8, min_positives => 20, suggestions => true }, problems => context! { threshold => "bad" },
            versions => vec![2, 1], model => "0123456789ab", code_choices => vec![("A", "A")], code_name => "A", unknown => "Z", uncoded => 3,
            strongest => vec![("“·teu”", 1.5)], figures => context! { eligible => false, reason => "12 positive examples; 20 needed" },
            ranked => vec![context! { probability => 0.9, question => "OPEN_WHY", text => "Ana <b>" }],
            // The coding screens' own.
            view => sample_unit_page(), span_codes => vec![("A", "A")], accept_url => "/codebooks/1/code/1/Q/suggestion", offer => context! { model => "ab12", short => "ab12", suggestions => vec![context! { code => "A", name => "A", score => 0.91, shown => "0.91" }] }, then => "stay", then_choices => vec![("stay", "stay"), ("next", "next")],
            saved => context! { unit => context! { response_id => 1, question => "OPEN_WHY" }, names => vec!["A"], done => true },
            definitions_url => "/codebooks/1/definitions/2", back_url => "/", back_label => "Your coding",
            question_options => vec![("", "All"), ("OPEN_WHY", "OPEN_WHY: Why?")], next_page => "/n", previous_page => "/p",
            writing => context! { run => context! { written => 1, total => 2, created_at => "t" }, alive => true },
            chosen => context! { coders => vec![1], questions => vec!["OPEN_WHY"] }, about => vec![("", "The project"), ("A", "A")],
            other_memos => vec![context! { body => "m", author => "a", created_at => "t" }], to_reconcile => 1, only_open => true,
        }
    }

    fn sample_unit_page() -> minijinja::Value {
        let code = |id: &str, category: bool| {
            context! { id, name => id, category, depth => 1, shortcut => "a", retired => false, choose_one => category, applied => true, exclusive_group => ("C", "Cat"), defined => true, conflicting => true }
        };
        context! {
            segments => vec![context! { start => 0, text => "Hello ", codes => Vec::<String>::new() }, context! { start => 6, text => "world", codes => vec!["A"] }],
            text_length => 11, codes => vec![code("C", true), code("A", false)],
            passages => vec![context! { id => 1, code => "A", name => "A", text => "world" }],
            others => std::collections::BTreeMap::from([("b@example.org", vec!["A"])]), memos => vec![context! { body => "memo", author => "a", created_at => "t" }],
            done => false, blind => true,
        }
    }

    fn sample_machine() -> minijinja::Value {
        let figures = context! { code => "A", positives => 30, alpha => 0.9, alpha_low => 0.85, alpha_high => 0.95, cohen_kappa => 0.9, precision => 0.9, recall => 0.8, eligible => true, reason => "reaches" };
        let model = context! { hash => "0123456789abcdef", trained_at => "t", answers => 100, version => 1, seed => 1 };
        context! { model, short => "0123456789ab", coder => "machine:0123456789ab", rows => vec![context! { name => "A", figures }], eligible => 1 }
    }

    fn sample_codebook() -> minijinja::Value {
        let draft =
            crate::codebook::model::from_toml(include_str!("../../codebooks/open-llm-governance.toml")).unwrap();
        context! { id => 1, survey_id => 1, draft, draft_revision => 3, published_version => 2, blind => true, reconciliation_open => false }
    }

    fn sample_survey() -> minijinja::Value {
        let definition = crate::survey::file::from_toml(include_str!("../../questionnaires/open-llm-governance.toml"))
            .unwrap()
            .definition;
        context! { slug => "open-llm-governance", status => "open", version => 2, opened_at => "2026-01-01T00:00:00Z", definition }
    }

    fn sample_questions() -> Vec<crate::respond::web::view::QuestionView> {
        let survey =
            crate::survey::file::from_toml(include_str!("../../questionnaires/open-llm-governance.toml")).unwrap();
        let errors = survey.definition.questions().map(|(_, q)| (q.code.clone(), "Problem".to_string())).collect();
        let answers = Default::default();
        let texts = crate::respond::texts::Texts::new(&survey, &answers, "en");
        survey
            .definition
            .questions()
            .map(|(_, q)| crate::respond::web::view::question_view(&texts, q, &errors, 7))
            .collect()
    }

    #[test]
    fn every_template_renders_with_a_sample_context() {
        let templates = Templates::load().unwrap();
        let names = templates.names();
        assert!(names.len() >= 10, "{names:?}");
        for name in names {
            assert!(name.ends_with(".html"), "{name} must end in .html so that it is autoescaped");
            let html = templates.render(&name, sample_context()).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            assert!(!html.contains("Ana <b>"), "{name} must escape user text");
        }
    }

    #[test]
    fn local_time_shows_a_stored_time_in_the_readers_zone() {
        let templates = Templates::load().unwrap();
        let render = |source: &str, ctx: minijinja::Value| templates.env.render_str(source, ctx).unwrap();
        let madrid =
            context! { current_user => context! { time_zone => "Europe/Madrid" }, at => "2026-07-15T07:00:00Z" };
        assert_eq!(render("{{ at|local_time }}", madrid.clone()), "15 Jul 2026, 09:00 CEST");
        assert_eq!(render("{{ at|local_time('Asia/Tokyo') }}", madrid), "15 Jul 2026, 16:00 JST");
        let signed_out = context! { at => "2026-07-15T07:00:00Z", never => () };
        assert_eq!(render("{{ at|local_time }}|{{ never|local_time }}", signed_out), "15 Jul 2026, 07:00 UTC|");
    }

    #[test]
    fn the_form_macros_tie_label_help_and_error_to_their_field() {
        let templates = Templates::load().unwrap();
        let render = |source: &str| {
            let source = format!("{{% import \"partials/forms.html\" as forms %}}{source}");
            let template = templates.env.template_from_named_str("probe.html", &source).unwrap();
            template.render(context! { errors => context! { n => "Too long." } }).unwrap()
        };
        let input = render(r#"{{ forms.input("n", "Name", value="<b>", errors=errors, help="Short.", id="x-n") }}"#);
        assert!(input.contains(r#"<label for="x-n">Name</label>"#), "{input}");
        assert!(input.contains(r#"id="x-n" name="n" type="text" value="&lt;b&gt;""#), "{input}");
        assert!(input.contains(r#"aria-describedby="x-n-help x-n-error" aria-invalid="true""#), "{input}");
        let select =
            render(r#"{{ forms.select("k", "Kind", [("a", "A"), ("b", "B <i>")], selected="b", blank="any") }}"#);
        assert!(select.contains(r#"<option value="">any</option>"#), "{select}");
        assert!(select.contains(r#"<option value="b" selected>B &lt;i&gt;</option>"#), "{select}");
        let plain = render(r#"{{ forms.select("l", "Language", ["en", "es"], selected="es") }}"#);
        assert!(plain.contains(r#"<option value="es" selected>es</option>"#) && !plain.contains("aria-"), "{plain}");
        let boxes = render(
            r#"{{ forms.checkbox("r", "Required", checked=true) }}{{ forms.textarea("t", "Text", "a", attrs={"spellcheck": "false"}) }}"#,
        );
        assert!(boxes.contains(r#"<input id="r" name="r" type="checkbox" value="on" checked>"#), "{boxes}");
        assert!(boxes.contains(r#"rows="3" spellcheck="false">a</textarea>"#), "{boxes}");
    }

    #[test]
    fn the_paging_links_carry_the_filter_encoded() {
        let templates = Templates::load().unwrap();
        let cases = [
            ("distribute/participants.html", "q=R%26D+%231&amp;page="),
            ("distribute/responses.html", "participant=p%2B1%40example.org&amp;page="),
        ];
        for (name, encoded) in cases {
            let html = templates.render(name, sample_context()).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            assert!(html.contains("Previous</a>") && html.contains("Next →</a>"), "{name}: both links");
            assert!(html.contains("page=1\"") && html.contains("page=3\""), "{name}");
            assert_eq!(html.matches(encoded).count(), 2, "{name}: a typed filter is encoded in both links");
        }
    }

    /// The filters (`|name`) and tests (`is name`) a template source uses, outside string literals.
    fn filters_and_tests(source: &str) -> Vec<(bool, String)> {
        let mut found = Vec::new();
        for block in source.split("{{").chain(source.split("{%")).skip(1) {
            let code = block.split(['}', '%']).next().unwrap_or("");
            let mut outside = String::new();
            let mut quote = None;
            for c in code.chars() {
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == '"' || c == '\'' => quote = Some(c),
                    None => outside.push(c),
                }
            }
            let word =
                |rest: &str| rest.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            for (i, _) in outside.match_indices('|') {
                found.push((true, word(&outside[i + 1..])));
            }
            for (i, _) in outside.match_indices(" is ") {
                let rest = outside[i + 4..].trim_start();
                found.push((false, word(rest.strip_prefix("not ").unwrap_or(rest))));
            }
        }
        found
    }

    #[test]
    fn every_filter_and_test_a_template_uses_exists() {
        // A filter is looked up only when its branch runs: this finds an unknown one in any branch.
        let templates = Templates::load().unwrap();
        let mut used = std::collections::BTreeSet::new();
        for (name, source) in embedded() {
            for (is_filter, word) in filters_and_tests(source) {
                assert!(!word.is_empty(), "{name}: could not read a filter or test");
                used.insert((is_filter, word));
            }
        }
        assert!(used.contains(&(true, "urlencode".to_string())) && used.contains(&(false, "number".to_string())));
        for (is_filter, word) in used {
            let probe = if is_filter { format!("{{{{ 1|{word} }}}}") } else { format!("{{{{ 1 is {word} }}}}") };
            if let Err(err) = templates.env.render_str(&probe, ()) {
                let unknown = [minijinja::ErrorKind::UnknownFilter, minijinja::ErrorKind::UnknownTest];
                assert!(!unknown.contains(&err.kind()), "{probe}: {err}");
            }
        }
    }
}
