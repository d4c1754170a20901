//! For tests: files of the reference folder `../shared/` beside the checkout (the REFI-QDA schemas
//! and example, the agreement reference cases). A clone of the repository alone has no such folder:
//! what needs it is then skipped, with a line on standard error saying what and why. With
//! `FIELDWORK_REQUIRE_SHARED=1` (`.ci/run` sets it) a missing folder fails instead, so CI always
//! runs those checks. The unit tests compile this file as a module, `tests/web` by its path.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The variable that makes a missing `../shared/` a failure.
pub const REQUIRE_SHARED: &str = "FIELDWORK_REQUIRE_SHARED";

/// What was said to be skipped, by test and file: said once each.
static SKIPPED: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());

/// `../shared/RELATIVE`, or None when the folder is absent (said on standard error) and not
/// required. A folder that is there but lacks the file fails the test: it is broken, not absent.
pub fn shared_file(relative: &str) -> Option<PathBuf> {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    let folder = checkout.parent().unwrap_or(checkout).join("shared");
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    if !folder.is_dir() {
        let required = std::env::var(REQUIRE_SHARED).is_ok_and(|value| !value.is_empty() && value != "0");
        assert!(
            !required,
            "{test} needs ../shared/{relative}, and {} is absent ({REQUIRE_SHARED} is set): put the reference \
             folder beside the checkout",
            folder.display()
        );
        let first = SKIPPED.lock().map_or(true, |mut said| said.insert((test.clone(), relative.to_string())));
        if first {
            // Written to the stream itself: the test harness keeps what `eprintln!` prints from a
            // test that passes, and this should be seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED in {test}: what needs ../shared/{relative}, as {} is absent ({REQUIRE_SHARED}=1 makes \
                 this a failure)",
                folder.display()
            );
        }
        return None;
    }
    let path = folder.join(relative);
    assert!(path.is_file(), "{test}: the reference folder has no {}", path.display());
    Some(path)
}
