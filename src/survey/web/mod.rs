//! The researcher's survey screens: the list, import and export, the overview with opening and
//! closing, duplication, its members, the definition editor, translations and the preview.

mod builder;
mod editor;
mod manage;
mod members;
mod preview;

use axum::routing::{get, post};

use crate::web::routes::Routes;

pub(crate) use manage::survey_rows;

pub fn router() -> Routes {
    Routes::new()
        .route("/surveys", get(manage::list))
        .route("/surveys/import", post(manage::import))
        .route("/surveys/new", post(manage::create))
        .route("/surveys/{slug}", get(manage::overview))
        .route("/surveys/{slug}/status", post(manage::set_status))
        .route("/surveys/{slug}/duplicate", post(manage::duplicate))
        .route("/surveys/{slug}/members", post(members::add))
        .route("/surveys/{slug}/members/{user_id}/remove", post(members::remove))
        .route("/surveys/{slug}/export.toml", get(manage::export))
        .route("/surveys/{slug}/definition", get(editor::form).post(editor::save))
        .route("/surveys/{slug}/translations", get(editor::translations).post(editor::save_translations))
        .route("/surveys/{slug}/preview", get(preview::page))
        .route("/surveys/{slug}/build", get(builder::outline))
        .route("/surveys/{slug}/build/settings", get(builder::settings_form).post(builder::save_settings))
        .route("/surveys/{slug}/build/pages", post(builder::add_page))
        .route("/surveys/{slug}/build/pages/{code}", get(builder::page_form).post(builder::save_page))
        .route("/surveys/{slug}/build/pages/{code}/questions", post(builder::add_question))
        .route("/surveys/{slug}/build/pages/{code}/move", post(builder::move_page))
        .route(
            "/surveys/{slug}/build/pages/{code}/delete",
            get(builder::confirm_delete_page).post(builder::delete_page),
        )
        .route("/surveys/{slug}/build/questions/{code}", get(builder::question_form).post(builder::save_question))
        .route("/surveys/{slug}/build/questions/{code}/move", post(builder::move_question))
        .route(
            "/surveys/{slug}/build/questions/{code}/delete",
            get(builder::confirm_delete_question).post(builder::delete_question),
        )
}
