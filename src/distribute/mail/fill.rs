//! Filling in a template a researcher wrote, with bounded work: the template may use `{{ … }}`,
//! `{% if %}` and `{% for %}` and a few text filters, rendering runs on minijinja's fuel (about
//! one unit an instruction), and the message it makes has a greatest length. Assignments, macros
//! and the `*` operator are refused before rendering: with them a short template makes text that
//! doubles at each step, which no fuel limit stops.

use std::io;

use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde::Serialize;

/// The most work filling in one subject or body may take, in minijinja's fuel. The built-in
/// templates take a few hundred; this leaves room for loops over a participant's columns, and
/// takes milliseconds at most.
pub const FUEL: u64 = 50_000;

/// The longest subject or body a template may make, in bytes.
pub const MAX_OUTPUT: usize = 100_000;

/// The statements a message may use; the rest (`set`, `macro`, `call`, `filter`, `with`,
/// `include`, `import`, `extends`, `block`, …) are refused.
const STATEMENTS: [&str; 8] = ["if", "elif", "else", "endif", "for", "endfor", "raw", "endraw"];

/// Fills in `source` with `context`, or says why not (syntax, a refused statement, a misspelt
/// name under `Strict`, too much work, too long a message).
pub fn fill(source: &str, context: impl Serialize, undefined: UndefinedBehavior) -> Result<String, Error> {
    if let Some(problem) = refused_syntax(source) {
        return Err(Error::new(ErrorKind::InvalidOperation, problem));
    }
    let env = environment(undefined);
    let mut out = Capped(Vec::new());
    match env.template_from_str(source)?.render_captured_to(context, &mut out) {
        Ok(_) => Ok(String::from_utf8_lossy(&out.0).into_owned()),
        Err(err) if err.kind() == ErrorKind::WriteFailure => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("the message would be longer than {MAX_OUTPUT} characters"),
        )),
        Err(err) if err.kind() == ErrorKind::OutOfFuel => Err(Error::new(
            ErrorKind::InvalidOperation,
            "the template takes too much work to fill in (a loop inside a loop?)",
        )),
        Err(err) => Err(err),
    }
}

/// An environment with the text filters a message needs, no functions (no `range`), and fuel.
fn environment(undefined: UndefinedBehavior) -> Environment<'static> {
    use minijinja::{filters, tests};
    let mut env = Environment::empty();
    env.set_undefined_behavior(undefined);
    env.set_keep_trailing_newline(true);
    env.set_fuel(Some(FUEL));
    env.add_filter("upper", filters::upper);
    env.add_filter("lower", filters::lower);
    env.add_filter("title", filters::title);
    env.add_filter("capitalize", filters::capitalize);
    env.add_filter("trim", filters::trim);
    env.add_filter("default", filters::default);
    env.add_filter("d", filters::default);
    env.add_filter("length", filters::length);
    env.add_filter("first", filters::first);
    env.add_filter("last", filters::last);
    env.add_filter("join", filters::join);
    env.add_filter("items", filters::items);
    env.add_test("defined", tests::is_defined);
    env.add_test("undefined", tests::is_undefined);
    env.add_test("none", tests::is_none);
    env
}

/// Output that refuses to grow past [`MAX_OUTPUT`].
struct Capped(Vec<u8>);

impl io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.0.len() + buf.len() > MAX_OUTPUT {
            return Err(io::Error::other("the message is too long"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The first statement or operator a message may not use, with its line; `None` when there is
/// none. Text between `{% raw %}` and `{% endraw %}` is text.
fn refused_syntax(source: &str) -> Option<String> {
    let mut rest = source;
    let mut in_raw = false;
    while let Some(open) = rest.find('{') {
        let at = source.len() - rest.len() + open;
        let line = source[..at].matches('\n').count() + 1;
        let after = &rest[open + 1..];
        let close = match after.chars().next() {
            Some('{') if !in_raw => "}}",
            Some('%') => "%}",
            Some('#') if !in_raw => "#}",
            _ => {
                rest = after;
                continue;
            }
        };
        let (code, remaining) = code_until(&after[1..], close);
        rest = remaining;
        match close {
            "%}" => {
                let word: String = code
                    .trim_start_matches(['-', '+'])
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric())
                    .collect();
                if in_raw {
                    in_raw = word != "endraw";
                    continue;
                }
                if !STATEMENTS.contains(&word.as_str()) {
                    return Some(format!(
                        "{{% {word} %}} cannot be used in a message (line {line}): use {{{{ … }}}}, {{% if %}} and {{% for %}}"
                    ));
                }
                in_raw = word == "raw";
            }
            "#}" => continue,
            _ => {}
        }
        if outside_strings(code).contains('*') {
            return Some(format!("the * operator cannot be used in a message (line {line})"));
        }
    }
    None
}

/// The code of a tag up to `close` (outside string literals), and what follows it.
fn code_until<'s>(text: &'s str, close: &str) -> (&'s str, &'s str) {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if text[i..].starts_with(close) => return (&text[..i], &text[i + close.len()..]),
            None => {}
        }
    }
    (text, "")
}

