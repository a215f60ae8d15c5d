//! Options of the fleet features: `intervalMs`, `emitInitial`, `failOn`,
//! `invalidIds`, `hooks`, and a client's scheduler (`rateLimit`,
//! `maxConcurrentRequests`, `retryBudget`). Read from the same described JSON
//! as the other options (see [`crate::engine::options::CallOptions`]).

use crate::engine::error::Error;
use crate::engine::json::{self, Json};
use crate::engine::options::option;
use crate::engine::options::{option_position, tag, unknown_name, MAX_TIMER_MS};
use crate::engine::output::{cat, decimal};
use crate::engine::scheduler::SchedulerConfig;
use crate::engine::validate::{describe_number, positive_integer};
use crate::engine::wait_state::parse_states;
use crate::engine::watch::MIN_INTERVAL_MS;
use crate::prelude::*;

/// The hooks a call may have.
pub const HOOK_NAMES: [&str; 3] = ["onRequest", "onResponse", "onRetry"];
/// Options only `createClient` takes.
pub const CLIENT_OPTIONS: [&str; 3] = ["rateLimit", "maxConcurrentRequests", "retryBudget"];
/// Largest `maxConcurrentRequests` and `rateLimit.requestsPerSecond`.
pub const MAX_CONCURRENT_REQUESTS: u32 = 1_024;
pub const MAX_RATE: f64 = 100_000.0;

/// The fleet options of one call (absent: `None`, empty or `false`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FleetOptions {
    pub interval_ms: Option<u32>,
    pub emit_initial: Option<bool>,
    pub fail_on: Vec<&'static str>,
    /// `invalidIds: "report"`.
    pub report_invalid: bool,
    /// Whether any hook is set.
    pub hooks: bool,
}

fn number(name: &str, value: &Json) -> Result<f64, Error> {
    match value {
        Json::Number(n) => Ok(*n),
        _ => Err(Error::invalid(name.to_owned() + " must be a number")),
    }
}

/// A whole number option from 1 to `max` (one copy of the two checks).
#[inline(never)]
fn positive_option(name: &str, value: &Json, max: u32) -> Result<u32, Error> {
    match number(name, value) {
        Ok(n) => positive_integer(name, n, max),
        Err(error) => Err(error),
    }
}

