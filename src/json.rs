//! A small JSON reader and writer (RFC 8259), in place of serde_json: the page reads a handful of
//! documented shapes and writes a few bodies, and a general serialization framework cost it
//! tens of KB of wasm.
//!
//! Numbers are kept as their (validated) source text and read as integers on demand: nothing the
//! page reads needs a float, and float parsing alone would add ~15 KB.
//!
//! Objects keep their members in document order; [`Map::get`] returns the last member of that
//! name (as serde_json does with duplicate names).
//!
//! Typed reading has one pattern: [`FromJson`] for the value types, [`Value::opt`] for a field
//! that may be missing or `null`, [`Value::req`] for one that must be there. Errors name the field
//! and the type expected ([`Shape`]).

use core::fmt;

use zeroize::Zeroize;

/// Nesting deeper than this is refused rather than risking the stack.
pub const MAX_DEPTH: usize = 128;

/// A JSON value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// A number as it was written (RFC 8259 grammar checked), read as an integer on demand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number(String);

impl Number {
    /// The number as a `u64`, when it is a non-negative integer written without fraction or
    /// exponent that fits.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// The number as an `i64`, when it is an integer written without fraction or exponent that
    /// fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// A non-negative number rounded down to a whole number, saturating at `u64::MAX` (as a
    /// float cast would), read from the decimal text without float arithmetic: `3599.9` → 3599,
    /// `1.7e9` → 1700000000. `None` for a negative number.
    pub fn floor_u64(&self) -> Option<u64> {
        let text = &self.0;
        if text.starts_with('-') {
            return None;
        }
        let (mantissa, exp) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], &text[i + 1..]),
            None => (text.as_str(), "0"),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = whole.bytes().chain(fraction.bytes());
        // A longer exponent than six digits is beyond any u64 either way.
        let exp_digits = exp.trim_start_matches(['+', '-']);
        let magnitude: i64 = if exp_digits.len() > 6 {
            1_000_000
        } else {
            exp_digits.parse().unwrap_or(0)
        };
        let exp = if exp.starts_with('-') {
            -magnitude
        } else {
            magnitude
        };
        // Digits before the decimal point, once the exponent has moved it.
        let point = whole.len() as i64 + exp;
        let take = usize::try_from(point.max(0)).unwrap_or(0);
        let mut n: u64 = 0;
        for d in digits.chain(core::iter::repeat(b'0')).take(take) {
            n = match n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
            {
                Some(n) => n,
                None => return Some(u64::MAX),
            };
        }
        Some(n)
    }

    /// The text as written, e.g. `"1.5e3"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<u64> for Number {
    fn from(n: u64) -> Self {
        Number(n.to_string())
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An object's members, in document order. Two maps are equal when they give the same value for
/// every name (order aside, the last of a repeated name counting), as serde_json's maps compare.
#[derive(Clone, Debug, Default, Eq)]
pub struct Map(pub Vec<(String, Value)>);

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        let covers = |a: &Map, b: &Map| a.keys().all(|k| a.get(k) == b.get(k));
        covers(self, other) && covers(other, self)
    }
}

impl Map {
    /// The value of the last member named `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The members, in document order (a repeated name appears more than once).
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends a member (for building a value to write).
    pub fn insert(&mut self, key: &str, value: impl Into<Value>) {
        self.push(key, value.into());
    }

    /// [`Map::insert`]'s one non-generic body, kept out of line: the page's writers call
    /// `insert` some sixty times.
    #[inline(never)]
    fn push(&mut self, key: &str, value: Value) {
        self.0.push((key.to_owned(), value));
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Number(n.into())
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        u64::from(n).into()
    }
}
impl From<u16> for Value {
    fn from(n: u16) -> Self {
        u64::from(n).into()
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Object(m)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

static NULL: Value = Value::Null;

impl Value {
    /// The member `key` of an object (`None` for a missing member or a value that is no object).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.get(key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The field `key` read as `T`; `None` when it is missing or `null`. A value of another type
    /// is an error naming the field.
    pub fn opt<T: FromJson>(&self, key: &str) -> Result<Option<T>, Shape> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::from_json(v).map(Some).map_err(|e| e.at(key)),
        }
    }

