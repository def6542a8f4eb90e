//! Printing a result the way `az` does: the global `resourceGroup` transform, then `--query`
//! (JMESPath), then `-o json|jsonc|yaml|table|tsv|none` (knack's formatters).

use std::io::{IsTerminal, Write};

use serde_json::{Map, Value};

use crate::cli::OutputFormat;
use crate::error::{CliError, CliResult};

/// How results are printed.
#[derive(Clone, Debug)]
pub struct Printer {
    format: OutputFormat,
    query: Option<String>,
}

impl Printer {
    /// A printer; the query is compiled now so a bad one fails before anything is sent.
    ///
    /// # Errors
    /// A usage error naming the JMESPath problem.
    pub fn new(format: OutputFormat, query: Option<String>) -> CliResult<Self> {
        if let Some(q) = &query {
            jmespath::compile(q).map_err(|e| {
                CliError::usage(format!(
                    "argument --query: invalid JMESPath query `{q}`: {e}"
                ))
            })?;
        }
        Ok(Self { format, query })
    }

    /// Prints `result` (nothing for `None`, like az for commands that return nothing).
    ///
    /// The commands here have no `table_transformer` of their own in az (the list commands
    /// transform their JSON instead), so `-o table` shows the scalar fields, keys sorted
    /// unless a query chose them.
    ///
    /// # Errors
    /// A failure when the query cannot be evaluated or stdout is closed.
    pub fn print(&self, result: Option<Value>) -> CliResult<()> {
        let Some(mut result) = result else {
            return Ok(());
        };
        add_resource_group(&mut result);
        let queried = self.query.is_some();
        if let Some(q) = &self.query {
            result = query(q, &result)?;
        }
        let text = match self.format {
            OutputFormat::Json => json(&result),
            OutputFormat::Jsonc => {
                let text = json(&result);
                if std::io::stdout().is_terminal() {
                    colour_json(&text)
                } else {
                    text
                }
            }
            OutputFormat::Yaml => yaml(&result)?,
            OutputFormat::Table => table_text(&result, !queried)?,
            OutputFormat::Tsv => tsv(&result),
            OutputFormat::None => String::new(),
        };
        write_stdout(&text)
    }
}

/// Writes text to stdout; a closed pipe (`| head`) is not an error, as in knack.
///
/// # Errors
/// A failure for any other write error.
pub fn write_stdout(text: &str) -> CliResult<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::failure(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

/// azure-cli's `_add_resource_group`: every object with an ARM `id` under a resource group
/// gets `resourceGroup`, recursively.
pub fn add_resource_group(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(add_resource_group),
        Value::Object(map) => {
            if !map.contains_key("resourceGroup") {
                let group = map.get("id").and_then(Value::as_str).and_then(|id| {
                    let parts: Vec<&str> = id.split('/').collect();
                    (parts.len() > 8 && parts[3].eq_ignore_ascii_case("resourcegroups"))
                        .then(|| parts[4].to_owned())
                });
                if let Some(group) = group {
                    map.insert("resourceGroup".into(), Value::String(group));
                }
            }
            map.values_mut().for_each(add_resource_group);
        }
        _ => {}
    }
}

/// `--query`, applied to the JSON exactly as az applies it.
pub fn query(expression: &str, value: &Value) -> CliResult<Value> {
    let compiled = jmespath::compile(expression)
        .map_err(|e| CliError::usage(format!("argument --query: {e}")))?;
    let found = compiled
        .search(value.clone())
        .map_err(|e| CliError::failure(format!("--query `{expression}`: {e}")))?;
    serde_json::to_value(&*found)
        .map_err(|e| CliError::failure(format!("--query `{expression}`: {e}")))
}

/// Keys sorted at every level (Python's `sort_keys=True`).
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// knack's `format_json`: indent 2, sorted keys, non-ASCII kept, trailing newline.
pub fn json(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(value)).unwrap_or_default();
    text.push('\n');
    text
}

/// Keys blue, strings green (what pygments' terminal formatter does for JSON, roughly).
fn colour_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut in_string = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
                let literal = &text[start..=i];
                let is_key = text[i + 1..].trim_start().starts_with(':');
                let colour = if is_key { "\x1b[34;1m" } else { "\x1b[32m" };
                out.push_str(colour);
                out.push_str(literal);
                out.push_str("\x1b[0m");
            }
        } else if c == '"' {
            in_string = true;
            start = i;
        } else {
            out.push(c);
        }
    }
    out
}

/// knack's `format_yaml` (PyYAML `safe_dump`, block style, sorted keys).
fn yaml(value: &Value) -> CliResult<String> {
    yaml_serde::to_string(&sorted(value))
        .map_err(|e| CliError::failure(format!("cannot write YAML: {e}")))
}

