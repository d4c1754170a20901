//! The route table as data: features list their routes through `Routes`, which builds the axum
//! router and keeps every path, so that a test can go through all of them (the access matrix in
//! `tests/web/scoping.rs`) and a route added tomorrow is covered without anyone listing it.

use axum::Router;
use axum::routing::MethodRouter;

use crate::app::AppState;

/// Routes being put together, with their paths.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    /// Adds `path` answered by `methods`, as `Router::route` does.
    pub fn route(mut self, path: &'static str, methods: MethodRouter<AppState>) -> Routes {
        self.router = self.router.route(path, methods);
        self.paths.push(path);
        self
    }

    /// Adds every route of `other`.
    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    /// Every path, in the order they were added.
    pub fn paths(&self) -> &[&'static str] {
        &self.paths
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
