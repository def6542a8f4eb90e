//! ARM lists as `azure_core` [`Pager`]s: `{"value": [...], "nextLink": "…"}` pages, following
//! `nextLink` with *our* api-version (the service's links carry its own, sometimes a preview).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use azure_core::http::{
    pager::{Page, Pager, PagerContinuation, PagerOptions, PagerResult, PagerState},
    Method, Response, Url,
};
use serde::{de::DeserializeOwned, Deserialize};
use tracing::Instrument;

use super::path::with_api_version;
use super::ArmClient;
use crate::error::{bounded, decode_json, Error};

/// One page of an ARM list.
#[derive(Debug, Clone, Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
#[non_exhaustive]
pub struct ArmPage<T> {
    /// The items of this page (`null` reads as empty).
    #[serde(
        default = "Vec::new",
        deserialize_with = "crate::error::null_as_default"
    )]
    pub value: Vec<T>,
    /// The next page, if any.
    #[serde(default, rename = "nextLink")]
    pub next_link: Option<String>,
}

#[async_trait::async_trait]
impl<T: Send> Page for ArmPage<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    async fn into_items(self) -> azure_core::Result<Self::IntoIter> {
        Ok(self.value.into_iter())
    }
}

/// The `Pager` every list method returns: a `Stream` of items across pages.
pub type ArmPager<T> = Pager<ArmPage<T>>;

/// The most pages one list reads: a service that keeps sending `nextLink`s past this is
/// broken, and an error says so instead of paging forever.
pub(crate) const MAX_PAGES: usize = 10_000;

/// The links already read, so a `nextLink` that repeats one ends the list with an error.
#[derive(Default)]
struct Seen {
    links: HashSet<String>,
    pages: usize,
}

fn list_error(message: String) -> azure_core::Error {
    Error::Decode {
        what: "list".into(),
        path: Some("nextLink".into()),
        message,
    }
    .into()
}

/// Lists `first` and every page after it. Each page is checked here (so a bad item is an error
/// naming its JSON path); `nextLink`s must stay on the ARM endpoint, must not repeat, and stop
/// after [`MAX_PAGES`].
pub(crate) fn pager<T>(
    arm: ArmClient,
    options: PagerOptions<'static>,
    first: Url,
    api_version: String,
) -> ArmPager<T>
where
    T: DeserializeOwned + Send + 'static,
{
    let seen = Arc::new(Mutex::new(Seen::default()));
    // Pages are read after `list` returned: they are traced under the list's span.
    let span = tracing::Span::current();
    Pager::new(
        move |state: PagerState, options: PagerOptions<'static>| {
            let arm = arm.clone();
            let ctx = options.context;
            let seen = seen.clone();
            let url = match state {
                PagerState::More(PagerContinuation::Link(next)) => {
                    with_api_version(next, &api_version)
                }
                _ => first.clone(),
            };
            Box::pin(
                async move {
                    {
                        let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                        seen.pages += 1;
                        if seen.pages > MAX_PAGES {
                            return Err(list_error(format!(
                                "the service sent more than {MAX_PAGES} pages; stopped"
                            )));
                        }
                        if !seen.links.insert(url.as_str().to_owned()) {
                            return Err(list_error(format!(
                                "`{}` repeats a page already read; stopped",
                                bounded(url.as_str(), 512)
                            )));
                        }
                    }
                    let raw = arm.send(Method::Get, url, None, &ctx).await?;
                    let page: ArmPage<T> = decode_json("list page", raw.body().as_ref())?;
                    let next = match page.next_link.as_deref().map(str::trim) {
                        None | Some("") => None,
                        Some(link) => {
                            let next = Url::parse(link).map_err(|e| {
                                list_error(format!("`{}` is not a URL: {e}", bounded(link, 512)))
                            })?;
                            arm.check_follow_up(&next, "nextLink")?;
                            Some(next)
                        }
                    };
                    let response: Response<ArmPage<T>> = raw.into();
                    Ok(match next {
                        Some(next) => PagerResult::More {
                            response,
                            continuation: PagerContinuation::Link(next),
                        },
                        None => PagerResult::Done { response },
                    })
                }
                .instrument(span.clone()),
            )
        },
        Some(options),
    )
}