    /// The field `key` read as `T`; missing or `null` is an error naming the field.
    pub fn req<T: FromJson>(&self, key: &str) -> Result<T, Shape> {
        self.opt(key)?.ok_or_else(|| Shape::missing(key))
    }

    /// Overwrites every string value in the tree before it is dropped (a parsed answer may hold a
    /// token or a pass).
    pub fn wipe(&mut self) {
        match self {
            Value::String(s) => s.zeroize(),
            Value::Array(a) => a.iter_mut().for_each(Value::wipe),
            Value::Object(m) => m.0.iter_mut().for_each(|(_, v)| v.wipe()),
            _ => {}
        }
    }

    /// Compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write(&mut out, self, None);
        out
    }

    /// JSON text indented by two spaces, one member or element a line.
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::new();
        write(&mut out, self, Some(0));
        out
    }
}

impl core::ops::Index<&str> for Value {
    type Output = Value;
    /// The member `key`, or `null` when there is none (as serde_json's `Value` indexes).
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

/// A value of the wrong shape: which field, and what it should have been.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// The field, dotted from the outermost (`""` for the value itself).
    pub field: String,
    /// What was expected, e.g. `"text"`; `None` when the field is missing.
    pub expected: Option<&'static str>,
}

impl Shape {
    /// The value is not `expected`.
    pub fn wrong(expected: &'static str) -> Shape {
        Shape {
            field: String::new(),
            expected: Some(expected),
        }
    }

    /// The field `key` is missing (or `null`).
    pub fn missing(key: &str) -> Shape {
        Shape {
            field: key.to_owned(),
            expected: None,
        }
    }

    /// The same error one level out, inside the field `key`.
    pub fn at(mut self, key: &str) -> Shape {
        self.field = if self.field.is_empty() {
            key.to_owned()
        } else {
            format!("{key}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = if self.field.is_empty() {
            "the value"
        } else {
            &self.field
        };
        match self.expected {
            None => write!(f, "`{field}` is missing"),
            Some(e) => write!(f, "`{field}` should be {e}"),
        }
    }
}

/// A type read from a JSON value.
pub trait FromJson: Sized {
    fn from_json(v: &Value) -> Result<Self, Shape>;
}

impl FromJson for String {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        v.as_str().map(str::to_owned).ok_or(Shape::wrong("text"))
    }
}

impl FromJson for bool {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        v.as_bool().ok_or(Shape::wrong("true or false"))
    }
}

impl FromJson for u64 {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        v.as_u64().ok_or(Shape::wrong("a whole number"))
    }
}

impl FromJson for u32 {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        u64::from_json(v)?
            .try_into()
            .map_err(|_| Shape::wrong("a whole number"))
    }
}

impl FromJson for u16 {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        u64::from_json(v)?
            .try_into()
            .map_err(|_| Shape::wrong("a whole number"))
    }
}

impl FromJson for Value {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        Ok(v.clone())
    }
}

impl FromJson for Map {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        v.as_object().cloned().ok_or(Shape::wrong("an object"))
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value) -> Result<Self, Shape> {
        let items = v.as_array().ok_or(Shape::wrong("a list"))?;
        // A plain loop and one shared error path: `collect` into a `Result` costs every
        // element type its own iterator adapter.
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match T::from_json(item) {
                Ok(x) => out.push(x),
                Err(e) => return Err(at_index(e, i)),
            }
        }
        Ok(out)
    }
}

/// `e` one level out, inside the list element `i`.
#[inline(never)]
fn at_index(e: Shape, i: usize) -> Shape {
    e.at(&i.to_string())
}

/// Why a text is not JSON, and where (1-based line and column, in characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The text ended before the value did.
    pub eof: bool,
    pub line: usize,
    pub column: usize,
    pub what: &'static str,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.what, self.line, self.column
        )
    }
}

/// Why a text could not be read as a `T`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Not JSON at all.
    Syntax(Error),
    /// JSON, but not the expected shape.
    Shape(Shape),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Syntax(e) => e.fmt(f),
            ReadError::Shape(s) => s.fmt(f),
        }
    }
}

/// Parses `text` and reads it as a `T`. The parsed tree's strings are overwritten before it is
/// dropped, so a token or pass in the answer lingers only in `T` (which keeps it in a
/// [`crate::secret::Secret`]).
pub fn read<T: FromJson>(text: &str) -> Result<T, ReadError> {
    let mut v = parse(text).map_err(ReadError::Syntax)?;
    let read = T::from_json(&v).map_err(ReadError::Shape);
    v.wipe();
    read
}

