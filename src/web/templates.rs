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
