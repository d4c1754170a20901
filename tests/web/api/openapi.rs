//! The OpenAPI document: served without a token, valid by `openapi-spec-validator` (an
//! independent implementation of the specification, from PyPI, in the test venv `.ci/test`
//! makes), and describing every `/api/v1` route of the router with its method.

use std::process::Command;

use reqwest::StatusCode;

use super::{api_get, json_of};
use crate::helpers::TestApp;

#[tokio::test]
async fn the_document_is_served_and_names_every_route_of_the_api_with_its_method() {
    let app = TestApp::spawn().await;
    let (status, document) = json_of(api_get(&app, None, "/api/v1/openapi.json").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    let routes: Vec<&str> = fieldwork::app::route_paths()
        .into_iter()
        .filter(|p| p.starts_with("/api/v1/") && *p != "/api/v1/openapi.json")
        .collect();
    assert!(routes.len() >= 6, "{routes:?}");
    for route in &routes {
        let described = paths.get(*route).unwrap_or_else(|| panic!("{route} is not in the document"));
        let method = if route.ends_with("/participants") { "post" } else { "get" };
        assert!(described.get(method).is_some(), "{route}: no {method}");
        assert!(described[method]["responses"].get("401").is_some(), "{route}: its errors");
    }
    assert_eq!(paths.len(), routes.len(), "the document describes only routes there are");
    assert!(document["components"]["securitySchemes"]["token"].is_object());
}

#[tokio::test]
async fn the_document_is_valid_openapi() {
    let Some(python) = validator("the_document_is_valid_openapi") else { return };
    let app = TestApp::spawn().await;
    let document = api_get(&app, None, "/api/v1/openapi.json").await.text().await.unwrap();
    let file = app.dir.path().join("openapi.json");
    std::fs::write(&file, &document).unwrap();
    let check = |path: &std::path::Path| {
        Command::new(&python)
            .args(["-c", "import sys; from openapi_spec_validator import validate; from openapi_spec_validator.readers import read_from_filename; validate(read_from_filename(sys.argv[1])[0]); print('valid')"])
            .arg(path)
            .output()
            .unwrap()
    };
    let checked = check(&file);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    // The check can fail: a document with a path that has no responses is refused.
    let mut broken: serde_json::Value = serde_json::from_str(&document).unwrap();
    broken["paths"]["/api/v1/surveys"]["get"]["responses"] = serde_json::json!("none");
    std::fs::write(&file, broken.to_string()).unwrap();
    assert!(!check(&file).status.success(), "the validator accepted a broken document");
}

/// The Python with openapi-spec-validator: `FIELDWORK_OPENAPI_PYTHON`, as `.ci/test` sets it.
fn validator(test: &str) -> Option<String> {
    let python = std::env::var("FIELDWORK_OPENAPI_PYTHON").unwrap_or_else(|_| "python3".into());
    let found =
        Command::new(&python).args(["-c", "import openapi_spec_validator"]).output().is_ok_and(|o| o.status.success());
    if found {
        return Some(python);
    }
    if std::env::var("FIELDWORK_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!(
            "openapi-spec-validator is needed by {test}: set FIELDWORK_OPENAPI_PYTHON (bash scripts/api_validator_venv.sh)"
        );
    }
    eprintln!("SKIPPED {test}: no Python with openapi-spec-validator (FIELDWORK_OPENAPI_PYTHON; see .ci/test)");
    None
}
