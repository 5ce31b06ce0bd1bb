//! The page's look from config.json's `theme`: accent colours, the font, a logo and the product
//! name, validated here (pure) and applied as CSS custom properties by `ui::theme`.

use crate::json::{Map, Value};
use crate::quote::Quoted;

use crate::config::ConfigError;

/// A colour as `#rgb` or `#rrggbb` (what every portal's style guide gives), kept as `#rrggbb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Colour {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

/// `x` to the power 2.4, for `x` in (0, 1]: x² times the fifth root of x², the root by Newton's
/// method (multiplications and divisions only). `f64::powf` would bring libm's `pow` into the
/// page (1.4 KB of wasm) for this one use.
fn pow_2_4(x: f64) -> f64 {
    let a = x * x;
    // y⁵ - a is convex for y > 0, so Newton's steps from y = 1 (above the root, as a <= 1) fall
    // monotonically towards it; the first step that does not fall has reached it.
    let mut y = 1.0_f64;
    loop {
        let next = (4.0 * y + a / (y * y * y * y)) / 5.0;
        if next >= y {
            return a * y;
        }
        y = next;
    }
}

impl Colour {
    /// Parses `#rgb` or `#rrggbb` (case-insensitive).
    pub fn parse(s: &str) -> Option<Colour> {
        let hex = s.trim().strip_prefix('#')?;
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).ok();
        let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        match hex.len() {
            3 => Some(Colour {
                r: digit(0)? * 17,
                g: digit(1)? * 17,
                b: digit(2)? * 17,
            }),
            6 => Some(Colour {
                r: pair(0)?,
                g: pair(2)?,
                b: pair(4)?,
            }),
            _ => None,
        }
    }

    /// `#rrggbb` in lowercase hex (by hand: `{:02x}` would bring the hex formatter).
    pub fn css(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(7);
        s.push('#');
        for v in [self.r, self.g, self.b] {
            s.push(char::from(HEX[usize::from(v >> 4)]));
            s.push(char::from(HEX[usize::from(v & 15)]));
        }
        s
    }

    /// WCAG 2 relative luminance.
    fn luminance(&self) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                pow_2_4((c + 0.055) / 1.055)
            }
        };
        0.2126 * lin(self.r) + 0.7152 * lin(self.g) + 0.0722 * lin(self.b)
    }

    /// WCAG 2 contrast ratio with `other` (1 to 21).
    pub fn contrast(&self, other: &Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// Black or white, whichever reads better on this colour (for text on accent buttons).
    pub fn readable_text(&self) -> Colour {
        const WHITE: Colour = Colour {
            r: 255,
            g: 255,
            b: 255,
        };
        const BLACK: Colour = Colour { r: 0, g: 0, b: 0 };
        if self.contrast(&WHITE) >= self.contrast(&BLACK) {
            WHITE
        } else {
            BLACK
        }
    }
}

/// The look a portal asks for; every part optional (the built-in look otherwise).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Theme {
    /// Buttons, links and selection in light mode.
    pub accent: Option<Colour>,
    /// The same in dark mode (default: the built-in dark accent, not `accent`, which is usually
    /// too dark on a dark background).
    pub accent_dark: Option<Colour>,
    /// A CSS font-family list of fonts installed on the admins' machines (nothing is downloaded).
    pub font: Option<String>,
    /// A logo beside the name: a path on Handover's own host, or a `data:image/…` URL.
    pub logo_url: Option<String>,
    /// The name in the header and the window title instead of "Handover".
    pub product_name: Option<String>,
}

const THEME_KEYS: &[&str] = &["accent", "accentDark", "font", "logoUrl", "productName"];
const EX_THEME: &str = "{ \"accent\": \"#0f6cbd\", \"productName\": \"Contoso password reset\" }";
const EX_FONT: &str = "\"\\\"Segoe UI\\\", Arial, sans-serif\"";
const EX_LOGO: &str = "\"logo.svg\" (a file beside index.html)";
const EX_NAME: &str = "\"Contoso password reset\"";
/// Longest product name shown.
pub const MAX_PRODUCT_NAME: usize = 60;
/// Longest `data:` logo accepted (config.json is fetched on every start).
pub const MAX_LOGO_DATA_URL: usize = 64 * 1024;

fn text<'a>(field: &str, v: &'a Value, example: &str) -> Result<&'a str, ConfigError> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Ok(s.trim()),
        Value::String(_) => Err(ConfigError::new(field, "is empty.", example)),
        _ => Err(ConfigError::new(field, "must be text in quotes.", example)),
    }
}

