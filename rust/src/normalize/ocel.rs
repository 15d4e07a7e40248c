//! The one-event OCEL 2.0 document: its model and its compact JSON writer.
//!
//! The writer derives the `eventTypes` and `objectTypes` declarations from what the document uses:
//! the event's type with its attributes, then each object type in order of first appearance with the
//! attributes its objects carry.

use super::json_text::write_string;
use std::collections::HashMap;

/// A typed attribute whose value is already JSON text (a number's raw text, `true`, or a quoted string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub ocel_type: &'static str,
    pub value_json: String,
}

/// A qualified relationship to an object (event-to-object or object-to-object).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Relationship {
    pub object_id: String,
    pub qualifier: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub id: String,
    pub object_type: String,
    /// Attribute values, all stamped with the event time.
    pub attributes: Vec<Attribute>,
    pub relationships: Vec<Relationship>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub event_type: String,
    pub time: String,
    pub attributes: Vec<Attribute>,
    pub relationships: Vec<Relationship>,
}

/// Writes `{"name":…,"attributes":[{"name":…,"type":…},…]}`.
fn write_type_declaration<'m>(
    out: &mut String,
    name: &str,
    attributes: impl Iterator<Item = &'m Attribute>,
) {
    out.push_str("{\"name\":");
    write_string(out, name);
    out.push_str(",\"attributes\":[");
    for (index, attribute) in attributes.enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        write_string(out, &attribute.name);
        out.push_str(",\"type\":");
        write_string(out, attribute.ocel_type);
        out.push('}');
    }
    out.push_str("]}");
}

fn write_relationships(out: &mut String, relationships: &[Relationship]) {
    out.push_str("\"relationships\":[");
    for (index, relationship) in relationships.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"objectId\":");
        write_string(out, &relationship.object_id);
        out.push_str(",\"qualifier\":");
        write_string(out, &relationship.qualifier);
        out.push('}');
    }
    out.push(']');
}

/// Groups the objects' attributes by object type, keeping first-appearance order for both types and
/// attribute names.
fn object_type_declarations(objects: &[Object]) -> Vec<(&str, Vec<&Attribute>)> {
    let mut declarations: Vec<(&str, Vec<&Attribute>)> = Vec::new();
    let mut positions: HashMap<&str, usize> = HashMap::new();
    for object in objects {
        let position = *positions
            .entry(object.object_type.as_str())
            .or_insert_with(|| {
                declarations.push((object.object_type.as_str(), Vec::new()));
                declarations.len() - 1
            });
        let declared = &mut declarations[position].1;
        for attribute in &object.attributes {
            if !declared.iter().any(|known| known.name == attribute.name) {
                declared.push(attribute);
            }
        }
    }
    declarations
}

/// Returns the compact JSON text of a document holding `event` and `objects`.
pub fn write_document(event: &Event, objects: &[Object]) -> String {
    let mut out = String::with_capacity(1024);

    out.push_str("{\"eventTypes\":[");
    write_type_declaration(&mut out, &event.event_type, event.attributes.iter());

    out.push_str("],\"objectTypes\":[");
    for (index, (name, attributes)) in object_type_declarations(objects).into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_type_declaration(&mut out, name, attributes.into_iter());
    }

    out.push_str("],\"events\":[{\"id\":");
    write_string(&mut out, &event.id);
    out.push_str(",\"type\":");
    write_string(&mut out, &event.event_type);
    out.push_str(",\"time\":");
    write_string(&mut out, &event.time);
    out.push_str(",\"attributes\":[");
    for (index, attribute) in event.attributes.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        write_string(&mut out, &attribute.name);
        out.push_str(",\"value\":");
        out.push_str(&attribute.value_json);
        out.push('}');
    }
    out.push_str("],");
    write_relationships(&mut out, &event.relationships);

    out.push_str("}],\"objects\":[");
    for (index, object) in objects.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        write_string(&mut out, &object.id);
        out.push_str(",\"type\":");
        write_string(&mut out, &object.object_type);
        out.push_str(",\"attributes\":[");
        for (attribute_index, attribute) in object.attributes.iter().enumerate() {
            if attribute_index > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            write_string(&mut out, &attribute.name);
            out.push_str(",\"value\":");
            out.push_str(&attribute.value_json);
            out.push_str(",\"time\":");
            write_string(&mut out, &event.time);
            out.push('}');
        }
        out.push_str("],");
        write_relationships(&mut out, &object.relationships);
        out.push('}');
    }
    out.push_str("]}");
    out
}
