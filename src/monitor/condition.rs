//! The `az monitor autoscale rule create` languages: `--condition` and `--scale`.
//!
//! Condition (as the CLI's ANTLR grammar `AutoscaleCondition.g4` accepts it):
//!
//! ```text
//! ["NAMESPACE"] METRIC {==,!=,>,>=,<,<=} THRESHOLD {avg,min,max,total,count,last} PERIOD
//!     [where DIMENSION {==,!=} VALUE [or VALUE ...] [and DIMENSION {==,!=} VALUE [or VALUE ...] ...]]
//! ```
//!
//! * METRIC may contain spaces (`Percentage CPU`) and `. / \ : % - , | _`.
//! * PERIOD is the CLI's shorthand (`5m`, `1h30m`, `30s`, `1d`) or ISO 8601 (`PT5M`).
//! * Values may also be separated by `,` or plain spaces, dimensions by `,` (as the CLI allows).
//! * Extensions over the CLI: `last` aggregation (the service supports it, the CLI map lacks it),
//!   negative thresholds, optional spaces around the operator.
//!
//! Scale action: `scale {out,in,to} N[%] [cooldown PERIOD]` (`N percent` also reads as `N%`);
//! a rule is a condition followed by a scale action and optionally `timegrain STAT PERIOD`.
//!
//! `Display` prints the canonical form, which parses back to an equal value.

use std::fmt;
use std::time::Duration;

use super::autoscale::{
    MetricCondition, ScaleAction, ScaleRule, ScaleRuleDimension, DEFAULT_COOLDOWN,
    DEFAULT_TIME_GRAIN,
};
use super::client::{iso_duration, parse_iso_duration};
use super::enums::{
    ComparisonOperator, ConditionWords, DimensionOperator, MetricStatistic, ScaleDirection,
    ScaleType, TimeAggregation,
};

/// A syntax error in a condition, scale action or rule: what was expected, the offending token
/// and its 1-based column (in characters).
///
/// Converts into [`crate::Error::Validation`] (field `condition` or `scale`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleParseError {
    field: &'static str,
    column: usize,
    token: String,
    expected: String,
}

impl RuleParseError {
    /// `condition` (the `--condition` part) or `scale` (the `--scale` part).
    pub fn field(&self) -> &str {
        self.field
    }

    /// 1-based column of the offending token.
    pub fn column(&self) -> usize {
        self.column
    }

    /// The offending token (empty at the end of the input).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// What the parser expected there.
    pub fn expected(&self) -> &str {
        &self.expected
    }
}

impl fmt::Display for RuleParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.token.is_empty() {
            write!(
                f,
                "expected {} at column {}: end of input",
                self.expected, self.column
            )
        } else {
            write!(
                f,
                "expected {} at column {}: `{}`",
                self.expected, self.column, self.token
            )
        }
    }
}

impl std::error::Error for RuleParseError {}

impl From<RuleParseError> for crate::Error {
    fn from(e: RuleParseError) -> Self {
        crate::Error::validation(e.field, e.to_string())
    }
}

impl MetricCondition {
    /// Parses the `--condition` language.
    ///
    /// # Errors
    /// [`RuleParseError`] naming the offending token and its 1-based column.
    pub fn parse(text: &str) -> Result<Self, RuleParseError> {
        let mut cur = Cursor::new(text, "condition");
        let condition = parse_condition(&mut cur, Mode::Condition)?;
        cur.expect_end("the end of the condition")?;
        Ok(condition)
    }
}

impl fmt::Display for MetricCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ns) = &self.metric_namespace {
            let quote = if ns.contains('"') { '\'' } else { '"' };
            write!(f, "{quote}{ns}{quote} ")?;
        }
        write!(f, "{} ", self.metric_name)?;
        match self.operator.symbol() {
            Some(s) => f.write_str(s)?,
            None => f.write_str(self.operator.as_str())?,
        }
        write!(f, " {} ", self.threshold)?;
        match self.time_aggregation.keyword() {
            Some(k) => f.write_str(k)?,
            None => f.write_str(self.time_aggregation.as_str())?,
        }
        write!(f, " {}", Period(self.time_window))?;
        for (i, d) in self.dimensions.iter().enumerate() {
            f.write_str(if i == 0 { " where " } else { " and " })?;
            let op = match d.operator {
                DimensionOperator::Equals => "==",
                DimensionOperator::NotEquals => "!=",
                DimensionOperator::Unknown(ref s) => s.as_str(),
            };
            write!(f, "{} {op} {}", d.dimension_name, d.values.join(" or "))?;
        }
        Ok(())
    }
}

