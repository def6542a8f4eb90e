//! ARM lists as `azure_core` [`Pager`]s: `{"value": [...], "nextLink": "…"}` pages, following
//! `nextLink` with *our* api-version (the service's links carry its own, sometimes a preview).

use azure_core::http::{
    pager::{Page, Pager, PagerContinuation, PagerResult, PagerState},
    Context, Method, Response, Url,
};
use serde::{de::DeserializeOwned, Deserialize};

use super::path::with_api_version;
use super::ArmClient;

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

#[derive(Deserialize)]
struct NextLink {
    #[serde(default, rename = "nextLink")]
    next_link: Option<String>,
}

/// Lists `first` and every page after it.
pub(crate) fn pager<T>(
    arm: ArmClient,
    ctx: Context<'static>,
    first: Url,
    api_version: String,
) -> ArmPager<T>
where
    T: DeserializeOwned + Send + 'static,
{
    Pager::new(
        move |state: PagerState, _options| {
            let arm = arm.clone();
            let ctx = ctx.clone();
            let url = match state {
                PagerState::More(PagerContinuation::Link(next)) => {
                    with_api_version(next, &api_version)
                }
                _ => first.clone(),
            };
            Box::pin(async move {
                let raw = arm
                    .send(Method::Get, url, None, &ctx)
                    .await
                    .map_err(azure_core::Error::from)?;
                let next = serde_json::from_slice::<NextLink>(raw.body().as_ref())
                    .ok()
                    .and_then(|n| n.next_link)
                    .filter(|l| !l.is_empty())
                    .and_then(|l| Url::parse(&l).ok());
                let response: Response<ArmPage<T>> = raw.into();
                Ok(match next {
                    Some(next) => PagerResult::More {
                        response,
                        continuation: PagerContinuation::Link(next),
                    },
                    None => PagerResult::Done { response },
                })
            })
        },
        None,
    )
}