/// Python's `str()` of a JSON scalar.
fn python_str(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// knack's `_TableOutput` + tabulate's `simple` format: scalar fields only (not `id`, `type`,
/// `etag`), first letter capitalised, columns as wide as their widest cell.
fn table_text(value: &Value, sort_keys: bool) -> CliResult<String> {
    let rows: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut headers: Vec<String> = Vec::new();
    let mut cells: Vec<Map<String, Value>> = Vec::new();
    for row in rows {
        let mut entry = Map::new();
        match row {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                if sort_keys {
                    keys.sort();
                }
                for k in keys {
                    let v = &map[k];
                    if ["id", "type", "etag"].contains(&k.as_str())
                        || v.is_null()
                        || v.is_array()
                        || v.is_object()
                    {
                        continue;
                    }
                    let mut header = k.clone();
                    if let Some(first) = header.get(..1) {
                        header = first.to_uppercase() + &header[1..];
                    }
                    entry.insert(header, v.clone());
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    entry.insert(format!("Column{}", i + 1), v.clone());
                }
            }
            other => {
                entry.insert("Result".into(), other.clone());
            }
        }
        for k in entry.keys() {
            if !headers.contains(k) {
                headers.push(k.clone());
            }
        }
        cells.push(entry);
    }
    if cells.is_empty() {
        return Ok(String::new());
    }
    if headers.is_empty() {
        return Err(CliError::failure(
            "Table output unavailable. Use the --query option to specify an appropriate query.",
        ));
    }
    let grid: Vec<Vec<String>> = cells
        .iter()
        .map(|row| {
            headers
                .iter()
                .map(|h| row.get(h).map(python_str).unwrap_or_default())
                .collect()
        })
        .collect();
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            grid.iter()
                .map(|r| r[i].chars().count())
                .chain([h.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<String>| -> String {
        let padded: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = line(headers.clone());
    out.push('\n');
    out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    out.push('\n');
    for row in grid {
        out.push_str(&line(row));
        out.push('\n');
    }
    Ok(out)
}

/// knack's `_TsvOutput`: one line per item, a dict's values by sorted key, nested objects as
/// empty fields, lists as their length.
fn tsv(value: &Value) -> String {
    fn cell(v: &Value) -> String {
        match v {
            Value::Array(items) => items.len().to_string(),
            Value::Object(_) => String::new(),
            other => python_str(other),
        }
    }
    let rows: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = String::new();
    for row in rows {
        match row {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let values: Vec<String> = keys.iter().map(|k| cell(&map[*k])).collect();
                out.push_str(&values.join("\t"));
            }
            Value::Array(items) => {
                let values: Vec<String> = items.iter().map(cell).collect();
                out.push_str(&values.join("\t"));
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            other => out.push_str(&cell(other)),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_sorts_keys_at_every_level() {
        let v = json!({"b": 1, "a": {"d": [], "c": "é"}});
        assert_eq!(
            json(&v),
            "{\n  \"a\": {\n    \"c\": \"é\",\n    \"d\": []\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn resource_group_is_added_from_ids() {
        let mut v = json!([{"id": "/subscriptions/s/resourceGroups/rg1/providers/P/workspaces/w/onlineEndpoints/e", "name": "e"}, {"id": "short"}]);
        add_resource_group(&mut v);
        assert_eq!(v[0]["resourceGroup"], "rg1");
        assert!(v[1].get("resourceGroup").is_none());
    }

    #[test]
    fn table_is_tabulate_simple_of_scalars() {
        let v = json!([{"name": "blue", "id": "x", "traffic": {}, "count": 10, "ok": true}, {"name": "green-long", "count": 2, "ok": false}]);
        assert_eq!(
            table_text(&v, true).unwrap(),
            "Count  Name        Ok\n-----  ----------  -----\n10     blue        True\n2      green-long  False\n"
        );
    }

    #[test]
    fn tsv_is_knacks() {
        assert_eq!(tsv(&json!("https://x/score")), "https://x/score\n");
        assert_eq!(
            tsv(&json!({"b": [1, 2], "a": {"x": 1}, "c": null, "d": true})),
            "\t2\tNone\tTrue\n"
        );
        assert_eq!(tsv(&json!([["a", 1], ["b", 2]])), "a\t1\nb\t2\n");
        assert_eq!(tsv(&json!(true)), "true\n");
    }

    #[test]
    fn queries_are_jmespath() {
        let v = json!({"name": "e", "traffic": {"blue": 90, "green": 10}});
        assert_eq!(query("traffic.blue", &v).unwrap(), json!(90));
        assert_eq!(
            query("keys(traffic)", &v).unwrap(),
            json!(["blue", "green"])
        );
        assert!(Printer::new(OutputFormat::Json, Some("[".into())).is_err());
    }
}