impl std::str::FromStr for MetricCondition {
    type Err = RuleParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// The text forms of autoscale's rules and actions (the types are in `autoscale`, which knows
// nothing of this language).

impl ScaleRule {
    /// Parses a `--condition`; finish the rule with `.scale_out(n)`, `.scale_in(n)`,
    /// `.scale_to(n)` or their `_percent` forms.
    ///
    /// # Errors
    /// [`RuleParseError`] naming the offending token and its 1-based column.
    pub fn when(condition: &str) -> Result<MetricCondition, RuleParseError> {
        MetricCondition::parse(condition)
    }

    /// Parses a whole rule (`"CpuUtilizationPercentage > 70 avg 5m scale out 1"`).
    ///
    /// # Errors
    /// [`RuleParseError`] naming the offending token and its 1-based column.
    pub fn parse(text: &str) -> Result<Self, RuleParseError> {
        parse_rule(text)
    }
}

impl fmt::Display for ScaleRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_rule(self, f)
    }
}

impl std::str::FromStr for ScaleRule {
    type Err = RuleParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl ScaleAction {
    /// Parses `scale out 1`, `scale in 1`, `scale to 3`, `scale out 20%` (`20 percent` too;
    /// the leading `scale` is optional, as in the CLI's `--scale out 1`), optionally followed by
    /// `cooldown PERIOD`.
    ///
    /// # Errors
    /// [`RuleParseError`] naming the offending token and its 1-based column.
    pub fn parse(text: &str) -> Result<Self, RuleParseError> {
        parse_action(text)
    }
}

impl fmt::Display for ScaleAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_action(self, f)
    }
}

impl std::str::FromStr for ScaleAction {
    type Err = RuleParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A period in the CLI's shorthand (`5m`, `1h30m`), or ISO 8601 when not whole seconds.
struct Period(Duration);

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_nanos() != 0 {
            return f.write_str(&iso_duration(d));
        }
        let secs = d.as_secs();
        if secs == 0 {
            return f.write_str("0s");
        }
        let (days, rest) = (secs / 86_400, secs % 86_400);
        let (hours, rest) = (rest / 3_600, rest % 3_600);
        let (minutes, seconds) = (rest / 60, rest % 60);
        for (n, unit) in [(days, 'd'), (hours, 'h'), (minutes, 'm'), (seconds, 's')] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        Ok(())
    }
}

/// Parses a period as `az monitor` takes one (`--cooldown`, `--timegrain`, `--interval`, rule
/// windows): `5m`, `1h30m`, `1d`, `30s` (units in the order d, h, m, s; any case), or ISO 8601
/// (`PT5M`, `P1DT2H`). `None` for anything else. The shorthand is rewritten to ISO 8601 and read
/// by the crate's one duration reader.
///
/// ```
/// use std::time::Duration;
/// use azure_ai_ml::monitor::parse_period;
/// assert_eq!(parse_period("1h30m"), Some(Duration::from_secs(5400)));
/// assert_eq!(parse_period("P1DT2H"), Some(Duration::from_secs(93_600)));
/// assert_eq!(parse_period("5"), None);
/// ```
pub fn parse_period(text: &str) -> Option<Duration> {
    if text.starts_with(['P', 'p']) {
        return parse_iso_duration(text);
    }
    let mut iso = String::from("P");
    let mut in_time = false;
    let mut digits = String::new();
    let mut last_rank = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let rank = match c.to_ascii_lowercase() {
            'd' => 1,
            'h' => 2,
            'm' => 3,
            's' => 4,
            _ => return None,
        };
        if digits.is_empty() || rank <= last_rank {
            return None;
        }
        if rank > 1 && !in_time {
            iso.push('T');
            in_time = true;
        }
        iso.push_str(&digits);
        iso.push(c.to_ascii_uppercase());
        digits.clear();
        last_rank = rank;
    }
    if !digits.is_empty() || last_rank == 0 {
        return None;
    }
    parse_iso_duration(&iso)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A bare `--condition`.
    Condition,
    /// A condition followed by a scale action: `scale` ends the condition.
    Rule,
}