/// The code with its string literals taken out.
fn outside_strings(code: &str) -> String {
    let mut quote = None;
    code.chars()
        .filter(|&c| match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                false
            }
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                false
            }
            None => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use minijinja::context;

    use super::*;

    fn fill_for_ana(source: &str) -> Result<String, String> {
        let context = context! { name => "Ana", attributes => context! { team => "Ops", role => "lead" } };
        fill(source, context, UndefinedBehavior::Chainable).map_err(|err| err.to_string())
    }

    #[test]
    fn conditions_loops_and_text_filters_fill_in() {
        let source = "{% if name %}Hi {{ name|upper }}{% endif %}{% for k, v in attributes|items %} {{ k }}={{ v|title }}{% endfor %} {{ missing|default(\"-\") }} {% raw %}{{ name }}{% endraw %} {{ \"2*3\" }}";
        assert_eq!(fill_for_ana(source).unwrap(), "Hi ANA team=Ops role=Lead - {{ name }} 2*3");
    }

    #[test]
    fn statements_and_operators_that_build_text_without_bound_are_refused_with_their_line() {
        let cases = [
            ("{% set x = name %}{{ x }}", "{% set %} cannot be used in a message (line 1)"),
            ("Hi\n{%- macro m() %}x{% endmacro %}", "{% macro %} cannot be used in a message (line 2)"),
            ("{% set a %}{{ name }}{{ name }}{% endset %}", "{% set %}"),
            ("{% include 'x' %}", "{% include %}"),
            ("\n\n{{ name * 100000000 }}", "the * operator cannot be used in a message (line 3)"),
            ("{% for x in [1] * 9 %}{% endfor %}", "the * operator"),
            ("{% raw %}{% set x = 1 %}{% endraw %}{% with a = 1 %}{% endwith %}", "{% with %}"),
        ];
        for (source, expected) in cases {
            let problem = fill_for_ana(source).unwrap_err();
            assert!(problem.contains(expected), "{source}: {problem}");
        }
        // `range` and the other functions are not there; nor is a filter that multiplies text.
        assert!(fill_for_ana("{% for i in range(99) %}{% endfor %}").unwrap_err().contains("unknown function"));
        assert!(fill_for_ana("{{ name|replace('a', name) }}").unwrap_err().contains("unknown filter"));
    }

    #[test]
    fn a_template_that_takes_too_much_work_or_makes_too_long_a_message_stops_with_a_reason() {
        let sixteen = "attributes.role ~ attributes.role ~ attributes.role ~ attributes.role";
        let nested = format!(
            "{{% for a in {sixteen} %}}{{% for b in {sixteen} %}}{{% for c in {sixteen} %}}{{% for d in {sixteen} %}}\
             {{% endfor %}}{{% endfor %}}{{% endfor %}}{{% endfor %}}"
        );
        assert!(fill_for_ana(&nested).unwrap_err().contains("too much work"), "16^4 turns of a loop");
        let long = format!(
            "{{% for a in '{}' %}}{{% for b in '{}' %}}{}{{% endfor %}}{{% endfor %}}",
            "x".repeat(99),
            "x".repeat(99),
            "y".repeat(200)
        );
        assert!(fill_for_ana(&long).unwrap_err().contains("longer than 100000 characters"));
    }
}
