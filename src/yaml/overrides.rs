//! `params_override` / `--set a.b=c`: values written into the YAML tree before it is decoded,
//! the way Python's `PathAwareSchema.add_param_overrides` does (pydash `set_`).

use crate::{Error, Result};

/// Values to set in a CLI v2 YAML tree before it is loaded: Python's
/// `params_override=[{"a.b": value}]`, the CLI's `--set a.b=value`.
///
/// Paths are dot-separated; missing mappings on the way are created, a number selects an item
/// of a list. Values stay strings, as the CLI passes them: numeric and boolean fields of the
/// schema accept numeric and boolean strings (`--set instance_count=2`).
///
/// ```
/// use azure_ai_ml::yaml::Overrides;
/// let overrides = Overrides::parse(["name=churn-staging", "tags.stage=staging"])?;
/// assert_eq!(overrides.len(), 2);
/// # Ok::<(), azure_ai_ml::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    entries: Vec<(String, String)>,
}

impl Overrides {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `path = value` (applied in the order added; a later one wins).
    pub fn set(mut self, path: impl Into<String>, value: impl Into<String>) -> Self {
        self.entries.push((path.into(), value.into()));
        self
    }

    /// Parses `KEY=VALUE` arguments (`--set` values); the value may itself contain `=`.
    ///
    /// # Errors
    /// [`Error::Validation`] on `--set` for an argument without `=` or with an empty path
    /// segment.
    pub fn parse<S: AsRef<str>>(args: impl IntoIterator<Item = S>) -> Result<Self> {
        let mut overrides = Self::new();
        for arg in args {
            let arg = arg.as_ref();
            let Some((key, value)) = arg.split_once('=') else {
                return Err(Error::validation(
                    "--set",
                    format!("`{arg}` is not KEY=VALUE (usage: --set KEY=VALUE [KEY=VALUE ...])"),
                ));
            };
            check_path(key)?;
            overrides = overrides.set(key, value);
        }
        Ok(overrides)
    }

    /// Number of overrides.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `(path, value)` pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Writes every override into `tree`.
    ///
    /// # Errors
    /// [`Error::Validation`] on `--set` when a path runs through a scalar (Python: "Cannot use
    /// '--set' on properties defined by reference strings"), through a list with a key that is
    /// not an index in range, or has an empty segment.
    pub fn apply(&self, tree: &mut yaml_serde::Value) -> Result<()> {
        for (path, value) in &self.entries {
            check_path(path)?;
            set_path(tree, path, value)?;
        }
        Ok(())
    }
}

fn check_path(path: &str) -> Result<()> {
    if path.split('.').any(str::is_empty) {
        return Err(Error::validation(
            "--set",
            format!("`{path}` has an empty path segment"),
        ));
    }
    Ok(())
}

fn set_path(tree: &mut yaml_serde::Value, path: &str, value: &str) -> Result<()> {
    use yaml_serde::Value;
    let refused = |why: &str| Error::validation("--set", format!("cannot set `{path}`: {why}"));
    let segments: Vec<&str> = path.split('.').collect();
    let mut node = tree;
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if node.is_null() {
            *node = Value::Mapping(Default::default());
        }
        node =
            match node {
                Value::Mapping(map) => {
                    let key = Value::String((*segment).to_owned());
                    if last {
                        map.insert(key, Value::String(value.to_owned()));
                        return Ok(());
                    }
                    map.entry(key).or_insert(Value::Null)
                }
                Value::Sequence(items) => {
                    let index: usize = segment
                        .parse()
                        .map_err(|_| refused(&format!("`{segment}` is not an index of a list")))?;
                    let len = items.len();
                    let Some(item) = items.get_mut(index) else {
                        return Err(refused(&format!(
                            "index {index} is past the list's {len} items"
                        )));
                    };
                    if last {
                        *item = Value::String(value.to_owned());
                        return Ok(());
                    }
                    item
                }
                _ => return Err(refused(
                    "a property defined by a reference string (or another scalar) is on the way",
                )),
            };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> yaml_serde::Value {
        yaml_serde::from_str(text).unwrap()
    }

    #[test]
    fn sets_nested_values_creating_mappings() {
        let mut t = tree("name: a\ntags:\n  x: y\n");
        Overrides::parse([
            "name=b",
            "tags.team=ds",
            "request_settings.max_queue_wait_ms=500",
        ])
        .unwrap()
        .apply(&mut t)
        .unwrap();
        assert_eq!(
            t,
            tree("name: b\ntags:\n  x: y\n  team: ds\nrequest_settings:\n  max_queue_wait_ms: '500'\n")
        );
    }

    #[test]
    fn values_keep_their_equals_signs_and_lists_take_indexes() {
        let mut t = tree("items: [a, b]\n");
        Overrides::parse(["items.1=c=d"])
            .unwrap()
            .apply(&mut t)
            .unwrap();
        assert_eq!(t, tree("items: [a, 'c=d']\n"));
    }

    #[test]
    fn refuses_paths_through_references_bad_indexes_and_bad_syntax() {
        let mut t = tree("model: azureml:m:1\nitems: [a]\n");
        for bad in ["model.path=x", "items.3=x", "items.x=y"] {
            let err = Overrides::parse([bad]).unwrap().apply(&mut t).unwrap_err();
            assert!(matches!(err, Error::Validation { .. }), "{bad}: {err}");
        }
        assert!(Overrides::parse(["no-equals"]).is_err());
        assert!(Overrides::parse(["a..b=c"]).is_err());
        assert!(Overrides::parse([".a=c"]).is_err());
    }
}