struct Cursor {
    chars: Vec<char>,
    pos: usize,
    field: &'static str,
}

fn is_ws(c: char) -> bool {
    c == ' ' || c == '\t'
}

impl Cursor {
    fn new(text: &str, field: &'static str) -> Self {
        Self {
            chars: text.chars().collect(),
            pos: 0,
            field,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, pos: usize) -> Option<char> {
        self.chars.get(pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    /// Skips spaces and tabs; true if any were skipped.
    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// The next run of non-whitespace characters, not consumed: (start, text).
    fn peek_word(&self) -> (usize, String) {
        let mut end = self.pos;
        while self.peek_at(end).is_some_and(|c| !is_ws(c)) {
            end += 1;
        }
        (
            self.pos,
            self.chars[self.pos.min(end)..end].iter().collect(),
        )
    }

    /// Consumes the next run of non-whitespace characters.
    fn word(&mut self) -> (usize, String) {
        let (start, word) = self.peek_word();
        self.pos = start + word.chars().count();
        (start, word)
    }

    /// Consumes characters while `keep` holds.
    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> (usize, String) {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        (start, self.chars[start..self.pos].iter().collect())
    }

    fn error_at(&self, start: usize, token: impl Into<String>, expected: &str) -> RuleParseError {
        RuleParseError {
            field: self.field,
            column: start + 1,
            token: token.into(),
            expected: expected.to_owned(),
        }
    }

    /// An error naming the word (or character) at the current position.
    fn error_here(&self, expected: &str) -> RuleParseError {
        let (start, word) = self.peek_word();
        self.error_at(start, word, expected)
    }

    fn expect_end(&mut self, expected: &str) -> Result<(), RuleParseError> {
        self.skip_ws();
        if self.at_end() {
            Ok(())
        } else {
            Err(self.error_here(expected))
        }
    }

    /// True if the next word equals `keyword` (ASCII case-insensitive).
    fn next_is(&self, keyword: &str) -> bool {
        self.peek_word().1.eq_ignore_ascii_case(keyword)
    }
}

fn namespace_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || is_ws(c)
        || matches!(c, '_' | '/' | '.' | '*' | '-' | ':' | '%' | '#' | '@')
}

fn metric_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || is_ws(c)
        || matches!(c, '_' | '.' | '/' | '\\' | ':' | '%' | '-' | ',' | '|')
}

fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '*' | ':' | '~')
}

const OPERATORS: &str = "a comparison operator (>, >=, <, <=, ==, !=)";

