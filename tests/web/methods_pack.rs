//! The methods pack: `fieldwork report` writes the folder, the survey's page downloads the same
//! files as a zip, every figure equals its page's, the manifest verifies, nothing points outside
//! the pack, the disclosure check lists the small groups, and bad input is refused with its reason.

mod fixture;
mod pack;
mod settings;