/// Parses one JSON value (surrounding whitespace allowed, nothing else after it).
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    let v = p.value().map_err(|what| p.error(what))?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

type Step<T> = Result<T, &'static str>;

const EOF: &str = "unexpected end";

impl Parser<'_> {
    fn error(&self, what: &'static str) -> Error {
        let at = self.i.min(self.s.len());
        let before = &self.s[..at];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        // Characters, not bytes: continuation bytes do not start a character.
        let column = 1 + before[start..]
            .iter()
            .filter(|&&b| b & 0xc0 != 0x80)
            .count();
        Error {
            eof: what == EOF,
            line,
            column,
            what,
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Step<u8> {
        self.s.get(self.i).copied().ok_or(EOF)
    }

    fn next(&mut self) -> Step<u8> {
        let b = self.peek()?;
        self.i += 1;
        Ok(b)
    }

    fn value(&mut self) -> Step<Value> {
        self.ws();
        match self.peek()? {
            b'{' => self.nested(Self::object),
            b'[' => self.nested(Self::array),
            b'"' => self.string().map(Value::String),
            b't' => self.word("true", Value::Bool(true)),
            b'f' => self.word("false", Value::Bool(false)),
            b'n' => self.word("null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err("expected a value"),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Step<Value>) -> Step<Value> {
        if self.depth >= MAX_DEPTH {
            return Err("nested too deeply");
        }
        self.depth += 1;
        self.i += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn word(&mut self, word: &str, v: Value) -> Step<Value> {
        for &b in word.as_bytes() {
            if self.next()? != b {
                self.i -= 1;
                return Err("expected a value");
            }
        }
        Ok(v)
    }

    /// After `[`.
    fn array(&mut self) -> Step<Value> {
        let mut items = Vec::new();
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.next()? {
                b',' => {}
                b']' => return Ok(Value::Array(items)),
                _ => {
                    self.i -= 1;
                    return Err("expected `,` or `]`");
                }
            }
        }
    }

    /// After `{`.
    fn object(&mut self) -> Step<Value> {
        let mut members = Vec::new();
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Ok(Value::Object(Map(members)));
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return Err("expected a member name in quotes");
            }
            let key = self.string()?;
            self.ws();
            if self.next()? != b':' {
                self.i -= 1;
                return Err("expected `:`");
            }
            members.push((key, self.value()?));
            self.ws();
            match self.next()? {
                b',' => {}
                b'}' => return Ok(Value::Object(Map(members))),
                _ => {
                    self.i -= 1;
                    return Err("expected `,` or `}`");
                }
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.s.get(self.i) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Step<Value> {
        let start = self.i;
        if self.peek()? == b'-' {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return Err("expected a digit"),
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                self.peek()?;
                return Err("expected a digit");
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if self.digits() == 0 {
                self.peek()?;
                return Err("expected a digit");
            }
        }
        // Only ASCII was consumed, so this slice is valid UTF-8.
        let text = core::str::from_utf8(&self.s[start..self.i]).map_err(|_| "expected a digit")?;
        Ok(Value::Number(Number(text.to_owned())))
    }

    fn hex4(&mut self) -> Step<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.next()? {
                b @ b'0'..=b'9' => b - b'0',
                b @ b'a'..=b'f' => b - b'a' + 10,
                b @ b'A'..=b'F' => b - b'A' + 10,
                _ => {
                    self.i -= 1;
                    return Err("expected four hex digits after \\u");
                }
            };
            n = n * 16 + u32::from(d);
        }
        Ok(n)
    }

    /// At `"`.
    fn string(&mut self) -> Step<String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            // Copy the run of plain bytes at once.
            let start = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.extend_from_slice(&self.s[start..self.i]);
            match self.next()? {
                b'"' => break,
                b'\\' => {}
                _ => {
                    self.i -= 1;
                    return Err("control character in a string (escape it)");
                }
            }
            let c = match self.next()? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => self.escaped_char()?,
                _ => {
                    self.i -= 1;
                    return Err("unknown escape");
                }
            };
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        // The input is a &str and escapes add whole characters, so this cannot fail.
        String::from_utf8(out).map_err(|_| "invalid UTF-8")
    }

    /// After `\u`: one character, from a surrogate pair when it takes two escapes. A lone
    /// surrogate is refused (as serde_json does): it is no character.
    fn escaped_char(&mut self) -> Step<char> {
        let hi = self.hex4()?;
        let code = match hi {
            0xD800..=0xDBFF => {
                if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                    self.peek()?;
                    return Err("lone surrogate in a \\u escape");
                }
                self.i += 2;
                let lo = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return Err("lone surrogate in a \\u escape");
                }
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err("lone surrogate in a \\u escape"),
            c => c,
        };
        char::from_u32(code).ok_or("lone surrogate in a \\u escape")
    }
}

