//! YAML text the way PyYAML's `yaml.dump(value)` writes it (block style, keys sorted,
//! sequences inside mappings not indented), because Python inlines conda files re-dumped that
//! way and the service stores the text verbatim: producing the same bytes keeps environment
//! versions identical whichever SDK registered them.

use yaml_serde::Value;

/// Dumps `value` as PyYAML would (default flow style off, `sort_keys=True`).
pub(crate) fn dump(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Mapping(m) if !m.is_empty() => write_mapping(&mut out, value, 0),
        Value::Sequence(s) if !s.is_empty() => write_sequence(&mut out, value, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn sorted_entries(value: &Value) -> Vec<(String, &Value)> {
    let mut entries: Vec<(String, &Value)> = match value {
        Value::Mapping(m) => m.iter().map(|(k, v)| (scalar(k), v)).collect(),
        _ => Vec::new(),
    };
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Mapping(m) => !m.is_empty(),
        Value::Sequence(s) => !s.is_empty(),
        Value::Tagged(t) => is_block(&t.value),
        _ => false,
    }
}

fn write_mapping(out: &mut String, value: &Value, indent: usize) {
    for (i, (key, child)) in sorted_entries(value).into_iter().enumerate() {
        // The first key of a mapping that is a sequence item continues the `- ` line.
        if i > 0 || !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(&key);
        out.push(':');
        match child {
            Value::Mapping(_) if is_block(child) => {
                out.push('\n');
                write_mapping(out, child, indent + 2);
            }
            // PyYAML does not indent a block sequence that is a mapping value.
            Value::Sequence(_) if is_block(child) => {
                out.push('\n');
                write_sequence(out, child, indent);
            }
            _ => {
                out.push(' ');
                out.push_str(&scalar(child));
                out.push('\n');
            }
        }
    }
}

fn write_sequence(out: &mut String, value: &Value, indent: usize) {
    let Value::Sequence(items) = value else {
        return;
    };
    for item in items {
        if !out.ends_with("- ") {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str("- ");
        match item {
            Value::Mapping(_) if is_block(item) => write_mapping(out, item, indent + 2),
            Value::Sequence(_) if is_block(item) => write_sequence(out, item, indent + 2),
            _ => {
                out.push_str(&scalar(item));
                out.push('\n');
            }
        }
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Sequence(s) if s.is_empty() => "[]".into(),
        Value::Mapping(m) if m.is_empty() => "{}".into(),
        Value::Tagged(t) => scalar(&t.value),
        // Non-empty collections never reach here (handled as blocks); keep a readable fallback.
        other => yaml_serde::to_string(other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_default(),
    }
}

/// Plain when PyYAML would write it plain, otherwise single-quoted.
fn string(s: &str) -> String {
    if needs_quotes(s) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        s.to_owned()
    }
}

fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    // Strings that would read back as another type.
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "null"
            | "~"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".nan"
            | ".inf"
            | "-.inf"
            | "+.inf"
    ) {
        return true;
    }
    if looks_numeric(s) {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `- x`, `? x`, `: x` need quotes; a lone indicator too. PyYAML allows `-x`-style plain
        // scalars only when the next char is not a space.
        let second = s.chars().nth(1);
        let plain_ok = matches!(first, '-' | '?' | ':') && second.is_some_and(|c| c != ' ');
        if !plain_ok {
            return true;
        }
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return true;
    }
    s.chars().any(|c| c.is_control() || c == '\t')
}

fn looks_numeric(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body.is_empty() {
        return false;
    }
    let digits_only = body
        .chars()
        .all(|c| c.is_ascii_digit() || c == '_' || c == '.');
    let has_digit = body.chars().any(|c| c.is_ascii_digit());
    (digits_only && has_digit && body.matches('.').count() <= 1)
        || s.parse::<f64>().is_ok()
        || body.starts_with("0x")
        || body.starts_with("0o")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_pyyaml_for_the_tutorial_conda_file() {
        let source = "name: model-env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.9\n  - pip\n  - pip:\n    - numpy>=1.21\n    - scikit-learn>=1.0\n    - joblib>=1.1\n    - azureml-defaults>=1.0\n";
        let value: Value = yaml_serde::from_str(source).unwrap();
        assert_eq!(
            dump(&value),
            "channels:\n- conda-forge\ndependencies:\n- python=3.9\n- pip\n- pip:\n  - numpy>=1.21\n  - scikit-learn>=1.0\n  - joblib>=1.1\n  - azureml-defaults>=1.0\nname: model-env\n"
        );
    }

    #[test]
    fn quotes_what_would_change_type_and_round_trips() {
        let source = "a: 'true'\nb: '3.10'\nc: 'x: y'\nd: ''\ne: 3\nf: [1, [2, 3]]\ng: {}\nh: {k: {l: m}}\ni: \"it's\"\n";
        let value: Value = yaml_serde::from_str(source).unwrap();
        let text = dump(&value);
        let back: Value = yaml_serde::from_str(&text).unwrap();
        assert_eq!(back, value, "{text}");
        assert!(text.contains("a: 'true'\n"), "{text}");
        assert!(text.contains("b: '3.10'\n"), "{text}");
        assert!(text.contains("g: {}\n"), "{text}");
    }
}
