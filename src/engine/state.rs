//! The status tables of both endpoints, as names callers can switch on.
//!
//! Newer API versions add values beyond the seed tables; an unknown number is
//! never an error: the number is kept and the name is `"unrecognized"`.

/// Name given to any status number the tables do not list.
pub const UNRECOGNIZED: &str = "unrecognized";

/// The state name of a `batch-query-status` status number.
///
/// 0 unknown, 1 stopped, 2 running, 3 offline, 4 starting, 5 shutdown.
pub fn instance_state(status: i64) -> &'static str {
    match status {
        0 => "unknown",
        1 => "stopped",
        2 => "running",
        3 => "offline",
        4 => "starting",
        5 => "shutdown",
        _ => UNRECOGNIZED,
    }
}

/// The preparation state reported by `prepare-progress`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrepareState {
    /// 0: ready to use.
    Normal,
    /// 1: waiting in line; `waitingCount` says how long.
    Queuing,
    /// 2: restoring, offline meanwhile.
    Restoring,
    /// -1: preparation failed.
    Failed,
    /// 3: backing up.
    BackingUp,
    /// 4 (newer API versions): resetting.
    Resetting,
    /// 5 (newer API versions): restarting.
    Restarting,
    /// 6 (newer API versions): offline.
    Offline,
    /// Any other number.
    Unrecognized,
}

impl PrepareState {
    /// Classify a `prepare-progress` status number.
    pub fn from_status(status: i64) -> Self {
        match status {
            0 => PrepareState::Normal,
            1 => PrepareState::Queuing,
            2 => PrepareState::Restoring,
            -1 => PrepareState::Failed,
            3 => PrepareState::BackingUp,
            4 => PrepareState::Resetting,
            5 => PrepareState::Restarting,
            6 => PrepareState::Offline,
            _ => PrepareState::Unrecognized,
        }
    }

    /// The public (JavaScript) name of the state.
    pub fn name(self) -> &'static str {
        match self {
            PrepareState::Normal => "normal",
            PrepareState::Queuing => "queuing",
            PrepareState::Restoring => "restoring",
            PrepareState::Failed => "failed",
            PrepareState::BackingUp => "backingUp",
            PrepareState::Resetting => "resetting",
            PrepareState::Restarting => "restarting",
            PrepareState::Offline => "offline",
            PrepareState::Unrecognized => UNRECOGNIZED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_statuses_follow_the_seed_table() {
        let names: Vec<_> = (0..=5).map(instance_state).collect();
        assert_eq!(names, ["unknown", "stopped", "running", "offline", "starting", "shutdown"]);
    }

    #[test]
    fn unknown_numbers_are_kept_as_unrecognized() {
        for n in [-1, 6, 42, i64::MAX, i64::MIN] {
            assert_eq!(instance_state(n), UNRECOGNIZED);
        }
        assert_eq!(PrepareState::from_status(7).name(), UNRECOGNIZED);
        assert_eq!(PrepareState::from_status(-2).name(), UNRECOGNIZED);
    }

    #[test]
    fn prepare_statuses_follow_the_seed_table_and_newer_values() {
        let table = [
            (0, "normal"),
            (1, "queuing"),
            (2, "restoring"),
            (-1, "failed"),
            (3, "backingUp"),
            (4, "resetting"),
            (5, "restarting"),
            (6, "offline"),
        ];
        for (status, name) in table {
            assert_eq!(PrepareState::from_status(status).name(), name);
        }
    }
}