impl FleetOptions {
    /// Read option `name`, at `which` in
    /// [`KNOWN_OPTIONS`](crate::engine::options::KNOWN_OPTIONS); `Ok(false)` when
    /// it is not one of these.
    pub fn read(&mut self, which: usize, name: &str, value: &Json) -> Result<bool, Error> {
        match which {
            option::INTERVAL_MS => {
                let ms = positive_option(name, value, MAX_TIMER_MS)?;
                if ms < MIN_INTERVAL_MS {
                    return Err(Error::invalid(cat(&[
                        "intervalMs must be at least 100, got ",
                        &decimal(i64::from(ms)),
                    ])));
                }
                self.interval_ms = Some(ms);
            }
            option::EMIT_INITIAL => match value {
                Json::Bool(b) => self.emit_initial = Some(*b),
                _ => return Err(Error::invalid("emitInitial must be a boolean")),
            },
            option::FAIL_ON => self.fail_on = parse_states("failOn", value, true)?,
            option::INVALID_IDS => match value.as_str() {
                Some("reject") => self.report_invalid = false,
                Some("report") => self.report_invalid = true,
                _ => return Err(Error::invalid("invalidIds must be \"reject\" or \"report\"")),
            },
            option::HOOKS => {
                let Json::Object(members) = value else {
                    return Err(Error::invalid(
                        "hooks must be an object { onRequest?, onResponse?, onRetry? }",
                    ));
                };
                for (hook, f) in members {
                    if !HOOK_NAMES.contains(&&**hook) {
                        return Err(unknown_name("unknown hook `", hook, "`", &HOOK_NAMES));
                    }
                    match f {
                        Json::Null => {}
                        f if tag(f) == Some("function") => self.hooks = true,
                        _ => {
                            return Err(Error::invalid(String::from("hooks.") + hook + " must be a function"))
                        }
                    }
                }
            }
            option::RATE_LIMIT | option::MAX_CONCURRENT_REQUESTS | option::RETRY_BUDGET => {
                return Err(Error::invalid(
                    name.to_owned()
                        + " is an option of createClient: it applies to every request of a client",
                ))
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A client's scheduler settings, from the described JSON of its
/// `{ rateLimit, maxConcurrentRequests, retryBudget }`.
pub fn parse_scheduler_config(text: &str) -> Result<SchedulerConfig, Error> {
    let Ok(doc) = json::parse(text) else {
        return Err(Error::invalid("client options must be a plain object"));
    };
    let mut config = SchedulerConfig::default();
    let Json::Object(members) = &doc else { return Ok(config) };
    for (name, value) in members {
        if matches!(value, Json::Null) {
            continue;
        }
        match option_position(name) {
            Some(option::RATE_LIMIT) => {
                let Json::Object(limit) = value else {
                    return Err(Error::invalid("rateLimit must be an object { requestsPerSecond, burst? }"));
                };
                let mut burst = None;
                for (key, v) in limit {
                    match &**key {
                        "requestsPerSecond" => {
                            let rate = number("rateLimit.requestsPerSecond", v)?;
                            if !(rate > 0.0 && rate <= MAX_RATE) {
                                return Err(Error::invalid(cat(&[
                                    "rateLimit.requestsPerSecond must be above 0 and at most 100000, got ",
                                    &describe_number(rate),
                                ])));
                            }
                            config.requests_per_second = rate;
                        }
                        "burst" if !matches!(v, Json::Null) => {
                            burst = Some(positive_option("rateLimit.burst", v, 100_000)?)
                        }
                        "burst" => {}
                        other => {
                            return Err(Error::invalid(cat(&[
                                "unknown rateLimit field `",
                                other,
                                "`; it takes requestsPerSecond and burst",
                            ])))
                        }
                    }
                }
                config.burst = burst.unwrap_or(config.requests_per_second.ceil() as u32).max(1);
            }
            Some(option::MAX_CONCURRENT_REQUESTS) => {
                config.max_concurrent = positive_option(name, value, MAX_CONCURRENT_REQUESTS)?;
            }
            Some(option::RETRY_BUDGET) => match value {
                Json::Bool(on) => config.retry_budget = *on,
                _ => return Err(Error::invalid("retryBudget must be true or false")),
            },
            _ => {}
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<FleetOptions, Error> {
        let mut o = FleetOptions::default();
        let Json::Object(members) = json::parse(json).unwrap() else { panic!() };
        for (name, value) in &members {
            let which = option_position(name).unwrap();
            assert!(o.read(which, name, value)?, "{name} not read");
        }
        Ok(o)
    }

    #[test]
    fn fleet_options_are_read_and_checked() {
        let o = read(
            r#"{"intervalMs":250,"emitInitial":false,"failOn":["shutdown","stopped"],"invalidIds":"report","hooks":{"onRetry":{"$":"function"}}}"#,
        )
        .unwrap();
        assert_eq!(o.interval_ms, Some(250));
        assert_eq!(o.emit_initial, Some(false));
        assert_eq!(o.fail_on, ["shutdown", "stopped"]);
        assert!(o.report_invalid && o.hooks);
        for (json, expected) in [
            (r#"{"intervalMs":99}"#, "intervalMs must be at least 100, got 99"),
            (r#"{"failOn":["sleeping"]}"#, "failOn must be a state name"),
            (r#"{"invalidIds":"ignore"}"#, "invalidIds must be"),
            (
                r#"{"hooks":{"onReqest":{"$":"function"}}}"#,
                "unknown hook `onReqest`; did you mean `onRequest`?",
            ),
            (r#"{"hooks":{"onRetry":5}}"#, "hooks.onRetry must be a function"),
            (r#"{"rateLimit":{"requestsPerSecond":5}}"#, "rateLimit is an option of createClient"),
        ] {
            let e = read(json).unwrap_err();
            assert!(e.message.starts_with(expected), "{json}: {}", e.message);
        }
    }

    #[test]
    fn the_interval_message_names_the_smallest_interval() {
        let e = read(&format!(r#"{{"intervalMs":{}}}"#, MIN_INTERVAL_MS - 1)).unwrap_err();
        let expected = format!("intervalMs must be at least {MIN_INTERVAL_MS}, got {}", MIN_INTERVAL_MS - 1);
        assert_eq!(e.message, expected);
        assert!(read(&format!(r#"{{"intervalMs":{MIN_INTERVAL_MS}}}"#)).is_ok());
    }

    #[test]
    fn scheduler_settings_default_and_are_checked() {
        assert_eq!(parse_scheduler_config("{}").unwrap(), SchedulerConfig::default());
        let c = parse_scheduler_config(
            r#"{"rateLimit":{"requestsPerSecond":12.5},"maxConcurrentRequests":4,"retryBudget":false}"#,
        )
        .unwrap();
        assert_eq!((c.requests_per_second, c.burst, c.max_concurrent, c.retry_budget), (12.5, 13, 4, false));
        for bad in [
            r#"{"rateLimit":{"requestsPerSecond":0}}"#,
            r#"{"rateLimit":5}"#,
            r#"{"rateLimit":{"requestsPerSecond":5,"burst":0}}"#,
            r#"{"rateLimit":{"rps":5}}"#,
            r#"{"maxConcurrentRequests":0}"#,
            r#"{"retryBudget":"yes"}"#,
        ] {
            assert!(parse_scheduler_config(bad).is_err(), "{bad}");
        }
    }
}
