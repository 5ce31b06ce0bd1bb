//! The slice of OData query syntax Graph accepts on the resources Handover reads:
//! `$filter` with `eq`/`ne`/`ge`/`gt`/`le`/`lt`, `startswith(...)`, `and`, `or`, `not`, parentheses and
//! `''`-quoted strings; `$search` clauses `"property:words"` joined by AND/OR.

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Str(String),
    Bool(bool),
    Null,
    /// Unquoted number or date-time literal, kept as written.
    Raw(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    Cmp(String, CmpOp, Lit),
    StartsWith(String, String),
    /// `collection/any(v: <filter on v/...>)`: the inner filter names properties of one element
    /// (without the `v/` prefix).
    Any(String, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    Ge,
    Gt,
    Le,
    Lt,
}

/// A value a filter reads from an object.
pub enum Field {
    Str(Option<String>),
    Bool(Option<bool>),
    /// A collection of objects, for `any(...)`: each element's string properties.
    Objects(Vec<serde_json::Value>),
}

#[derive(Debug, PartialEq)]
pub enum FilterError {
    /// Malformed: Graph answers 400 BadRequest "Invalid filter clause".
    Syntax(String),
    /// Well formed but about a property or function this resource does not filter on.
    Unsupported(String),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String, usize),
    Str(String, usize),
    Open(usize),
    Close(usize),
    Comma(usize),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, FilterError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::Open(i));
            i += 1;
        } else if c == ')' {
            out.push(Tok::Close(i));
            i += 1;
        } else if c == ',' {
            out.push(Tok::Comma(i));
            i += 1;
        } else if c == '\'' {
            let start = i;
            i += 1;
            let mut v = String::new();
            loop {
                if i >= chars.len() {
                    return Err(FilterError::Syntax(format!(
                        "Invalid filter clause: There is an unterminated string literal at position {start} in '{s}'."
                    )));
                }
                if chars[i] == '\'' {
                    if i + 1 < chars.len() && chars[i + 1] == '\'' {
                        v.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                v.push(chars[i]);
                i += 1;
            }
            out.push(Tok::Str(v, start));
        } else if c.is_alphanumeric() || "_-.:/+$@".contains(c) {
            let start = i;
            let mut w = String::new();
            while i < chars.len() && (chars[i].is_alphanumeric() || "_-.:/+$@".contains(chars[i])) {
                w.push(chars[i]);
                i += 1;
            }
            out.push(Tok::Word(w, start));
        } else {
            return Err(FilterError::Syntax(format!(
                "Invalid filter clause: Syntax error: character '{c}' is not valid at position {i} in '{s}'."
            )));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    src: &'a str,
}

impl Parser<'_> {
    fn peek_word(&self) -> Option<String> {
        match self.toks.get(self.pos) {
            Some(Tok::Word(w, _)) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn err_at(&self) -> FilterError {
        let pos = match self.toks.get(self.pos) {
            Some(
                Tok::Word(_, p) | Tok::Str(_, p) | Tok::Open(p) | Tok::Close(p) | Tok::Comma(p),
            ) => *p,
            None => self.src.chars().count(),
        };
        FilterError::Syntax(format!(
            "Invalid filter clause: Syntax error at position {pos} in '{}'.",
            self.src
        ))
    }

    fn or_expr(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and_expr()?;
        while self.peek_word().as_deref() == Some("or") {
            self.pos += 1;
            let right = self.and_expr()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.peek_word().as_deref() == Some("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        if self.peek_word().as_deref() == Some("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Filter, FilterError> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Open(_)) => {
                self.pos += 1;
                let e = self.or_expr()?;
                match self.toks.get(self.pos) {
                    Some(Tok::Close(_)) => {
                        self.pos += 1;
                        Ok(e)
                    }
                    _ => Err(self.err_at()),
                }
            }
            Some(Tok::Word(w, _)) => {
                self.pos += 1;
                if let Some(Tok::Open(_)) = self.toks.get(self.pos) {
                    let n = w.len();
                    if n > 4 && w.is_char_boundary(n - 4) && w[n - 4..].eq_ignore_ascii_case("/any")
                    {
                        return self.any_lambda(&w[..n - 4]);
                    }
                    // A function call.
                    if !w.eq_ignore_ascii_case("startswith") {
                        return Err(FilterError::Unsupported(format!(
                            "Invalid filter clause: An unknown function with name '{w}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed."
                        )));
                    }
                    self.pos += 1;
                    let prop = match self.toks.get(self.pos).cloned() {
                        Some(Tok::Word(p, _)) => p,
                        _ => return Err(self.err_at()),
                    };
                    self.pos += 1;
                    if !matches!(self.toks.get(self.pos), Some(Tok::Comma(_))) {
                        return Err(self.err_at());
                    }
                    self.pos += 1;
                    let value = match self.toks.get(self.pos).cloned() {
                        Some(Tok::Str(v, _)) => v,
                        _ => return Err(self.err_at()),
                    };
                    self.pos += 1;
                    if !matches!(self.toks.get(self.pos), Some(Tok::Close(_))) {
                        return Err(self.err_at());
                    }
                    self.pos += 1;
                    return Ok(Filter::StartsWith(prop, value));
                }
                let op = match self.peek_word().as_deref() {
                    Some("eq") => CmpOp::Eq,
                    Some("ne") => CmpOp::Ne,
                    Some("ge") => CmpOp::Ge,
                    Some("gt") => CmpOp::Gt,
                    Some("le") => CmpOp::Le,
                    Some("lt") => CmpOp::Lt,
                    _ => return Err(self.err_at()),
                };
                self.pos += 1;
                let lit = match self.toks.get(self.pos).cloned() {
                    Some(Tok::Str(v, _)) => Lit::Str(v),
                    Some(Tok::Word(v, _)) => match v.to_ascii_lowercase().as_str() {
                        "true" => Lit::Bool(true),
                        "false" => Lit::Bool(false),
                        "null" => Lit::Null,
                        _ if v.starts_with(|c: char| c.is_ascii_digit()) => Lit::Raw(v),
                        _ => return Err(self.err_at()),
                    },
                    _ => return Err(self.err_at()),
                };
                self.pos += 1;
                Ok(Filter::Cmp(w, op, lit))
            }
            _ => Err(self.err_at()),
        }
    }
}

impl Parser<'_> {
    /// After `coll/any`: `(v: v/prop op 'lit' [and|or ...])`. The lambda variable may be glued to
    /// the colon (`t:t/id`) or not (`t: t/id`).
    fn any_lambda(&mut self, coll: &str) -> Result<Filter, FilterError> {
        self.pos += 1; // the '('
        let var = match self.toks.get(self.pos).cloned() {
            Some(Tok::Word(w, p)) => match w.split_once(':') {
                Some((v, "")) => {
                    self.pos += 1;
                    v.to_string()
                }
                Some((v, rest)) => {
                    // Glued: split the token in two.
                    self.toks[self.pos] = Tok::Word(rest.to_string(), p + v.len() + 1);
                    v.to_string()
                }
                None => return Err(self.err_at()),
            },
            _ => return Err(self.err_at()),
        };
        if var.is_empty() {
            return Err(self.err_at());
        }
        let inner = self.or_expr()?;
        if !matches!(self.toks.get(self.pos), Some(Tok::Close(_))) {
            return Err(self.err_at());
        }
        self.pos += 1;
        let prefix = format!("{var}/");
        let inner = strip_var(inner, &prefix).ok_or_else(|| {
            FilterError::Syntax(format!(
                "Invalid filter clause: inside any(...) every property must start with '{prefix}' in '{}'.",
                self.src
            ))
        })?;
        Ok(Filter::Any(coll.to_string(), Box::new(inner)))
    }
}

/// The inner filter of `any` with the lambda variable's prefix removed; `None` if a property does
/// not use the variable.
fn strip_var(f: Filter, prefix: &str) -> Option<Filter> {
    let strip = |p: String| {
        p.get(..prefix.len())
            .filter(|h| h.eq_ignore_ascii_case(prefix))
            .map(|_| p[prefix.len()..].to_string())
            .filter(|rest| !rest.is_empty())
    };
    Some(match f {
        Filter::Cmp(p, op, lit) => Filter::Cmp(strip(p)?, op, lit),
        Filter::StartsWith(p, v) => Filter::StartsWith(strip(p)?, v),
        Filter::And(a, b) => Filter::And(
            Box::new(strip_var(*a, prefix)?),
            Box::new(strip_var(*b, prefix)?),
        ),
        Filter::Or(a, b) => Filter::Or(
            Box::new(strip_var(*a, prefix)?),
            Box::new(strip_var(*b, prefix)?),
        ),
        Filter::Not(a) => Filter::Not(Box::new(strip_var(*a, prefix)?)),
        Filter::Any(..) => return None,
    })
}

pub fn parse_filter(s: &str) -> Result<Filter, FilterError> {
    let toks = tokenize(s)?;
    let mut p = Parser {
        toks,
        pos: 0,
        src: s,
    };
    let f = p.or_expr()?;
    if p.pos != p.toks.len() {
        return Err(p.err_at());
    }
    Ok(f)
}

impl Filter {
    /// Every property the filter names (to check them against the resource's filterable ones).
    pub fn properties(&self) -> Vec<&str> {
        match self {
            Filter::Cmp(p, _, _) | Filter::StartsWith(p, _) | Filter::Any(p, _) => {
                vec![p.as_str()]
            }
            Filter::And(a, b) | Filter::Or(a, b) => {
                let mut v = a.properties();
                v.extend(b.properties());
                v
            }
            Filter::Not(a) => a.properties(),
        }
    }

    /// The `any(...)` clauses: the collection and the properties its inner filter names.
    pub fn any_clauses(&self) -> Vec<(&str, Vec<&str>)> {
        match self {
            Filter::Any(c, inner) => vec![(c.as_str(), inner.properties())],
            Filter::Cmp(..) | Filter::StartsWith(..) => vec![],
            Filter::And(a, b) | Filter::Or(a, b) => {
                let mut v = a.any_clauses();
                v.extend(b.any_clauses());
                v
            }
            Filter::Not(a) => a.any_clauses(),
        }
    }

    pub fn uses_ne_or_not(&self) -> bool {
        match self {
            Filter::Cmp(_, op, _) => *op == CmpOp::Ne,
            Filter::StartsWith(..) => false,
            Filter::Any(_, f) => f.uses_ne_or_not(),
            Filter::And(a, b) | Filter::Or(a, b) => a.uses_ne_or_not() || b.uses_ne_or_not(),
            Filter::Not(_) => true,
        }
    }

    /// Evaluates against an object; string comparisons ignore case, as the directory's do.
    pub fn eval(&self, get: &dyn Fn(&str) -> Field) -> bool {
        match self {
            Filter::And(a, b) => a.eval(get) && b.eval(get),
            Filter::Or(a, b) => a.eval(get) || b.eval(get),
            Filter::Not(a) => !a.eval(get),
            Filter::Any(p, inner) => match get(p) {
                Field::Objects(items) => items.iter().any(|item| {
                    inner.eval(&|q: &str| {
                        Field::Str(
                            item.as_object()
                                .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(q)))
                                .and_then(|(_, v)| v.as_str())
                                .map(str::to_owned),
                        )
                    })
                }),
                _ => false,
            },
            Filter::StartsWith(p, v) => match get(p) {
                Field::Str(Some(s)) => s.to_lowercase().starts_with(&v.to_lowercase()),
                _ => false,
            },
            Filter::Cmp(p, op, lit) => {
                let ord = match (get(p), lit) {
                    (Field::Str(Some(s)), Lit::Str(v) | Lit::Raw(v)) => {
                        Some(s.to_lowercase().cmp(&v.to_lowercase()))
                    }
                    (Field::Str(None), Lit::Null) | (Field::Bool(None), Lit::Null) => {
                        Some(std::cmp::Ordering::Equal)
                    }
                    (Field::Bool(Some(b)), Lit::Bool(v)) => Some(b.cmp(v)),
                    _ => None,
                };
                match (op, ord) {
                    (CmpOp::Eq, Some(o)) => o.is_eq(),
                    (CmpOp::Ne, Some(o)) => o.is_ne(),
                    (CmpOp::Ne, None) => true,
                    (CmpOp::Ge, Some(o)) => o.is_ge(),
                    (CmpOp::Gt, Some(o)) => o.is_gt(),
                    (CmpOp::Le, Some(o)) => o.is_le(),
                    (CmpOp::Lt, Some(o)) => o.is_lt(),
                    (_, None) => false,
                }
            }
        }
    }
}