/// Appends `value` to `out` as a JSON string literal (quotes included). Escapes what RFC 8259
/// requires (quote, backslash, control characters); the page's JSON goes to Graph, storage,
/// `JSON.parse` and a downloaded file, never into HTML or a script.
pub fn push_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 0x0f]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn newline(out: &mut String, indent: Option<usize>) {
    if let Some(n) = indent {
        out.push('\n');
        for _ in 0..n {
            out.push_str("  ");
        }
    }
}

fn write(out: &mut String, v: &Value, indent: Option<usize>) {
    let inner = indent.map(|n| n + 1);
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.0),
        Value::String(s) => push_string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(m) if m.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, inner);
                write(out, item, inner);
            }
            newline(out, indent);
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, item)) in m.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, inner);
                push_string(out, k);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write(out, item, inner);
            }
            newline(out, indent);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Value {
        parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    #[test]
    fn reads_every_kind_of_value() {
        let v =
            ok(r#" {"a": [1, -2, 3.5e-1, 0], "b": {"c": true, "d": false, "e": null}, "s": "x"} "#);
        assert_eq!(v["a"].as_array().map(Vec::len), Some(4));
        assert_eq!(
            v["a"].as_array().unwrap()[1],
            Value::Number(Number("-2".into()))
        );
        assert_eq!(v["a"].as_array().unwrap()[2].as_u64(), None);
        assert_eq!(v["a"].as_array().unwrap()[0].as_u64(), Some(1));
        assert_eq!(v["b"]["c"].as_bool(), Some(true));
        assert!(v["b"]["e"].is_null() && v["b"]["missing"].is_null());
        assert_eq!(v["s"].as_str(), Some("x"));
        assert_eq!(ok("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(ok("18446744073709551616").as_u64(), None);
        assert_eq!(ok("[]"), Value::Array(vec![]));
        assert_eq!(ok("{}"), Value::Object(Map::default()));
    }

    #[test]
    fn escapes_and_surrogate_pairs() {
        assert_eq!(
            ok(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00""#).as_str(),
            Some("a\"b\\c/d\u{8}\u{c}\n\r\té€😀")
        );
        assert_eq!(ok("\"é😀\"").as_str(), Some("é😀"));
        for lone in [
            r#""\ud83d""#,
            r#""\ud83dx""#,
            r#""\ude00""#,
            r#""\ud83d\u0041""#,
        ] {
            let e = parse(lone).unwrap_err();
            assert!(e.what.contains("surrogate"), "{lone}: {e}");
        }
    }

    #[test]
    fn refuses_what_rfc_8259_refuses() {
        for bad in [
            "",
            " ",
            "[1,]",
            "{\"a\":1,}",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "'x'",
            "\"a\u{1}b\"",
            "\"tab\there\"",
            "01",
            "1.",
            ".5",
            "-",
            "+1",
            "1e",
            "1e+",
            "tru",
            "nul",
            "[",
            "{",
            "\"abc",
            "\"\\x\"",
            "\"\\u12\"",
            "NaN",
            "Infinity",
            "[1]]",
            "1 2",
            "{\"a\":1}x",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn errors_say_where_and_whether_truncated() {
        let e = parse("{\n  \"a\": [1,\n  }").unwrap_err();
        assert_eq!((e.line, e.column, e.eof), (3, 3, false), "{e}");
        let e = parse("{\"a\": [1, 2").unwrap_err();
        assert!(e.eof, "{e}");
        assert_eq!(e.to_string(), "unexpected end at line 1 column 12");
        let e = parse("\"é\u{1}\"").unwrap_err();
        assert_eq!(e.column, 3, "columns count characters: {e}");
    }

    #[test]
    fn depth_is_limited() {
        let deep = "[".repeat(100_000);
        assert_eq!(parse(&deep).unwrap_err().what, "nested too deeply");
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&fine).is_ok());
        let over = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(parse(&over).is_err());
    }

    #[test]
    fn numbers_round_down_without_floats() {
        let floor = |t: &str| match ok(t) {
            Value::Number(n) => n.floor_u64(),
            _ => unreachable!(),
        };
        assert_eq!(floor("3599"), Some(3599));
        assert_eq!(floor("3599.9"), Some(3599));
        assert_eq!(floor("1.7e9"), Some(1_700_000_000));
        assert_eq!(floor("17E+8"), Some(1_700_000_000));
        assert_eq!(floor("12345e-2"), Some(123));
        assert_eq!(floor("0.5"), Some(0));
        assert_eq!(floor("5e-99999999"), Some(0));
        assert_eq!(floor("1e30"), Some(u64::MAX));
        assert_eq!(floor("1e99999999"), Some(u64::MAX));
        assert_eq!(floor("0e99999999"), Some(0));
        assert_eq!(floor("-1"), None);
        assert_eq!(floor("-0.5"), None);
    }

    #[test]
    fn duplicate_names_read_the_last() {
        let v = ok(r#"{"a":1,"a":2}"#);
        assert_eq!(v["a"].as_u64(), Some(2));
        assert_eq!(v.as_object().map(Map::len), Some(2));
        assert_eq!(v, ok(r#"{"a":2}"#));
        assert_eq!(ok(r#"{"a":1,"b":2}"#), ok(r#"{"b":2,"a":1}"#));
        assert_ne!(ok(r#"{"a":1,"b":2}"#), ok(r#"{"a":1}"#));
        assert_ne!(ok(r#"{"a":1}"#), ok(r#"{"a":1,"b":null}"#));
    }

    #[test]
    fn typed_fields_name_what_is_wrong() {
        let v = ok(r#"{"id":"x","n":7,"big":70000,"list":["a",1],"nothing":null,"flag":"yes"}"#);
        assert_eq!(v.req::<String>("id"), Ok("x".into()));
        assert_eq!(v.opt::<u32>("n"), Ok(Some(7)));
        assert_eq!(v.opt::<u16>("nothing"), Ok(None));
        assert_eq!(v.opt::<u16>("absent"), Ok(None));
        assert_eq!(
            v.opt::<u16>("big").unwrap_err().to_string(),
            "`big` should be a whole number"
        );
        assert_eq!(
            v.req::<String>("nothing").unwrap_err().to_string(),
            "`nothing` is missing"
        );
        assert_eq!(
            v.opt::<bool>("flag").unwrap_err().to_string(),
            "`flag` should be true or false"
        );
        assert_eq!(
            v.opt::<Vec<String>>("list").unwrap_err().to_string(),
            "`list.1` should be text"
        );
        assert_eq!(v.opt::<String>("n").unwrap_err().field, "n");
    }

    #[test]
    fn writes_what_it_reads() {
        let text = r#"{"s":"q\"b\\n\n\u0001é😀","n":[1,-2.5e3,true,null],"o":{},"a":[]}"#;
        let v = ok(text);
        assert_eq!(ok(&v.to_json()), v);
        assert_eq!(ok(&v.to_json_pretty()), v);
        assert_eq!(
            v.to_json(),
            r#"{"s":"q\"b\\n\n\u0001é😀","n":[1,-2.5e3,true,null],"o":{},"a":[]}"#
        );
        let mut m = Map::default();
        m.insert("a", 1u32);
        m.insert("b", vec!["x"]);
        m.insert("c", Option::<String>::None);
        assert_eq!(
            Value::from(m).to_json_pretty(),
            "{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ],\n  \"c\": null\n}"
        );
    }

    #[test]
    fn wipe_overwrites_strings() {
        let mut v = ok(r#"{"token":"abc","list":["def"]}"#);
        v.wipe();
        assert_eq!(v["token"].as_str(), Some(""));
        assert_eq!(v["list"].as_array().unwrap()[0].as_str(), Some(""));
    }
}
