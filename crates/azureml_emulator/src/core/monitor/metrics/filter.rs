//! Dimension filters: the `$filter` of metrics queries and the `dimensions` of autoscale rules.
//!
//! The metrics grammar Azure documents: clauses joined by `and`, each clause one dimension
//! compared with `eq`/`ne` to quoted values, several values of the *same* dimension joined by
//! `or` (optionally in parentheses). `'*'` matches every value. A dimension compared with
//! `eq` splits the answer: one time series per value.
//!
//! ```text
//! deployment eq 'blue' and statusCodeClass eq '4xx' or statusCodeClass eq '5xx'
//! statusCode eq '*'
//! (deployment eq 'blue' or deployment eq 'green') and statusCodeClass ne '2xx'
//! ```

/// Longest `$filter` accepted (longer is refused; also bounds the parser's loops).
const MAX_LEN: usize = 4_096;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Term {
    negated: bool,
    value: String,
}

impl Term {
    fn matches(&self, value: &str) -> bool {
        let equal = self.value == "*" || self.value.eq_ignore_ascii_case(value);
        equal != self.negated
    }
}

/// One dimension's condition: any of its terms holds.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Clause {
    dimension: String,
    terms: Vec<Term>,
}

/// A conjunction of dimension clauses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Filter {
    clauses: Vec<Clause>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Quoted(String),
    Open,
    Close,
}

fn tokens(text: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => out.push(Tok::Open),
            ')' => out.push(Tok::Close),
            '\'' => {
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            value.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => value.push(c),
                        None => return Err("a quoted value is not closed".into()),
                    }
                }
                out.push(Tok::Quoted(value));
            }
            c => {
                let mut word = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || matches!(n, '(' | ')' | '\'') {
                        break;
                    }
                    word.push(n);
                    chars.next();
                }
                out.push(Tok::Word(word));
            }
        }
    }
    Ok(out)
}

