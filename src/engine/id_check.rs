//! `checkInstanceIds` and `invalidIds: "report"`: the `instanceIds` argument
//! split into the valid IDs and the invalid entries with the reason, by the
//! same rules `batchStatus` applies.

use crate::engine::error::Error;
use crate::engine::input::{id_field, parse_instance_ids, LONE_SURROGATE, MAX_IDS_PER_CALL};
use crate::engine::json::{self, Json};
use crate::engine::validate::validate_id;
use crate::prelude::*;

/// The `$` tag of an ID string with a lone surrogate, as the JS entry describes it.
const ILL_FORMED: &str = "ill-formed string";

/// An entry that is not a valid ID: the value given and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Invalid {
    pub value: Json<'static>,
    pub reason: String,
}

/// The valid IDs (input order) and the invalid entries.
pub type CheckedIds = (Vec<String>, Vec<Invalid>);

/// Read `instanceIds`: with `report`, invalid entries are set aside instead of
/// failing the call; `allow_empty` accepts an empty list (always accepted
/// with `report`). A value that is not an array, or a longer one than
/// [`MAX_IDS_PER_CALL`], still fails.
pub fn read_ids(text: &str, report: bool, allow_empty: bool) -> Result<CheckedIds, Error> {
    if !report {
        // `batchStatus` (no empty list) does not read the text twice.
        if allow_empty && matches!(json::parse(text), Ok(Json::Array(items)) if items.is_empty()) {
            return Ok((Vec::new(), Vec::new()));
        }
        return parse_instance_ids(text).map(|ids| (ids, Vec::new()));
    }
    let Ok(doc) = json::parse(text) else { return Err(refusal(text)) };
    let Some(items) = doc.as_array() else { return Err(refusal(text)) };
    if items.len() > MAX_IDS_PER_CALL {
        return Err(refusal(text));
    }
    let mut valid = Vec::with_capacity(items.len());
    let mut invalid = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(id) = item.as_str().filter(|id| validate_id("", id).is_ok()) {
            valid.push(id.to_owned());
            continue;
        }
        // Only an invalid entry pays for naming it.
        let field = id_field(i);
        let reason = match item {
            Json::String(id) => {
                validate_id(&field, id).map_or_else(|e| e.message.clone(), |()| String::new())
            }
            // A string with a lone surrogate cannot cross as UTF-8: the JS entry sends this
            // stand-in and puts the caller's string back (`checkedIds` in args.js).
            Json::Object(_) if item.get("$").and_then(Json::as_str) == Some(ILL_FORMED) => {
                invalid.push(Invalid { value: Json::Null, reason: field + LONE_SURROGATE });
                continue;
            }
            _ => field + " must be a string",
        };
        invalid.push(Invalid { value: scalar(item), reason });
    }
    Ok((valid, invalid))
}

/// The value of an invalid entry as it is reported: strings, numbers and
/// booleans as given, anything else as `null`.
fn scalar(item: &Json) -> Json<'static> {
    match item {
        Json::String(s) => Json::String((**s).to_owned().into()),
        Json::Number(n) => Json::Number(*n),
        Json::Bool(b) => Json::Bool(*b),
        _ => Json::Null,
    }
}

/// Why `text` is refused as a whole (not an array, or too long), worded by
/// the strict reader.
fn refusal(text: &str) -> Error {
    parse_instance_ids(text).err().unwrap_or_else(not_array)
}

fn not_array() -> Error {
    Error::invalid("instanceIds must be an array of instance ID strings")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_entries_are_set_aside_with_their_reason() {
        let (valid, invalid) = read_ids(r#"["a",5,"","b c","b"]"#, true, false).unwrap();
        assert_eq!(valid, ["a", "b"]);
        assert_eq!(invalid.len(), 3);
        assert_eq!(
            invalid[0],
            Invalid { value: Json::Number(5.0), reason: "instanceIds[1] must be a string".into() }
        );
        assert!(invalid[1].reason.starts_with("instanceIds[2] is empty"));
        assert!(invalid[2].reason.starts_with("instanceIds[3] contains whitespace"));
    }

    #[test]
    fn an_id_with_a_lone_surrogate_is_set_aside_from_its_stand_in() {
        let (valid, invalid) =
            read_ids(r#"["a",{"$":"ill-formed string"},{"$":"symbol"}]"#, true, false).unwrap();
        assert_eq!(valid, ["a"]);
        assert_eq!(invalid.len(), 2);
        assert_eq!(
            invalid[0],
            Invalid {
                value: Json::Null,
                reason: "instanceIds[1] contains a lone UTF-16 surrogate (half of a character); IDs must be well-formed text"
                    .into()
            }
        );
        assert_eq!(invalid[1].reason, "instanceIds[2] must be a string");
    }

    #[test]
    fn empty_lists_and_refusals() {
        assert_eq!(read_ids("[]", true, false).unwrap(), (vec![], vec![]));
        assert_eq!(read_ids("[]", false, true).unwrap(), (vec![], vec![]));
        assert!(read_ids("[]", false, false).unwrap_err().message.starts_with("instanceIds is empty"));
        assert!(read_ids(r#"["a",5]"#, false, true).is_err());
        assert!(read_ids(r#"{"$":"object"}"#, true, false).is_err());
        assert!(read_ids(r#"{"$":"array","length":100001}"#, true, false)
            .unwrap_err()
            .message
            .contains("100001"));
    }
}
