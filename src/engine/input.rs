//! The call arguments, read from the JSON the JS entry makes of them (it copies
//! the caller's values behind a guard first; see `pkg-template/src/args.js`).
//! Values JSON cannot carry arrive as `{"$": "<type>"}`.

use crate::engine::error::Error;
use crate::engine::json::{self, Json};
use crate::engine::output::write_int;
use crate::engine::prepare::Target;
use crate::engine::validate::{is_plain_id, validate_id};
use crate::prelude::*;

/// Most IDs one `batchStatus` call accepts (about 3 000 requests of 32).
pub const MAX_IDS_PER_CALL: usize = 100_000;

/// The `instanceIds` argument: a non-empty array of valid ID strings.
pub fn parse_instance_ids(text: &str) -> Result<Vec<String>, Error> {
    let not_array = || Error::invalid("instanceIds must be an array of instance ID strings");
    let doc = match json::parse(text) {
        Ok(doc) => doc,
        Err(e) if e.reason == "unpaired surrogate" => {
            return Err(Error::invalid(id_field(element_at(text, e.offset)) + LONE_SURROGATE))
        }
        Err(_) => return Err(not_array()),
    };
    if let Some(length) = doc.get("length").and_then(Json::as_i64) {
        // The JS entry describes a huge array by its length instead of copying it.
        return Err(too_many_ids(length));
    }
    let Some(items) = doc.as_array() else { return Err(not_array()) };
    if items.is_empty() {
        return Err(Error::invalid("instanceIds is empty; pass at least one instance ID"));
    }
    if items.len() > MAX_IDS_PER_CALL {
        return Err(too_many_ids(items.len() as i64));
    }
    // A loop, not `collect` into a `Result`: smaller in the wasm.
    let mut ids = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id = match item.as_str() {
            Some(id) if is_plain_id(id) => id,
            // Only an entry that is not plainly valid pays for naming it.
            _ => {
                let field = id_field(i);
                let Some(id) = item.as_str() else {
                    return Err(Error::invalid(field + " must be a string"));
                };
                validate_id(&field, id)?;
                id
            }
        };
        ids.push(id.to_owned());
    }
    Ok(ids)
}

fn too_many_ids(count: i64) -> Error {
    let mut message = String::from("instanceIds has ");
    write_int(&mut message, count);
    // MAX_IDS_PER_CALL, written out (a test below ties the two).
    message.push_str(" entries; at most 100000 per call");
    Error::invalid(message)
}

/// Why an ID with a lone surrogate is refused, after the field's name.
pub(crate) const LONE_SURROGATE: &str =
    " contains a lone UTF-16 surrogate (half of a character); IDs must be well-formed text";

/// `instanceIds[i]`, naming an entry in messages.
pub(crate) fn id_field(i: usize) -> String {
    let mut field = String::from("instanceIds[");
    write_int(&mut field, i as i64);
    field.push(']');
    field
}

/// The `{ userId, instanceId }` argument of the prepare-progress calls.
pub fn parse_target(text: &str) -> Result<Target, Error> {
    match json::parse(text) {
        Ok(doc) => target_from_json(&doc),
        Err(e) if e.reason == "unpaired surrogate" => Err(Error::invalid(
            "userId or instanceId contains a lone UTF-16 surrogate (half of a character); IDs must be well-formed text",
        )),
        Err(_) => target_from_json(&Json::Null),
    }
}

/// A `{ userId, instanceId }` object, checked.
pub fn target_from_json(doc: &Json) -> Result<Target, Error> {
    if !matches!(doc, Json::Object(_)) {
        return Err(Error::invalid("the first argument must be an object { userId, instanceId }"));
    }
    let field = |name: &str| {
        let Some(id) = doc.get(name).and_then(Json::as_str) else {
            return Err(Error::invalid(name.to_owned() + " must be a string"));
        };
        validate_id(name, id)?;
        Ok::<_, Error>(id.to_owned())
    };
    Ok(Target { user_id: field("userId")?, instance_id: field("instanceId")? })
}

/// The index of the top-level array element at byte `offset` of `text`.
fn element_at(text: &str, offset: usize) -> usize {
    let (mut index, mut depth, mut in_string, mut escaped) = (0, 0, false, false);
    for &b in text.as_bytes().iter().take(offset) {
        match (in_string, b) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (true, b'"') => in_string = false,
            (true, _) => {}
            (false, b'"') => in_string = true,
            (false, b'[' | b'{') => depth += 1,
            (false, b']' | b'}') => depth -= 1,
            (false, b',') if depth == 1 => index += 1,
            _ => {}
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_in_order() {
        assert_eq!(parse_instance_ids(r#"["a","b","a"]"#).unwrap(), ["a", "b", "a"]);
    }

    #[test]
    fn bad_ids_are_named_by_index() {
        for (json, expected) in [
            (r#"["a",5]"#, "instanceIds[1] must be a string"),
            (r#"["a",{"$":"undefined"}]"#, "instanceIds[1] must be a string"),
            (r#"["ok","x\"y",",","\ud800"]"#, "instanceIds[3] contains a lone UTF-16 surrogate"),
            (r#"[]"#, "instanceIds is empty"),
            (r#"{"$":"object"}"#, "instanceIds must be an array"),
        ] {
            let e = parse_instance_ids(json).unwrap_err();
            assert!(e.message.starts_with(expected), "{json}: {}", e.message);
        }
    }

    #[test]
    fn ids_are_measured_in_utf16_code_units() {
        let sixteen = "\u{1F600}".repeat(16);
        assert!(parse_instance_ids(&format!("[\"{sixteen}\"]")).is_ok());
        let seventeen = "\u{1F600}".repeat(17);
        let e = parse_instance_ids(&format!("[\"{seventeen}\"]")).unwrap_err();
        assert!(e.message.contains("34 UTF-16 code units"), "{}", e.message);
    }

    #[test]
    fn too_many_ids_are_refused_with_the_limit() {
        let e = parse_instance_ids(r#"{"length":100001}"#).unwrap_err();
        assert_eq!(e.message, "instanceIds has 100001 entries; at most 100000 per call");
        assert_eq!(MAX_IDS_PER_CALL, 100_000, "the message above states the limit");
    }

    #[test]
    fn targets_need_both_ids() {
        let t = parse_target(r#"{"userId":"u1","instanceId":"i1"}"#).unwrap();
        assert_eq!((t.user_id.as_str(), t.instance_id.as_str()), ("u1", "i1"));
        assert_eq!(parse_target(r#"{"userId":"u1"}"#).unwrap_err().message, "instanceId must be a string");
        assert!(parse_target(r#"{"userId":"\udc00","instanceId":"i"}"#)
            .unwrap_err()
            .message
            .contains("surrogate"));
        assert!(parse_target("null").is_err());
    }
}