/// One `"property:words"` clause of `$search`.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchClause {
    pub property: String,
    pub words: Vec<String>,
}

/// Clauses joined by OR (outer) of AND groups (inner).
pub type Search = Vec<Vec<SearchClause>>;

pub fn parse_search(s: &str) -> Result<Search, String> {
    let s = s.trim();
    let mut groups: Search = vec![vec![]];
    let mut rest = s;
    let mut expect_clause = true;
    while !rest.trim_start().is_empty() {
        rest = rest.trim_start();
        if expect_clause {
            let Some(body) = rest.strip_prefix('"') else {
                return Err(format!(
                    "Syntax error: character '{}' is not valid at position {} in '{s}'.",
                    rest.chars().next().unwrap_or(' '),
                    s.len() - rest.len()
                ));
            };
            let Some(end) = body.find('"') else {
                return Err(format!("Syntax error: unterminated quote in '{s}'."));
            };
            let clause = &body[..end];
            let Some((prop, words)) = clause.split_once(':') else {
                return Err(format!(
                    "Invalid $search clause '{clause}': expected \"property:value\"."
                ));
            };
            groups
                .last_mut()
                .expect("there is always a group")
                .push(SearchClause {
                    property: prop.trim().to_string(),
                    words: search_tokens(words),
                });
            rest = &body[end + 1..];
            expect_clause = false;
        } else {
            let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            match word {
                "OR" => groups.push(vec![]),
                "AND" => {}
                _ => {
                    return Err(format!(
                    "Syntax error: '{word}' is not valid in '{s}'; join clauses with AND or OR."
                ))
                }
            }
            rest = after;
            expect_clause = true;
        }
    }
    if expect_clause {
        return Err(format!(
            "Syntax error: the search query '{s}' is incomplete."
        ));
    }
    Ok(groups)
}