fn parse_condition(cur: &mut Cursor, mode: Mode) -> Result<MetricCondition, RuleParseError> {
    cur.skip_ws();

    // ["NAMESPACE"]
    let mut metric_namespace = None;
    if let Some(quote) = cur.peek().filter(|c| *c == '"' || *c == '\'') {
        let open = cur.pos;
        cur.pos += 1;
        let (start, ns) = cur.take_while(|c| c != quote);
        if cur.at_end() {
            let rest: String = cur.chars[open..].iter().collect();
            return Err(cur.error_at(open, rest, "a closing quote after the metric namespace"));
        }
        if let Some(i) = ns.chars().position(|c| !namespace_char(c)) {
            return Err(cur.error_at(
                start + i,
                ns.chars().nth(i).map(String::from).unwrap_or_default(),
                "a metric namespace character (letters, digits, / . * - _ : % # @)",
            ));
        }
        if ns.trim().is_empty() {
            return Err(cur.error_at(open, format!("{quote}{quote}"), "a metric namespace"));
        }
        cur.pos += 1; // closing quote
        if !cur.skip_ws() {
            return Err(cur.error_here("a space after the metric namespace"));
        }
        metric_namespace = Some(ns.trim().to_owned());
    }

    // METRIC
    let metric_start = cur.pos;
    while let Some(c) = cur.peek() {
        if matches!(c, '<' | '>' | '=' | '!') {
            break;
        }
        if !metric_char(c) {
            return Err(cur.error_at(
                cur.pos,
                c.to_string(),
                "a metric name character or a comparison operator",
            ));
        }
        cur.pos += 1;
    }
    let metric_name: String = cur.chars[metric_start..cur.pos].iter().collect();
    let metric_name = metric_name.trim().to_owned();
    if cur.at_end() {
        let expected = if metric_name.is_empty() {
            "a metric name"
        } else {
            OPERATORS
        };
        return Err(cur.error_at(cur.pos, "", expected));
    }
    if metric_name.is_empty() {
        return Err(cur.error_here("a metric name"));
    }

    // OPERATOR
    let (op_start, op) = cur.take_while(|c| matches!(c, '<' | '>' | '=' | '!'));
    let Some(operator) = ComparisonOperator::from_word(&op) else {
        return Err(cur.error_at(op_start, op, OPERATORS));
    };
    cur.skip_ws();

    // THRESHOLD
    let (start, token) = cur.word();
    let threshold = parse_number(&token)
        .ok_or_else(|| cur.error_at(start, token.clone(), "a number (the threshold)"))?;

    // AGGREGATION
    cur.skip_ws();
    let (start, token) = cur.word();
    let Some(time_aggregation) = TimeAggregation::from_word(&token) else {
        return Err(cur.error_at(
            start,
            token,
            "a time aggregation (avg, min, max, total, count, last)",
        ));
    };

    // PERIOD
    cur.skip_ws();
    let (start, token) = cur.word();
    let time_window = parse_period(&token).ok_or_else(|| {
        cur.error_at(
            start,
            token.clone(),
            "a period (5m, 1h, 30s, 1h30m or ISO 8601 like PT5M)",
        )
    })?;

    let mut condition = MetricCondition {
        metric_namespace,
        metric_name,
        operator,
        threshold,
        time_aggregation,
        time_window,
        dimensions: Vec::new(),
    };

    // [where ...]
    cur.skip_ws();
    if cur.at_end() || (mode == Mode::Rule && cur.next_is("scale")) {
        return Ok(condition);
    }
    if !cur.next_is("where") {
        let expected = match mode {
            Mode::Condition => "`where` or the end of the condition",
            Mode::Rule => "`where` or `scale`",
        };
        return Err(cur.error_here(expected));
    }
    cur.word();
    condition.dimensions = parse_dimensions(cur, mode)?;
    Ok(condition)
}