fn colour(field: &str, v: &Value, example: &str) -> Result<Colour, ConfigError> {
    let s = text(field, v, example)?;
    Colour::parse(s).ok_or_else(|| {
        ConfigError::new(
            field,
            format!("{s} is not a colour Handover reads: give it as #rgb or #rrggbb, as in the portal's style sheet.", s = Quoted(s)),
            example,
        )
    })
}

/// The built-in backgrounds an accent is drawn on (style/main.css `--ho-card` and `--ho-bg`;
/// a test keeps them equal), with what to say about them.
struct Page {
    card: Colour,
    bg: Colour,
    name: &'static str,
    advice: &'static str,
    /// An accent that suits it (the built-in one).
    example: &'static str,
}

const LIGHT_PAGE: Page = Page {
    card: Colour {
        r: 0xff,
        g: 0xff,
        b: 0xff,
    },
    bg: Colour {
        r: 0xf6,
        g: 0xf7,
        b: 0xf9,
    },
    name: "the light page (#ffffff and #f6f7f9)",
    advice: "Choose a darker colour.",
    example: "\"#0f6cbd\"",
};

const DARK_PAGE: Page = Page {
    card: Colour {
        r: 0x1e,
        g: 0x22,
        b: 0x27,
    },
    bg: Colour {
        r: 0x15,
        g: 0x18,
        b: 0x1c,
    },
    name: "the dark page (#1e2227 and #15181c)",
    advice: "Choose a lighter colour.",
    example: "\"#4ea1e6\"",
};

/// WCAG 2.1 (1.4.11, non-text contrast): the selected user's marker and the main button's edge
/// are drawn in the accent, so it needs 3:1 against the page behind them.
pub const MIN_ACCENT_CONTRAST: f64 = 3.0;

/// An accent colour that stands out from `page` (text on it is black or white, whichever reads
/// better, so that part is always readable).
fn accent(field: &str, v: &Value, page: Page) -> Result<Colour, ConfigError> {
    let c = colour(field, v, page.example)?;
    let worst = c.contrast(&page.card).min(c.contrast(&page.bg));
    if worst < MIN_ACCENT_CONTRAST {
        // One decimal, rounded down, so the figure never overstates it.
        let tenths = (worst * 10.0) as u32;
        return Err(ConfigError::new(
            field,
            format!(
                "{} stands out from {} by only {}.{}:1; the selected user and the main button's \
                 edge would be hard to see (at least 3:1 is needed). {}",
                c.css(),
                page.name,
                tenths / 10,
                tenths % 10,
                page.advice
            ),
            page.example,
        ));
    }
    Ok(c)
}

/// A font-family list: names, quoted names and generic families, separated by commas. Nothing
/// that could end the declaration or load a file (`;`, `{`, `(`, `url`).
fn font(v: &Value) -> Result<String, ConfigError> {
    let s = text("theme.font", v, EX_FONT)?;
    let ok = s.len() <= 200
        && s.chars()
            .all(|c| c.is_alphanumeric() || " ,-_\"'".contains(c));
    if !ok {
        return Err(ConfigError::new(
            "theme.font",
            format!("{s} is not a list of font names: use letters, digits, spaces, quotes, hyphens and commas only (at most 200 characters). Fonts are not downloaded: name fonts installed on the admins' machines.", s = Quoted(s)),
            EX_FONT,
        ));
    }
    Ok(s.to_owned())
}

/// Same-origin path or an image `data:` URL: the page's CSP allows images from `'self'` and
/// `data:` only.
fn logo(v: &Value) -> Result<String, ConfigError> {
    let s = text("theme.logoUrl", v, EX_LOGO)?;
    let lower = s.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("data:") {
        let image = [
            "image/png",
            "image/svg+xml",
            "image/jpeg",
            "image/gif",
            "image/webp",
        ]
        .iter()
        .any(|t| rest.starts_with(t));
        if !image {
            return Err(ConfigError::new(
                "theme.logoUrl",
                "a data: URL must be an image (image/png, image/svg+xml, image/jpeg, image/gif or image/webp).",
                EX_LOGO,
            ));
        }
        if s.len() > MAX_LOGO_DATA_URL {
            return Err(ConfigError::new(
                "theme.logoUrl",
                format!("the data: URL is {} bytes; at most {MAX_LOGO_DATA_URL} are accepted. Put the file beside index.html and name it instead.", s.len()),
                EX_LOGO,
            ));
        }
        return Ok(s.to_owned());
    }
    let has_scheme = lower
        .split_once(':')
        .is_some_and(|(scheme, _)| !scheme.contains('/'));
    if has_scheme || s.starts_with("//") || s.contains('\\') {
        return Err(ConfigError::new(
            "theme.logoUrl",
            format!("{s} is on another host: the page may show images only from its own host or a data: URL (its Content-Security-Policy says img-src 'self' data:). Put the logo beside index.html and give its name.", s = Quoted(s)),
            EX_LOGO,
        ));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigError::new(
            "theme.logoUrl",
            format!(
                "{s} contains spaces: rename the file, or write them as %20.",
                s = Quoted(s)
            ),
            EX_LOGO,
        ));
    }
    Ok(s.to_owned())
}