fn keyword(tok: Option<&Tok>, word: &str) -> bool {
    matches!(tok, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
}

impl Filter {
    /// Parses a metrics `$filter`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let fail = |why: &str| Err(format!("Invalid $filter '{text}': {why}."));
        if text.len() > MAX_LEN {
            return fail("it is too long");
        }
        let toks = match tokens(text) {
            Ok(t) => t,
            Err(why) => return fail(&why),
        };
        let mut clauses: Vec<Clause> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let open = toks.get(i) == Some(&Tok::Open);
            if open {
                i += 1;
            }
            let mut clause: Option<Clause> = None;
            loop {
                let (Some(Tok::Word(dimension)), Some(Tok::Word(op)), Some(Tok::Quoted(value))) =
                    (toks.get(i), toks.get(i + 1), toks.get(i + 2))
                else {
                    return fail("expected `dimension eq 'value'` or `dimension ne 'value'`");
                };
                let negated = match op.to_ascii_lowercase().as_str() {
                    "eq" => false,
                    "ne" => true,
                    _ => return fail(&format!("unsupported operator `{op}` (use eq or ne)")),
                };
                let term = Term {
                    negated,
                    value: value.clone(),
                };
                match clause.as_mut() {
                    Some(c) if !c.dimension.eq_ignore_ascii_case(dimension) => {
                        return fail(
                            "the or operator can only separate values of the same dimension",
                        )
                    }
                    Some(c) => c.terms.push(term),
                    None => {
                        clause = Some(Clause {
                            dimension: dimension.clone(),
                            terms: vec![term],
                        })
                    }
                }
                i += 3;
                if !keyword(toks.get(i), "or") {
                    break;
                }
                i += 1;
            }
            if open {
                if toks.get(i) != Some(&Tok::Close) {
                    return fail("a parenthesis is not closed");
                }
                i += 1;
            }
            clauses.extend(clause);
            if i < toks.len() {
                if !keyword(toks.get(i), "and") {
                    return fail("expected `and` between clauses");
                }
                i += 1;
                if i == toks.len() {
                    return fail("nothing follows `and`");
                }
            }
        }
        Ok(Self { clauses })
    }

    /// An autoscale rule's dimensions: `(name, equals, values)`; `Equals` is any of the values,
    /// `NotEquals` none of them.
    pub(crate) fn from_rule<'a>(
        dimensions: impl IntoIterator<Item = (&'a str, bool, &'a [String])>,
    ) -> Self {
        let mut clauses = Vec::new();
        for (dimension, equals, values) in dimensions {
            let term = |value: &String| Term {
                negated: !equals,
                value: value.clone(),
            };
            if equals {
                clauses.push(Clause {
                    dimension: dimension.to_owned(),
                    terms: values.iter().map(term).collect(),
                });
            } else {
                clauses.extend(values.iter().map(|v| Clause {
                    dimension: dimension.to_owned(),
                    terms: vec![term(v)],
                }));
            }
        }
        Self { clauses }
    }

    /// The filter with dimension names checked against `metric`'s and spelled its way.
    pub(crate) fn resolve(&self, metric: &str, dimensions: &[&str]) -> Result<Self, String> {
        let mut clauses = Vec::with_capacity(self.clauses.len());
        for clause in &self.clauses {
            let Some(name) = dimensions
                .iter()
                .find(|d| d.eq_ignore_ascii_case(&clause.dimension))
            else {
                let valid = if dimensions.is_empty() {
                    "none".to_owned()
                } else {
                    dimensions.join(", ")
                };
                return Err(format!(
                    "Metric '{metric}' has no dimension '{}'; its dimensions: {valid}.",
                    clause.dimension
                ));
            };
            clauses.push(Clause {
                dimension: (*name).to_owned(),
                terms: clause.terms.clone(),
            });
        }
        Ok(Self { clauses })
    }

    /// True when every clause holds for a cell with these dimension values (a dimension the
    /// cell lacks reads as the empty string).
    pub(crate) fn matches(&self, cell: &[(&str, &str)]) -> bool {
        self.clauses.iter().all(|clause| {
            let value = cell
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&clause.dimension))
                .map_or("", |(_, v)| *v);
            clause.terms.iter().any(|t| t.matches(value))
        })
    }

    /// The dimensions compared with `eq`: one series per combination of their values.
    pub(crate) fn split_dimensions(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for clause in &self.clauses {
            let splits = clause.terms.iter().any(|t| !t.negated);
            if splits
                && !out
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(&clause.dimension))
            {
                out.push(clause.dimension.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell<'a>(deployment: &'a str, class: &'a str) -> [(&'a str, &'a str); 2] {
        [("deployment", deployment), ("statusCodeClass", class)]
    }

    #[test]
    fn the_sdk_error_counts_filter() {
        let f = Filter::parse(
            "deployment eq 'blue' and statusCodeClass eq '4xx' or statusCodeClass eq '5xx'",
        )
        .unwrap();
        assert!(f.matches(&cell("blue", "4xx")));
        assert!(f.matches(&cell("BLUE", "5xx")));
        assert!(!f.matches(&cell("blue", "2xx")));
        assert!(!f.matches(&cell("green", "5xx")));
        assert_eq!(f.split_dimensions(), ["deployment", "statusCodeClass"]);
    }

    #[test]
    fn stars_ne_parentheses_and_quotes() {
        let f = Filter::parse(
            "(deployment eq 'a' or deployment eq 'it''s') and statusCodeClass ne '2xx'",
        )
        .unwrap();
        assert!(f.matches(&cell("it's", "5xx")));
        assert!(!f.matches(&cell("a", "2xx")));
        assert_eq!(f.split_dimensions(), ["deployment"]);
        let all = Filter::parse("statusCodeClass eq '*'").unwrap();
        assert!(all.matches(&cell("x", "anything")));
        assert!(all.matches(&[]));
        assert_eq!(Filter::parse("").unwrap(), Filter::default());
    }

    #[test]
    fn azure_refuses_or_across_dimensions_and_so_do_we() {
        for bad in [
            "deployment eq 'a' or statusCode eq '200'",
            "deployment eq 'a' and",
            "deployment gt '1'",
            "deployment eq a",
            "(deployment eq 'a'",
            "deployment eq 'a' statusCode eq 'b'",
            "deployment eq 'open",
            "and",
        ] {
            let err = Filter::parse(bad).unwrap_err();
            assert!(err.starts_with("Invalid $filter"), "{bad}: {err}");
        }
        assert!(Filter::parse(&"x".repeat(MAX_LEN + 1)).is_err());
    }

    #[test]
    fn resolve_checks_and_respells_dimensions() {
        let f = Filter::parse("STATUSCODECLASS eq '5xx'").unwrap();
        let r = f
            .resolve("RequestsPerMinute", &["deployment", "statusCodeClass"])
            .unwrap();
        assert_eq!(r.split_dimensions(), ["statusCodeClass"]);
        let err = f.resolve("RequestLatency", &["deployment"]).unwrap_err();
        assert!(err.contains("no dimension 'STATUSCODECLASS'"), "{err}");
    }

    #[test]
    fn rule_dimensions_equal_any_and_differ_from_all() {
        let values = ["blue".to_owned(), "green".to_owned()];
        let any = Filter::from_rule([("deployment", true, &values[..])]);
        assert!(any.matches(&[("deployment", "green")]));
        assert!(!any.matches(&[("deployment", "red")]));
        let none = Filter::from_rule([("deployment", false, &values[..])]);
        assert!(none.matches(&[("deployment", "red")]));
        assert!(!none.matches(&[("deployment", "blue")]));
        assert!(none.split_dimensions().is_empty());
    }
}
