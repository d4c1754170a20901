//! Legal, unique variable names derived from fieldwork's column names (`LANGS/english`), one
//! rule per package, documented in docs/exports.md. A pure function of the columns in order, so
//! the same survey always gives the same names:
//!
//! 1. every character but ASCII letters, digits and `_` becomes `_` (`LANGS/english` →
//!    `LANGS_english`); a name that does not start with a letter gets `v` in front;
//! 2. a reserved word of the package (SPSS `TO`, Stata `in`, R `NA`, …) gets `v_` in front;
//! 3. a name longer than the package allows (SPSS 64 bytes, Stata 32 characters, R 64) is cut;
//! 4. a name already taken — compared without regard to case, as SPSS does — gets `_2`, `_3`, …
//!    (cut further to make room), so the first column in questionnaire order keeps the plain
//!    name and adding or removing a column renames only the columns that collide with it.

/// A statistics package whose naming rules a name must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Package {
    Spss,
    Stata,
    R,
}

/// SPSS's reserved keywords (PSPP manual, "Tokens").
const SPSS_RESERVED: [&str; 13] = ["ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"];

/// Stata's reserved names that a name starting with a letter can meet ([U] 11.3; `str1` …
/// `str2045` are checked apart).
const STATA_RESERVED: [&str; 10] = ["byte", "double", "float", "if", "in", "int", "long", "strL", "using", "with"];

/// R's reserved words (`?Reserved`), which `read.csv` would rename.
const R_RESERVED: [&str; 19] = [
    "if",
    "else",
    "repeat",
    "while",
    "function",
    "for",
    "next",
    "break",
    "TRUE",
    "FALSE",
    "NULL",
    "Inf",
    "NaN",
    "NA",
    "NA_integer_",
    "NA_real_",
    "NA_character_",
    "NA_complex_",
    "in",
];

impl Package {
    /// The longest name allowed, in bytes (names here are ASCII, so also in characters).
    pub fn max_len(self) -> usize {
        match self {
            Package::Spss | Package::R => 64,
            Package::Stata => 32,
        }
    }

    fn is_reserved(self, name: &str) -> bool {
        let listed: &[&str] = match self {
            Package::Spss => &SPSS_RESERVED,
            Package::Stata => &STATA_RESERVED,
            Package::R => &R_RESERVED,
        };
        let stata_str = || {
            let digits = name.get(3..).unwrap_or("");
            name.get(..3).is_some_and(|s| s.eq_ignore_ascii_case("str"))
                && !digits.is_empty()
                && digits.chars().all(|c| c.is_ascii_digit())
        };
        listed.iter().any(|word| word.eq_ignore_ascii_case(name)) || (self == Package::Stata && stata_str())
    }
}

/// The name of each column, in the same order: legal in `package` and unique.
pub fn legal(package: Package, columns: &[&str]) -> Vec<String> {
    let mut taken = std::collections::HashSet::new();
    columns
        .iter()
        .map(|column| {
            let base = base_name(package, column);
            let mut name = base.clone();
            let mut n = 1;
            while !taken.insert(name.to_ascii_lowercase()) {
                n += 1;
                let suffix = format!("_{n}");
                name = format!("{}{suffix}", &base[..base.len().min(package.max_len() - suffix.len())]);
            }
            name
        })
        .collect()
}

/// Steps 1 to 3: the column's own legal name, before uniqueness.
fn base_name(package: Package, column: &str) -> String {
    let mut name: String =
        column.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert(0, 'v');
    }
    if package.is_reserved(&name) {
        name.insert_str(0, "v_");
    }
    name.truncate(package.max_len());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_become_legal_names() {
        let columns = ["AGE", "LANGS/english", "LANGS/other", "MOTIV_IMP/open_data", "Q-1", "_x", "1st", "été"];
        let expected = ["AGE", "LANGS_english", "LANGS_other", "MOTIV_IMP_open_data", "Q_1", "v_x", "v1st", "v_t_"];
        for package in [Package::Spss, Package::Stata, Package::R] {
            assert_eq!(legal(package, &columns), expected, "{package:?}");
        }
    }

    #[test]
    fn reserved_words_get_a_prefix_in_the_package_that_reserves_them() {
        let columns = ["TO", "to", "in", "str12", "strL", "NA", "Inf", "string"];
        assert_eq!(legal(Package::Spss, &columns), ["v_TO", "v_to_2", "in", "str12", "strL", "NA", "Inf", "string"]);
        assert_eq!(legal(Package::Stata, &columns), ["TO", "to_2", "v_in", "v_str12", "v_strL", "NA", "Inf", "string"]);
        assert_eq!(legal(Package::R, &columns), ["TO", "to_2", "v_in", "str12", "strL", "v_NA", "v_Inf", "string"]);
    }

    #[test]
    fn long_names_are_cut_to_the_package_limit_and_stay_unique() {
        let long = format!("Q{}", "x".repeat(40));
        let a = format!("{long}/a");
        let b = format!("{long}/b");
        let names = legal(Package::Stata, &[&a, &b, &a.to_uppercase()]);
        assert_eq!(names[0], format!("Q{}", "x".repeat(31)));
        assert_eq!(names[1], format!("Q{}_2", "x".repeat(29)));
        assert_eq!(names[2], format!("Q{}_3", "X".repeat(29)));
        assert!(names.iter().all(|n| n.len() <= 32));
        let spss = legal(Package::Spss, &[&a, &b]);
        assert_eq!(spss, [format!("{long}_a"), format!("{long}_b")]);
    }

    #[test]
    fn collisions_are_settled_in_questionnaire_order_without_regard_to_case() {
        // `A_B` (a question) and `A/B` (choice B of question A) meet; so do `q1` and `Q1`.
        let names = legal(Package::Spss, &["A_B", "A/B", "q1", "Q1", "A_B_2"]);
        assert_eq!(names, ["A_B", "A_B_2", "q1", "Q1_2", "A_B_2_2"]);
    }

    #[test]
    fn the_same_columns_always_give_the_same_names() {
        let columns = ["X/1", "X_1", "in", "Y"];
        assert_eq!(legal(Package::Stata, &columns), legal(Package::Stata, &columns));
        // A column added at the end leaves the names before it as they were.
        let more = ["X/1", "X_1", "in", "Y", "X/1/"];
        assert_eq!(legal(Package::Stata, &more)[..4], legal(Package::Stata, &columns)[..]);
    }
}
