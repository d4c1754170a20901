//! Rebuilds when an embedded directory changes: `include_dir!` alone does not tell cargo.
fn main() {
    for dir in ["templates", "migrations", "static", "questionnaires", "codebooks"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