fn product_name(v: &Value) -> Result<String, ConfigError> {
    let s = text("theme.productName", v, EX_NAME)?;
    let n = s.chars().count();
    if n > MAX_PRODUCT_NAME || s.chars().any(char::is_control) {
        return Err(ConfigError::new(
            "theme.productName",
            format!("must be one line of at most {MAX_PRODUCT_NAME} characters ({n} given)."),
            EX_NAME,
        ));
    }
    Ok(s.to_owned())
}

/// Reads `theme` from config.json.
pub fn parse_theme(v: &Value) -> Result<Theme, ConfigError> {
    let Value::Object(map) = v else {
        return Err(ConfigError::new(
            "theme",
            "must be an object in { }.",
            EX_THEME,
        ));
    };
    if let Some(k) = map
        .keys()
        .find(|k| !k.starts_with("//") && !THEME_KEYS.contains(&k.as_str()))
    {
        return Err(ConfigError::new(
            &format!("theme.{k}"),
            format!(
                "is not a theme setting Handover knows. The theme settings are: {}.",
                THEME_KEYS.join(", ")
            ),
            EX_THEME,
        ));
    }
    let get = |k: &str| map.get(k).filter(|v| !v.is_null());
    Ok(Theme {
        accent: get("accent")
            .map(|v| accent("theme.accent", v, LIGHT_PAGE))
            .transpose()?,
        accent_dark: get("accentDark")
            .map(|v| accent("theme.accentDark", v, DARK_PAGE))
            .transpose()?,
        font: get("font").map(font).transpose()?,
        logo_url: get("logoUrl").map(logo).transpose()?,
        product_name: get("productName").map(product_name).transpose()?,
    })
}

/// Reads an optional `theme` key of config.json.
pub fn theme_of(map: &Map) -> Result<Theme, ConfigError> {
    match map.get("theme").filter(|v| !v.is_null()) {
        None => Ok(Theme::default()),
        Some(v) => parse_theme(v),
    }
}

