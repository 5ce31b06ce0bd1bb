//! Temporary Access Pass options and the body of
//! `POST /users/{id}/authentication/temporaryAccessPassMethods`.

use core::fmt;

pub const TAP_MIN_LIFETIME_MINUTES: u32 = 10;
pub const TAP_MAX_LIFETIME_MINUTES: u32 = 43_200;
pub const TAP_DEFAULT_LIFETIME_MINUTES: u32 = 60;

/// What the admin chose for a Temporary Access Pass.
///
/// `Default`: 60 minutes, usable once, starting now. One-time is the default because a tenant
/// whose TAP policy demands one-time passes rejects a multi-use request, never the reverse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TapOptions {
    pub lifetime_minutes: u32,
    pub usable_once: bool,
    /// When the pass starts working, RFC 3339 (`2025-07-01T09:00:00Z`, `...+02:00`); `None`
    /// (or blank) starts it at once. Whether it lies in the future is Graph's call, not ours.
    pub start: Option<String>,
}

impl Default for TapOptions {
    fn default() -> Self {
        TapOptions {
            lifetime_minutes: TAP_DEFAULT_LIFETIME_MINUTES,
            usable_once: true,
            start: None,
        }
    }
}

/// A TAP option Graph would refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TapError {
    LifetimeOutOfRange { minutes: u32 },
    StartNotRfc3339 { value: String },
}

impl fmt::Display for TapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TapError::LifetimeOutOfRange { minutes } => write!(
                f,
                "A Temporary Access Pass lasts {TAP_MIN_LIFETIME_MINUTES} to {TAP_MAX_LIFETIME_MINUTES} minutes (30 days); {minutes} is outside that. Your tenant's TAP policy may allow less."
            ),
            TapError::StartNotRfc3339 { value } => write!(
                f,
                "The start time \"{value}\" is not a full date and time. Use the form 2025-07-01T09:00:00Z or 2025-07-01T09:00:00+02:00, or leave it empty to start now."
            ),
        }
    }
}

impl std::error::Error for TapError {}

/// The JSON Graph takes, e.g. `{"lifetimeInMinutes":60,"isUsableOnce":true}`.
/// (Written by [`crate::graph::TapRequest::to_json`].)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TapRequestBody {
    pub lifetime_in_minutes: u32,
    pub is_usable_once: bool,
    pub start_date_time: Option<String>,
}

impl TapOptions {
    fn start(&self) -> Option<&str> {
        self.start
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// Every option Graph would refuse.
    pub fn validate(&self) -> Result<(), Vec<TapError>> {
        let mut errors = Vec::new();
        let minutes = self.lifetime_minutes;
        if !(TAP_MIN_LIFETIME_MINUTES..=TAP_MAX_LIFETIME_MINUTES).contains(&minutes) {
            errors.push(TapError::LifetimeOutOfRange { minutes });
        }
        if let Some(start) = self.start() {
            if !is_rfc3339(start) {
                errors.push(TapError::StartNotRfc3339 {
                    value: start.to_owned(),
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The request body, once the options are valid.
    pub fn request_body(&self) -> Result<TapRequestBody, Vec<TapError>> {
        self.validate()?;
        Ok(TapRequestBody {
            lifetime_in_minutes: self.lifetime_minutes,
            is_usable_once: self.usable_once,
            start_date_time: self.start().map(str::to_owned),
        })
    }
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with real calendar days.
/// Leap seconds (`:60`) are refused: .NET, behind Graph, does not parse them.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let at = |i: usize, expected: &[u8]| b.get(i).is_some_and(|c| expected.contains(c));
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        num(0, 4),
        num(5, 2),
        num(8, 2),
        num(11, 2),
        num(14, 2),
        num(17, 2),
    ) else {
        return false;
    };
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt") && at(13, b":") && at(16, b":")) {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days || hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    let mut i = 19;
    if at(i, b".") {
        i += 1;
        let fraction = b[i..].iter().take_while(|d| d.is_ascii_digit()).count();
        if fraction == 0 {
            return false;
        }
        i += fraction;
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && at(i + 3, b":")
                && num(i + 1, 2).is_some_and(|h| h <= 23)
                && num(i + 4, 2).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_body_is_sixty_minutes_one_time() {
        let body = TapOptions::default().request_body().unwrap();
        assert_eq!(
            crate::graph::TapRequest::from(&body).to_json(),
            r#"{"lifetimeInMinutes":60,"isUsableOnce":true}"#
        );
    }

    #[test]
    fn body_carries_start_and_multi_use() {
        let options = TapOptions {
            lifetime_minutes: 480,
            usable_once: false,
            start: Some(" 2025-07-01T09:00:00+02:00 ".into()),
        };
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(
                &crate::graph::TapRequest::from(&options.request_body().unwrap()).to_json()
            )
            .unwrap(),
            serde_json::json!({
                "lifetimeInMinutes": 480,
                "isUsableOnce": false,
                "startDateTime": "2025-07-01T09:00:00+02:00"
            })
        );
        let blank = TapOptions {
            start: Some("  ".into()),
            ..Default::default()
        };
        assert_eq!(blank.request_body().unwrap().start_date_time, None);
    }

    #[test]
    fn lifetime_bounds() {
        for (minutes, ok) in [
            (9, false),
            (10, true),
            (43_200, true),
            (43_201, false),
            (0, false),
        ] {
            let options = TapOptions {
                lifetime_minutes: minutes,
                ..Default::default()
            };
            assert_eq!(options.validate().is_ok(), ok, "{minutes}");
        }
    }

    #[test]
    fn every_error_is_reported_with_a_message() {
        let options = TapOptions {
            lifetime_minutes: 5,
            usable_once: true,
            start: Some("tomorrow".into()),
        };
        let errors = options.validate().unwrap_err();
        assert_eq!(
            errors,
            [
                TapError::LifetimeOutOfRange { minutes: 5 },
                TapError::StartNotRfc3339 {
                    value: "tomorrow".into()
                }
            ]
        );
        assert!(errors[0].to_string().contains("10 to 43200 minutes"));
        assert!(errors[1].to_string().contains("2025-07-01T09:00:00Z"));
    }

    #[test]
    fn rfc3339_table() {
        let good = [
            "2025-07-01T09:00:00Z",
            "2025-07-01t09:00:00z",
            "2025-07-01T09:00:00.5Z",
            "2025-07-01T09:00:00.123456+02:00",
            "2024-02-29T23:59:59-11:30",
            "2000-02-29T00:00:00Z",
        ];
        let bad = [
            "",
            "2025-07-01",
            "2025-07-01T09:00Z",
            "2025-07-01 09:00:00Z",
            "2025-07-01T09:00:00",
            "2025-13-01T09:00:00Z",
            "2025-02-29T09:00:00Z",
            "1900-02-29T09:00:00Z",
            "2025-04-31T09:00:00Z",
            "2025-07-00T09:00:00Z",
            "2025-07-01T24:00:00Z",
            "2025-07-01T09:60:00Z",
            "2025-07-01T09:00:60Z",
            "2025-07-01T09:00:00.Z",
            "2025-07-01T09:00:00+2:00",
            "2025-07-01T09:00:00+02:00x",
            "2025-07-01T09:00:00+24:00",
            "2025-07-01T09:00:00ZZ",
            "２025-07-01T09:00:00Z",
        ];
        for s in good {
            assert!(is_rfc3339(s), "should accept {s:?}");
        }
        for s in bad {
            assert!(!is_rfc3339(s), "should refuse {s:?}");
        }
    }
}
