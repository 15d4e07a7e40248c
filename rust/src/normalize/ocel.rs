//! The one-event OCEL 2.0 document: its model and its compact JSON writer.
//!
//! The writer derives the `eventTypes` and `objectTypes` declarations from what the document uses:
//! the event's type with its attributes, then each object type in order of first appearance with the
//! attributes its objects carry. It appends to one buffer and allocates nothing else.

use super::graph::{Graph, ObjectKey};
use super::json_text::{write_escaped, write_plain_string, write_string};
use std::ops::Range;

/// The JSON value of an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'j> {
    /// JSON text written as it is: a number's raw text, `true` or `false`.
    Raw(&'j str),
    /// A string, written quoted and escaped.
    Text(&'j str),
    /// A string whose text is the range of the event's scratch buffer (canonical JSON of input values).
    Scratch(Range<usize>),
}

/// A typed attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute<'j> {
    /// An identifier (`[A-Za-z][A-Za-z0-9_]*`): a known field name, `extraFields`, or a property name
    /// that passed `is_property_attribute_name`. The writer copies it without escaping.
    pub name: &'j str,
    pub ocel_type: &'static str,
    pub value: Value<'j>,
}

/// The content of a document, except the scratch buffer that `Value::Scratch` points into.
///
/// The portal id, event id and time contain only ASCII digits, letters, `:`, `-` and `.`, so the
/// writer copies them without escaping.
pub struct Document<'d, 'j> {
    /// Decimal digits of the portal id, the second part of every object id.
    pub portal_id: &'d str,
    /// `hs:<portal id>:event:<32 hex digits>`.
    pub event_id: &'d str,
    pub event_type: &'d str,
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub time: &'d str,
    pub attributes: &'d [Attribute<'j>],
    pub graph: &'d Graph<'j>,
}

fn write_value(out: &mut String, value: &Value<'_>, scratch: &str) {
    match value {
        Value::Raw(text) => out.push_str(text),
        Value::Text(text) => write_string(out, text),
        Value::Scratch(range) => write_string(out, &scratch[range.clone()]),
    }
}

fn write_attribute_declaration(out: &mut String, attribute: &Attribute<'_>) {
    out.push_str("{\"name\":");
    write_plain_string(out, attribute.name);
    out.push_str(",\"type\":\"");
    // OCEL type names are plain ASCII words that need no escaping.
    out.push_str(attribute.ocel_type);
    out.push_str("\"}");
}

/// Writes `"hs:<portal>:portal"` or `"hs:<portal>:<type>:<id>"`.
fn write_object_id(out: &mut String, document: &Document<'_, '_>, key: ObjectKey<'_>) {
    out.push_str("\"hs:");
    out.push_str(document.portal_id);
    match key.id {
        None => out.push_str(":portal"),
        Some(id) => {
            out.push(':');
            write_escaped(out, &document.graph.types()[key.type_index]);
            out.push(':');
            write_escaped(out, id);
        }
    }
    out.push('"');
}

/// Writes the attribute declarations of one object type: each attribute name once, in order of first
/// appearance among the objects of that type.
fn write_object_type_attributes(out: &mut String, graph: &Graph<'_>, type_index: usize) {
    let objects = graph.objects();
    let mut written = 0;
    for (position, object) in objects.iter().enumerate() {
        if object.key.type_index != type_index {
            continue;
        }
        for (attribute_index, attribute) in object.attributes.iter().enumerate() {
            let same_type_before = objects[..position]
                .iter()
                .filter(|earlier| earlier.key.type_index == type_index)
                .flat_map(|earlier| earlier.attributes.iter());
            let declared = same_type_before
                .chain(&object.attributes[..attribute_index])
                .any(|earlier| earlier.name == attribute.name);
            if declared {
                continue;
            }
            if written > 0 {
                out.push(',');
            }
            write_attribute_declaration(out, attribute);
            written += 1;
        }
    }
}

fn write_event(out: &mut String, document: &Document<'_, '_>, scratch: &str) {
    out.push_str("{\"id\":");
    write_plain_string(out, document.event_id);
    out.push_str(",\"type\":");
    write_string(out, document.event_type);
    out.push_str(",\"time\":");
    write_plain_string(out, document.time);
    out.push_str(",\"attributes\":[");
    for (index, attribute) in document.attributes.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        write_plain_string(out, attribute.name);
        out.push_str(",\"value\":");
        write_value(out, &attribute.value, scratch);
        out.push('}');
    }
    out.push_str("],\"relationships\":[");
    for (index, object) in document.graph.objects().iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"objectId\":");
        write_object_id(out, document, object.key);
        out.push_str(",\"qualifier\":");
        write_string(out, object.qualifier);
        out.push('}');
    }
    out.push_str("]}");
}

fn write_objects(out: &mut String, document: &Document<'_, '_>, scratch: &str) {
    let objects = document.graph.objects();
    for (index, object) in objects.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        write_object_id(out, document, object.key);
        out.push_str(",\"type\":");
        write_string(out, &document.graph.types()[object.key.type_index]);
        out.push_str(",\"attributes\":[");
        for (attribute_index, attribute) in object.attributes.iter().enumerate() {
            if attribute_index > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            write_plain_string(out, attribute.name);
            out.push_str(",\"value\":");
            write_value(out, &attribute.value, scratch);
            out.push_str(",\"time\":");
            write_plain_string(out, document.time);
            out.push('}');
        }
        out.push_str("],\"relationships\":[");
        for (link_index, (target, qualifier)) in object.links.iter().enumerate() {
            if link_index > 0 {
                out.push(',');
            }
            out.push_str("{\"objectId\":");
            write_object_id(out, document, objects[*target].key);
            out.push_str(",\"qualifier\":");
            write_string(out, qualifier);
            out.push('}');
        }
        out.push_str("]}");
    }
}

/// Appends the compact JSON text of `document` to `out`. `scratch` contains the text of
/// `Value::Scratch` attribute values.
pub fn write_document(out: &mut String, document: &Document<'_, '_>, scratch: &str) {
    let graph = document.graph;

    out.push_str("{\"eventTypes\":[{\"name\":");
    write_string(out, document.event_type);
    out.push_str(",\"attributes\":[");
    for (index, attribute) in document.attributes.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_attribute_declaration(out, attribute);
    }

    out.push_str("]}],\"objectTypes\":[");
    for (index, &type_index) in graph.used_types().iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"name\":");
        write_string(out, &graph.types()[type_index]);
        out.push_str(",\"attributes\":[");
        write_object_type_attributes(out, graph, type_index);
        out.push_str("]}");
    }

    out.push_str("],\"events\":[");
    write_event(out, document, scratch);
    out.push_str("],\"objects\":[");
    write_objects(out, document, scratch);
    out.push_str("]}");
}