impl Theme {
    /// The CSS custom properties to set on the document element, as (name, value). The
    /// stylesheet reads them with the built-in look as fallback, in light and dark.
    pub fn custom_properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(a) = self.accent {
            out.push(("--ho-theme-accent", a.css()));
            out.push(("--ho-theme-accent-fg", a.readable_text().css()));
        }
        if let Some(a) = self.accent_dark {
            out.push(("--ho-theme-accent-dark", a.css()));
            out.push(("--ho-theme-accent-dark-fg", a.readable_text().css()));
        }
        if let Some(f) = &self.font {
            out.push(("--ho-theme-font", f.clone()));
        }
        out
    }

    /// The name in the header and title.
    pub fn name(&self) -> &str {
        self.product_name.as_deref().unwrap_or("Handover")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pow_2_4_matches_powf_on_every_channel_value() {
        for c in 0..=255u8 {
            let x = (f64::from(c) / 255.0 + 0.055) / 1.055;
            let (ours, libm) = (super::pow_2_4(x), x.powf(2.4));
            assert!(
                ((ours - libm) / libm).abs() < 1e-14,
                "{c}: {ours} vs {libm}"
            );
        }
        assert_eq!(super::pow_2_4(1.0), 1.0);
    }

    use super::*;

    #[test]
    fn css_is_lowercase_hex_of_every_channel() {
        for v in 0..=255u8 {
            let c = Colour {
                r: v,
                g: v.wrapping_mul(7),
                b: 255 - v,
            };
            assert_eq!(c.css(), format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b));
        }
    }

    /// Our value of what serde_json's `json!` wrote.
    macro_rules! json {
        ($($t:tt)+) => {
            crate::json::parse(&serde_json::json!($($t)+).to_string()).expect("JSON")
        };
    }

    #[test]
    fn colours_parse_in_both_hex_forms_only() {
        assert_eq!(
            Colour::parse("#0F6CBD"),
            Some(Colour {
                r: 0x0f,
                g: 0x6c,
                b: 0xbd
            })
        );
        assert_eq!(
            Colour::parse("#fa0").map(|c| c.css()),
            Some("#ffaa00".into())
        );
        for bad in [
            "0f6cbd",
            "#0f6cb",
            "#0f6cbdff",
            "#ggg",
            "blue",
            "rgb(0,0,0)",
            "#",
            "",
        ] {
            assert_eq!(Colour::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_on_the_accent_is_black_or_white_whichever_contrasts_more() {
        let dark = Colour::parse("#0f6cbd").unwrap();
        assert_eq!(dark.readable_text().css(), "#ffffff");
        let light = Colour::parse("#ffd400").unwrap();
        assert_eq!(light.readable_text().css(), "#000000");
        // The WCAG ratios: white on black is 21, a colour with itself 1.
        let black = Colour::parse("#000").unwrap();
        let white = Colour::parse("#fff").unwrap();
        assert!((black.contrast(&white) - 21.0).abs() < 1e-9);
        assert!((dark.contrast(&dark) - 1.0).abs() < 1e-9);
        assert!(dark.contrast(&dark.readable_text()) >= 4.5);
    }

    #[test]
    fn a_full_theme_gives_its_custom_properties() {
        let t = parse_theme(&json!({
            "accent": "#243A5E",
            "accentDark": "#9cc3ff",
            "font": "\"Segoe UI\", Arial, sans-serif",
            "logoUrl": "assets/logo.svg",
            "productName": "Contoso password reset",
            "// note": "comments are fine"
        }))
        .unwrap();
        assert_eq!(t.name(), "Contoso password reset");
        assert_eq!(t.logo_url.as_deref(), Some("assets/logo.svg"));
        assert_eq!(
            t.custom_properties(),
            vec![
                ("--ho-theme-accent", "#243a5e".to_owned()),
                ("--ho-theme-accent-fg", "#ffffff".to_owned()),
                ("--ho-theme-accent-dark", "#9cc3ff".to_owned()),
                ("--ho-theme-accent-dark-fg", "#000000".to_owned()),
                (
                    "--ho-theme-font",
                    "\"Segoe UI\", Arial, sans-serif".to_owned()
                ),
            ]
        );
        assert_eq!(Theme::default().name(), "Handover");
        assert!(Theme::default().custom_properties().is_empty());
        let data = "data:image/svg+xml;base64,PHN2Zy8+";
        assert_eq!(
            parse_theme(&json!({ "logoUrl": data }))
                .unwrap()
                .logo_url
                .as_deref(),
            Some(data)
        );
    }

    #[test]
    fn bad_theme_values_name_the_field_and_say_what_to_do() {
        let cases = [
            (json!("blue"), "theme", "object"),
            (json!({"accent": "blue"}), "theme.accent", "#rgb or #rrggbb"),
            (json!({"accent": 42}), "theme.accent", "text in quotes"),
            (json!({"accentDark": "#12345"}), "theme.accentDark", "#rgb"),
            (
                json!({"colour": "#fff"}),
                "theme.colour",
                "accent, accentDark",
            ),
            (
                json!({"font": "x; background: url(evil)"}),
                "theme.font",
                "font names",
            ),
            (json!({"font": "a}b"}), "theme.font", "font names"),
            (
                json!({"logoUrl": "https://cdn.example/logo.png"}),
                "theme.logoUrl",
                "img-src 'self' data:",
            ),
            (
                json!({"logoUrl": "//cdn.example/logo.png"}),
                "theme.logoUrl",
                "another host",
            ),
            (
                json!({"logoUrl": "javascript:alert(1)"}),
                "theme.logoUrl",
                "another host",
            ),
            (
                json!({"logoUrl": "data:text/html,<p>"}),
                "theme.logoUrl",
                "must be an image",
            ),
            (json!({"logoUrl": "my logo.png"}), "theme.logoUrl", "spaces"),
            (
                json!({"productName": "x".repeat(61)}),
                "theme.productName",
                "at most 60",
            ),
            (
                json!({"productName": "a\nb"}),
                "theme.productName",
                "one line",
            ),
        ];
        for (v, field, words) in cases {
            let e = parse_theme(&v).unwrap_err();
            assert_eq!(e.field, field, "{v:?}");
            assert!(e.problem.contains(words), "{v:?}: {}", e.problem);
        }
        let big = format!("data:image/png;base64,{}", "A".repeat(MAX_LOGO_DATA_URL));
        let e = parse_theme(&json!({ "logoUrl": big })).unwrap_err();
        assert!(e.problem.contains("at most"), "{}", e.problem);
    }

    /// The built-in palette of style/main.css, light and dark, read from the file: text at
    /// least 4.5:1 on what it is drawn on (WCAG 2.1 AA), the accent 3:1 against the page; and
    /// the backgrounds the theme check uses are the stylesheet's.
    #[test]
    fn the_built_in_palette_meets_wcag_aa() {
        let css = include_str!("../style/main.css");
        let dark_at = css
            .find("prefers-color-scheme: dark")
            .expect("a dark palette");
        for (name, block, page) in [
            ("light", &css[..dark_at], LIGHT_PAGE),
            ("dark", &css[dark_at..], DARK_PAGE),
        ] {
            let var = |v: &str| -> Colour {
                let at = block
                    .find(&format!("--ho-{v}:"))
                    .unwrap_or_else(|| panic!("--ho-{v} in {name}"));
                let line = block[at..].lines().next().unwrap_or_default();
                let hash = line
                    .rfind('#')
                    .unwrap_or_else(|| panic!("a colour in {line}"));
                let hex: String = line[hash..]
                    .chars()
                    .take_while(|c| *c == '#' || c.is_ascii_hexdigit())
                    .collect();
                Colour::parse(&hex).unwrap_or_else(|| panic!("{hex} in {line}"))
            };
            assert_eq!(var("card"), page.card, "{name} --ho-card");
            assert_eq!(var("bg"), page.bg, "{name} --ho-bg");
            let mut pairs = Vec::new();
            for text in ["fg", "muted", "danger", "warn", "ok"] {
                for back in ["bg", "card"] {
                    pairs.push((text, back, 4.5));
                }
            }
            pairs.push(("accent-fg", "accent", 4.5));
            // .badge-privileged: card-coloured text on the danger colour.
            pairs.push(("card", "danger", 4.5));
            pairs.push(("accent", "card", MIN_ACCENT_CONTRAST));
            pairs.push(("accent", "bg", MIN_ACCENT_CONTRAST));
            for (a, b, min) in pairs {
                let ratio = var(a).contrast(&var(b));
                assert!(
                    ratio >= min,
                    "{name}: --ho-{a} on --ho-{b} is {ratio:.2}:1, under {min}:1"
                );
            }
        }
    }

    /// Every colour has readable text on it: the better of black and white is always at least
    /// 4.5:1 (the worst case is a mid grey, about 4.58:1).
    #[test]
    fn text_on_any_accent_is_aa() {
        for v in (0..=255u8).step_by(3) {
            for c in [
                Colour { r: v, g: v, b: v },
                Colour { r: v, g: 0, b: 0 },
                Colour { r: 0, g: v, b: 0 },
                Colour { r: 0, g: 0, b: v },
                Colour { r: v, g: v, b: 0 },
            ] {
                assert!(c.contrast(&c.readable_text()) >= 4.5, "{}", c.css());
            }
        }
    }

    #[test]
    fn an_accent_that_would_vanish_into_the_page_is_refused() {
        let e = parse_theme(&json!({"accent": "#ffd700"}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("theme.accent"), "{e}");
        assert!(e.contains("#ffd700 stands out from the light page"), "{e}");
        assert!(e.contains("by only 1.3:1"), "{e}");
        assert!(e.contains("darker colour"), "{e}");
        let e = parse_theme(&json!({"accentDark": "#0f6cbd"}))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("theme.accentDark") && e.contains("lighter colour"),
            "{e}"
        );
        assert!(e.contains("the dark page"), "{e}");
        // The built-in accents and the e2e portal's pass.
        for (light, dark) in [("#0f6cbd", "#4ea1e6"), ("#8a1538", "#ffb3c1")] {
            let t = parse_theme(&json!({"accent": light, "accentDark": dark}))
                .expect("a readable theme");
            assert_eq!(t.accent.map(|c| c.css()).as_deref(), Some(light));
        }
    }
}