/// Word tokens as the directory's search index splits them: runs of letters and digits, lowercased.
pub fn search_tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// A clause matches when each of its words is a prefix of some token of the value.
pub fn clause_matches(clause: &SearchClause, value: &str) -> bool {
    let tokens = search_tokens(value);
    !clause.words.is_empty()
        && clause
            .words
            .iter()
            .all(|w| tokens.iter().any(|t| t.starts_with(w.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_or_of_eq_and_startswith_with_quotes() {
        let f =
            parse_filter("userPrincipalName eq 'sean.o''brien@x' or startswith(displayName,'Se')")
                .unwrap();
        assert_eq!(f.properties(), vec!["userPrincipalName", "displayName"]);
        let get = |p: &str| match p {
            "userPrincipalName" => Field::Str(Some("Sean.O'Brien@x".into())),
            _ => Field::Str(Some("nobody".into())),
        };
        assert!(f.eval(&get));
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert!(matches!(
            parse_filter("displayName eq"),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(
            parse_filter("displayName eq 'x"),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(
            parse_filter("startswith(displayName 'x')"),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(
            parse_filter("contains(displayName,'x')"),
            Err(FilterError::Unsupported(_))
        ));
    }

    #[test]
    fn any_lambda_filters_a_collection() {
        for text in [
            "targetResources/any(t: t/id eq 'u-1') and activityDisplayName eq 'Reset user password'",
            "targetResources/any(t:t/id eq 'U-1') and activityDisplayName eq 'Reset user password'",
        ] {
            let f = parse_filter(text).unwrap();
            assert_eq!(f.any_clauses(), vec![("targetResources", vec!["id"])]);
            let get = |id: &'static str| {
                move |p: &str| match p {
                    "targetResources" => Field::Objects(vec![serde_json::json!({"id": id})]),
                    _ => Field::Str(Some("Reset user password".into())),
                }
            };
            assert!(f.eval(&get("u-1")), "{text}");
            assert!(!f.eval(&get("u-2")), "{text}");
        }
        assert!(matches!(
            parse_filter("targetResources/any(t: x/id eq 'u')"),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(
            parse_filter("targetResources/any(t: t/id eq 'u'"),
            Err(FilterError::Syntax(_))
        ));
    }

    #[test]
    fn search_matches_token_prefixes_only() {
        let s = parse_search("\"displayName:jo\"").unwrap();
        assert!(clause_matches(&s[0][0], "Joni Sherman"));
        assert!(clause_matches(&s[0][0], "Anna-Jo Smith"));
        assert!(!clause_matches(&s[0][0], "Bjorn Sherman"));
        let s = parse_search("\"displayName:al\" OR \"mail:zo\"").unwrap();
        assert_eq!(s.len(), 2);
        assert!(parse_search("displayName:jo").is_err());
    }
}
