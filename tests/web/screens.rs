//! The researcher's screens as a newcomer meets them (issue 16), over HTTP: getting started
//! (`start`: the dashboard, the study kit, the survey's overview), the builder and translations
//! (`builder`: one line per question, a form per type, deleting that asks first, filters), what
//! every page shares
//! (`everywhere`: one time format, the favicon, the sub-menus). In a real browser, at a desktop's
//! and a phone's size: `browser_screens`.

mod builder;
mod everywhere;
mod start;
