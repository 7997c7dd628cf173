//! One list / create / edit screen for any record type: a type says where its screen lives,
//! how its page looks (columns and fields) and which use cases create, read and update it;
//! the handlers here do the rest the same way for every type.
use crate::AppState;
use crate::ui::foundation::list_page::{
    ListPage, edit_record, id_of, parse_form, require_manager, saved,
};
use crate::ui::{FormData, Ui, UiError, UiResult};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;
use steward_app::AppError;

pub(crate) trait Screen: Send + Sync + 'static {
    type Input: DeserializeOwned + Send;
    type Patch: DeserializeOwned + Send;
    type Record: Serialize + Send;
    /// Where the list lives, e.g. `/manage/organizations`.
    const PATH: &'static str;

    /// The list with its form; `editing` names the record the form will edit.
    fn page(
        state: &AppState,
        ui: &Ui,
        editing: Option<i64>,
    ) -> impl Future<Output = Result<ListPage, UiError>> + Send;

    fn create(
        state: &AppState,
        ui: &Ui,
        input: Self::Input,
    ) -> impl Future<Output = Result<Self::Record, AppError>> + Send;

    fn get(
        state: &AppState,
        ui: &Ui,
        id: i64,
    ) -> impl Future<Output = Result<Self::Record, AppError>> + Send;

    fn update(
        state: &AppState,
        ui: &Ui,
        id: i64,
        patch: Self::Patch,
    ) -> impl Future<Output = Result<Self::Record, AppError>> + Send;

    /// The flash after a save: "Team Service desk was created."
    fn done(record: &Self::Record, verb: &str) -> String;

    /// Reads a submitted form as the API's input or patch (the page's fields, by default).
    fn read<T: DeserializeOwned>(page: &ListPage, form: &FormData) -> Result<T, AppError> {
        parse_form(page, form)
    }
}

pub(crate) fn routes<S: Screen>() -> Router<AppState> {
    Router::new()
        .route(S::PATH, get(list::<S>).post(create::<S>))
        .route(
            &format!("{}/{{id}}", S::PATH),
            get(edit::<S>).post(update::<S>),
        )
}

async fn list<S: Screen>(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&S::page(&state, &ui, None).await?))
}

async fn create<S: Screen>(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let page = S::page(&state, &ui, None).await?;
    let result = match S::read::<S::Input>(&page, &form) {
        Ok(input) => S::create(&state, &ui, input).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, None, form, result, |r| S::done(r, "created"))
}

async fn edit<S: Screen>(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let record = S::get(&state, &ui, id).await?;
    edit_record(&ui, S::page(&state, &ui, Some(id)).await?, id, &record)
}

async fn update<S: Screen>(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let page = S::page(&state, &ui, Some(id)).await?;
    // Every field is sent: a blank one clears it, as `null` does in the API.
    let result = match S::read::<S::Patch>(&page, &form) {
        Ok(patch) => S::update(&state, &ui, id, patch).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, Some(id), form, result, |r| S::done(r, "saved"))
}

/// For screens with nothing to check before the API's own checks.
pub(crate) fn no_check(_: &FormData) -> Result<(), AppError> {
    Ok(())
}

/// A [`Screen`] from the use cases it calls: the screen type, its path, its page builder, the
/// record, input and patch types, the create, get and update use cases, the noun and the
/// field that name a record in the flash, and what is checked before the API's own checks.
macro_rules! screen {
    ($screen:ident, $path:literal, $page:ident, $record:ty, $input:ty, $patch:ty,
     $create:ident, $get:ident, $update:ident, $noun:literal, $name:ident, $check:expr) => {
        pub(crate) struct $screen;

        impl $crate::ui::foundation::screen::Screen for $screen {
            type Input = $input;
            type Patch = $patch;
            type Record = $record;
            const PATH: &'static str = $path;

            async fn page(
                state: &$crate::AppState,
                ui: &$crate::ui::Ui,
                editing: Option<i64>,
            ) -> Result<$crate::ui::foundation::list_page::ListPage, $crate::ui::UiError> {
                $page(state, ui, editing).await
            }

            async fn create(
                state: &$crate::AppState,
                ui: &$crate::ui::Ui,
                input: $input,
            ) -> Result<$record, steward_app::AppError> {
                state.app.$create(&ui.actor, input).await
            }

            async fn get(
                state: &$crate::AppState,
                ui: &$crate::ui::Ui,
                id: i64,
            ) -> Result<$record, steward_app::AppError> {
                state.app.$get(&ui.actor, id).await
            }

            async fn update(
                state: &$crate::AppState,
                ui: &$crate::ui::Ui,
                id: i64,
                patch: $patch,
            ) -> Result<$record, steward_app::AppError> {
                state.app.$update(&ui.actor, id, patch).await
            }

            fn done(r: &$record, verb: &str) -> String {
                format!("{} {} was {verb}.", $noun, r.$name)
            }

            fn read<T: serde::de::DeserializeOwned>(
                page: &$crate::ui::foundation::list_page::ListPage,
                form: &$crate::ui::FormData,
            ) -> Result<T, steward_app::AppError> {
                $check(form)?;
                $crate::ui::foundation::list_page::parse_form(page, form)
            }
        }
    };
}

pub(crate) use screen;