/// `-?digits(.digits)?`, finite.
fn parse_number(token: &str) -> Option<f64> {
    let body = token.strip_prefix('-').unwrap_or(token);
    let (whole, frac) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    token.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// True if a dimension (`NAME ==` / `NAME !=`) starts at the cursor.
fn dimension_starts(cur: &Cursor) -> bool {
    let mut pos = cur.pos;
    let start = pos;
    while cur.peek_at(pos).is_some_and(word_char) {
        pos += 1;
    }
    if pos == start {
        return false;
    }
    while cur.peek_at(pos).is_some_and(is_ws) {
        pos += 1;
    }
    matches!(
        (cur.peek_at(pos), cur.peek_at(pos + 1)),
        (Some('='), Some('=')) | (Some('!'), Some('='))
    )
}

fn parse_dimensions(
    cur: &mut Cursor,
    mode: Mode,
) -> Result<Vec<ScaleRuleDimension>, RuleParseError> {
    let mut dimensions = Vec::new();
    loop {
        cur.skip_ws();
        let (_, name) = cur.take_while(word_char);
        if name.is_empty() {
            return Err(cur.error_here("a dimension name (letters, digits, _)"));
        }
        cur.skip_ws();
        let (op_start, op) = cur.take_while(|c| matches!(c, '<' | '>' | '=' | '!'));
        let operator = match op.as_str() {
            "==" => DimensionOperator::Equals,
            "!=" => DimensionOperator::NotEquals,
            "" => return Err(cur.error_here("`==` or `!=` after the dimension name")),
            _ => return Err(cur.error_at(op_start, op, "`==` or `!=` after the dimension name")),
        };
        let mut values = Vec::new();
        let more_dimensions = loop {
            cur.skip_ws();
            let (_, value) = cur.take_while(value_char);
            if value.is_empty() {
                return Err(cur.error_here("a dimension value"));
            }
            values.push(value);
            let spaced = cur.skip_ws();
            if cur.at_end() {
                break false;
            }
            if cur.peek() == Some(',') {
                cur.pos += 1;
                cur.skip_ws();
                if dimension_starts(cur) {
                    break true;
                }
                continue;
            }
            if !spaced {
                let c = cur.peek().map(String::from).unwrap_or_default();
                return Err(cur.error_at(cur.pos, c, "a dimension value character"));
            }
            if cur.next_is("or") {
                cur.word();
                continue;
            }
            if cur.next_is("and") {
                cur.word();
                break true;
            }
            if mode == Mode::Rule && cur.next_is("scale") {
                break false;
            }
            if dimension_starts(cur) {
                return Err(cur.error_here("`and` before the next dimension"));
            }
            // A plain space separates values, as in the CLI.
        };
        dimensions.push(ScaleRuleDimension {
            dimension_name: name,
            operator,
            values,
        });
        if !more_dimensions {
            return Ok(dimensions);
        }
    }
}

/// What follows the amount of a scale action.
struct ActionTail {
    cooldown: Option<Duration>,
    time_grain: Option<(MetricStatistic, Duration)>,
}

fn parse_action_at(
    cur: &mut Cursor,
    require_scale: bool,
    allow_time_grain: bool,
) -> Result<(ScaleAction, ActionTail), RuleParseError> {
    cur.skip_ws();
    if cur.next_is("scale") {
        cur.word();
        cur.skip_ws();
    } else if require_scale {
        return Err(cur.error_here("`scale`"));
    }
    let (start, token) = cur.word();
    let direction = match token.to_ascii_lowercase().as_str() {
        "out" => ScaleDirection::Increase,
        "in" => ScaleDirection::Decrease,
        "to" => ScaleDirection::None,
        _ => return Err(cur.error_at(start, token, "`out`, `in` or `to`")),
    };
    cur.skip_ws();
    let (amount_start, digits) = cur.take_while(|c| c.is_ascii_digit());
    let mut percent = false;
    if cur.peek() == Some('%') {
        cur.pos += 1;
        percent = true;
    }
    if digits.is_empty() || cur.peek().is_some_and(|c| !is_ws(c)) {
        cur.pos = amount_start;
        return Err(cur.error_here("a whole number of instances (or percent, `20%`)"));
    }
    let amount_token: String = cur.chars[amount_start..cur.pos].iter().collect();
    let value = digits.parse::<u32>().map_err(|_| {
        cur.error_at(
            amount_start,
            amount_token.clone(),
            "a whole number up to 4294967295",
        )
    })?;
    if !percent && cur.skip_ws_then_is("percent") {
        cur.word();
        percent = true;
    }
    if percent && direction == ScaleDirection::None {
        return Err(cur.error_at(
            amount_start,
            amount_token,
            "an instance count (`scale to` takes no percent)",
        ));
    }
    let scale_type = match (&direction, percent) {
        (ScaleDirection::None, _) => ScaleType::ExactCount,
        (_, true) => ScaleType::PercentChangeCount,
        (_, false) => ScaleType::ChangeCount,
    };
    let mut tail = ActionTail {
        cooldown: None,
        time_grain: None,
    };
    loop {
        cur.skip_ws();
        if cur.at_end() {
            break;
        }
        let (start, keyword) = cur.word();
        match keyword.to_ascii_lowercase().as_str() {
            "cooldown" if tail.cooldown.is_none() => {
                cur.skip_ws();
                let (start, token) = cur.word();
                tail.cooldown = Some(parse_period(&token).ok_or_else(|| {
                    cur.error_at(start, token.clone(), "a cooldown period (5m, 1h, PT5M)")
                })?);
            }
            "timegrain" if allow_time_grain && tail.time_grain.is_none() => {
                cur.skip_ws();
                let (start, token) = cur.word();
                let statistic = MetricStatistic::from_word(&token).ok_or_else(|| {
                    cur.error_at(
                        start,
                        token.clone(),
                        "a statistic (avg, min, max, sum, count)",
                    )
                })?;
                cur.skip_ws();
                let (start, token) = cur.word();
                let grain = parse_period(&token).ok_or_else(|| {
                    cur.error_at(start, token.clone(), "a time grain period (1m, PT1M)")
                })?;
                tail.time_grain = Some((statistic, grain));
            }
            _ => {
                let expected = if allow_time_grain {
                    "`cooldown`, `timegrain` or the end of the rule"
                } else {
                    "`cooldown` or the end of the scale action"
                };
                return Err(cur.error_at(start, keyword, expected));
            }
        }
    }
    let action = ScaleAction {
        direction,
        scale_type,
        value: Some(value),
        cooldown: tail.cooldown.unwrap_or(DEFAULT_COOLDOWN),
    };
    Ok((action, tail))
}

impl Cursor {
    /// Skips whitespace; true if the next word is `keyword` (the whitespace stays skipped).
    fn skip_ws_then_is(&mut self, keyword: &str) -> bool {
        let before = self.pos;
        self.skip_ws();
        if self.next_is(keyword) {
            true
        } else {
            self.pos = before;
            false
        }
    }
}

fn parse_action(text: &str) -> Result<ScaleAction, RuleParseError> {
    let mut cur = Cursor::new(text, "scale");
    let (action, _) = parse_action_at(&mut cur, false, false)?;
    Ok(action)
}

fn parse_rule(text: &str) -> Result<ScaleRule, RuleParseError> {
    let mut cur = Cursor::new(text, "condition");
    let condition = parse_condition(&mut cur, Mode::Rule)?;
    cur.skip_ws();
    if cur.at_end() {
        return Err(cur.error_at(cur.pos, "", "a scale action (`scale out 1`)"));
    }
    cur.field = "scale";
    let (action, tail) = parse_action_at(&mut cur, true, true)?;
    let mut rule = ScaleRule::new(condition, action);
    if let Some((statistic, grain)) = tail.time_grain {
        rule = rule.time_grain(statistic, grain);
    }
    Ok(rule)
}

fn write_action(a: &ScaleAction, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let value = a.value.map(|v| v.to_string()).unwrap_or_default();
    match (&a.direction, &a.scale_type) {
        (ScaleDirection::Increase, ScaleType::ChangeCount) => write!(f, "scale out {value}")?,
        (ScaleDirection::Decrease, ScaleType::ChangeCount) => write!(f, "scale in {value}")?,
        (ScaleDirection::Increase, ScaleType::PercentChangeCount) => {
            write!(f, "scale out {value}%")?
        }
        (ScaleDirection::Decrease, ScaleType::PercentChangeCount) => {
            write!(f, "scale in {value}%")?
        }
        (ScaleDirection::None, ScaleType::ExactCount) => write!(f, "scale to {value}")?,
        // Outside the language: printed for humans, not parseable.
        (direction, scale_type) => write!(f, "scale {direction} {value} ({scale_type})")?,
    }
    if a.cooldown != DEFAULT_COOLDOWN {
        write!(f, " cooldown {}", Period(a.cooldown))?;
    }
    Ok(())
}

fn write_rule(r: &ScaleRule, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{} ", r.condition())?;
    write_action(&r.scale_action, f)?;
    let t = &r.metric_trigger;
    if t.statistic != MetricStatistic::Average || t.time_grain != DEFAULT_TIME_GRAIN {
        let statistic = t.statistic.keyword().unwrap_or(t.statistic.as_str());
        write!(f, " timegrain {statistic} {}", Period(t.time_grain))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_both_ways() {
        for (text, secs) in [
            ("5m", 300),
            ("1h", 3600),
            ("1h30m", 5400),
            ("30s", 30),
            ("1d", 86_400),
            ("1d2h3m4s", 93_784),
            ("PT5M", 300),
            ("pt1h", 3600),
            ("5M", 300),
        ] {
            assert_eq!(
                parse_period(text),
                Some(Duration::from_secs(secs)),
                "{text}"
            );
        }
        for bad in [
            "", "m", "5", "5x", "5m1h", "1h1h", "-5m", "P", "5m ", "1.5m",
        ] {
            assert_eq!(parse_period(bad), None, "{bad:?}");
        }
        assert_eq!(Period(Duration::from_secs(5400)).to_string(), "1h30m");
        assert_eq!(Period(Duration::from_millis(500)).to_string(), "PT0.5S");
        assert_eq!(Period(Duration::ZERO).to_string(), "0s");
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("70"), Some(70.0));
        assert_eq!(parse_number("-2.5"), Some(-2.5));
        for bad in ["", "-", ".5", "5.", "1e3", "+1", "1,5", "NaN"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
        assert_eq!(parse_number(&"9".repeat(400)), None, "infinite");
    }
}
