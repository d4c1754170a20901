//! The OpenAPI document of the token API, generated from the handlers' `#[utoipa::path]`
//! attributes and the types they send (served at `/api/v1/openapi.json`; a test checks it against
//! the specification with `openapi-spec-validator` and against the route table).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::ErrorBody;
use super::web::{agreement, export, participants, responses, surveys};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "fieldwork API",
        description = "Pull a survey's responses, exports and agreement, and push participant lists, \
            with a personal access token (`Authorization: Bearer TOKEN`; docs/api.md). Every error \
            is JSON: `{\"error\": \"…\"}`."
    ),
    paths(
        surveys::list,
        surveys::show,
        responses::list,
        export::download,
        participants::import,
        agreement::report,
    ),
    components(schemas(
        ErrorBody,
        surveys::SurveySummary,
        surveys::SurveyDetail,
        super::lines::ResponseLine,
        participants::Imported,
        participants::LineProblem,
        participants::ImportRefused,
        agreement::AgreementReport,
        agreement::AgreementLine,
    )),
    modifiers(&BearerToken),
)]
pub struct ApiDoc;

/// The `token` security scheme every path names.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = Http::builder()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("A personal access token from the account page or `fieldwork token create`"))
            .build();
        components.add_security_scheme("token", SecurityScheme::Http(scheme));
    }
}

/// The document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
