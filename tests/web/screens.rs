//! The researcher's screens as a newcomer meets them (issue 16), over HTTP: the builder (`builder`: one
//! line per question, a form per type, deleting that asks first), what every page shares
//! (`everywhere`: one time format, the favicon, the sub-menus). In a real browser, at a desktop's
//! and a phone's size: `browser_screens`.

mod builder;
mod everywhere;
