//! Normalization of one webhook event into a one-event OCEL 2.0 document.

use super::attributes::{event_attributes, integer_field};
use super::event_id::write_event_id;
use super::fields::{
    envelope, merged_object_ids, optional_object_id, optional_object_type_id, portal_id, Envelope,
    EventError, Fields,
};
use super::graph::{Graph, ObjectKey};
use super::mapping::{
    association_object_types, is_plain_identifier, is_property_attribute_name, object_type_for_id,
    Action, KnownField, GENERIC_PREFIX, LEGACY_OBJECT_TYPES, MESSAGE_OBJECT_TYPE,
    PORTAL_OBJECT_TYPE, PORTAL_QUALIFIER, UNKNOWN_OBJECT_TYPE,
};
use super::ocel::{write_document, Attribute, Document, Value};
use super::parse::Json;
use super::time::write_epoch_ms;
use std::borrow::Cow;
use std::ops::Range;

/// One normalized event: byte ranges of the batch output text that hold the OCEL document and the
/// values its Kafka headers carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedEvent {
    pub portal_id: Range<usize>,
    pub event_id: Range<usize>,
    pub subscription_type: Range<usize>,
    pub occurred_at: Range<usize>,
    pub attempt_number: Option<Range<usize>>,
    pub hubspot_event_id: Option<Range<usize>>,
    pub document: Range<usize>,
}

/// An event that cannot be normalized, with the portal id when it was valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedEvent {
    pub error: EventError,
    pub portal_id: Option<String>,
}

/// Working buffers that one batch reuses for all its events.
#[derive(Debug, Default)]
pub struct Buffers<'j> {
    graph: Graph<'j>,
    attributes: Vec<Attribute<'j>>,
    /// Canonical JSON text of `Value::Scratch` attribute values.
    scratch: String,
    /// The canonical JSON that the event id hashes.
    hashed: String,
    event_id: String,
    time: String,
}

/// Event type and subject object type derived from a subscription type.
struct Subject<'j> {
    action: Action,
    event_type: Cow<'j, str>,
    object_type: Cow<'j, str>,
}

/// Resolves the event type and the subject object type from `subscriptionType` (and `objectTypeId`).
///
/// `object.<action>` types the subject by `objectTypeId` (required) and names the event
/// `<object type>.<action>`; legacy `<object>.<action>` types keep the subscription type as event type.
/// Other subscription types keep it too and type the subject by `objectTypeId` when present, else by
/// the prefix before the first dot when it is a plain identifier, else as `unknown`.
fn resolve_subject<'j>(
    fields: &Fields<'j, '_>,
    subscription_type: &'j str,
) -> Result<Subject<'j>, EventError> {
    let split = subscription_type.split_once('.');
    let action_text = split.map_or("", |(_, action)| action);
    let action = match split {
        Some(_) => Action::parse(action_text),
        None => Action::Other,
    };

    if let Some((GENERIC_PREFIX, _)) = split {
        let Some(object_type_id) = optional_object_type_id(fields, KnownField::ObjectTypeId)?
        else {
            return Err(EventError::new(
                "missing_object_type_id",
                "objectTypeId is missing; generic object.* events need it to type their objects"
                    .to_string(),
            ));
        };
        let object_type = object_type_for_id(object_type_id);
        return Ok(Subject {
            action,
            event_type: Cow::Owned(format!("{object_type}.{action_text}")),
            object_type,
        });
    }

    let object_type = match split {
        Some((prefix, _)) if LEGACY_OBJECT_TYPES.contains(&prefix) => Cow::Borrowed(prefix),
        _ => match optional_object_type_id(fields, KnownField::ObjectTypeId)? {
            Some(object_type_id) => object_type_for_id(object_type_id),
            None => match split {
                Some((prefix, _)) if is_plain_identifier(prefix) => Cow::Borrowed(prefix),
                _ => Cow::Borrowed(UNKNOWN_OBJECT_TYPE),
            },
        },
    };
    Ok(Subject {
        action,
        event_type: Cow::Borrowed(subscription_type),
        object_type,
    })
}

/// Resolves the object types on both sides of an association change. The `from` side is `None` when
/// it has the subject's type.
fn association_types<'j>(
    fields: &Fields<'j, '_>,
) -> Result<(Option<Cow<'j, str>>, Cow<'j, str>), EventError> {
    let from_type_id = optional_object_type_id(fields, KnownField::FromObjectTypeId)?;
    let to_type_id = optional_object_type_id(fields, KnownField::ToObjectTypeId)?;
    let legacy = match (from_type_id, to_type_id) {
        // Both sides are typed by id, so the association type is not needed.
        (Some(_), Some(_)) => None,
        _ => fields
            .get_str(KnownField::AssociationType)
            .and_then(association_object_types),
    };
    let (legacy_from, legacy_to) = match legacy {
        Some((from, to)) => (Some(from), Some(to)),
        None => (None, None),
    };
    let from_type = match (from_type_id, legacy_from) {
        (Some(id), _) => Some(object_type_for_id(id)),
        (None, Some(from)) => Some(Cow::Owned(from)),
        (None, None) => None,
    };
    let to_type = match (to_type_id, legacy_to) {
        (Some(id), _) => object_type_for_id(id),
        (None, Some(to)) => Cow::Owned(to),
        (None, None) => Cow::Borrowed(UNKNOWN_OBJECT_TYPE),
    };
    Ok((from_type, to_type))
}

fn relate_merge<'j>(
    graph: &mut Graph<'j>,
    fields: &Fields<'j, '_>,
    object_type: usize,
    subject: Option<ObjectKey<'j>>,
) -> Result<(), EventError> {
    let key = |id| Graph::key(object_type, id);
    let primary = optional_object_id(fields, KnownField::PrimaryObjectId)?.map(key);
    let merged: Vec<ObjectKey<'j>> = merged_object_ids(fields)?.into_iter().map(key).collect();
    let new = optional_object_id(fields, KnownField::NewObjectId)?.map(key);

    if let Some(subject_key) = subject {
        let named_elsewhere = primary == Some(subject_key)
            || new == Some(subject_key)
            || merged.contains(&subject_key);
        if !named_elsewhere {
            graph.relate(subject_key, "object");
        }
    }
    if let Some(primary_key) = primary {
        graph.relate(primary_key, "primary");
    }
    for merged_key in &merged {
        graph.relate(*merged_key, "merged");
    }
    if let Some(new_key) = new {
        graph.relate(new_key, "new");
    }
    if let Some(primary_key) = primary {
        for merged_key in merged.iter().filter(|key| **key != primary_key) {
            graph.link(*merged_key, primary_key, "merged_into");
        }
    }
    Ok(())
}

fn relate_association<'j>(
    graph: &mut Graph<'j>,
    fields: &Fields<'j, '_>,
    subject_type: usize,
    subject: Option<ObjectKey<'j>>,
) -> Result<(), EventError> {
    let (from_type, to_type) = association_types(fields)?;
    let from_type = match from_type {
        Some(name) => graph.type_index(name),
        None => subject_type,
    };
    let to_type = graph.type_index(to_type);
    let from =
        optional_object_id(fields, KnownField::FromObjectId)?.map(|id| Graph::key(from_type, id));
    let to = optional_object_id(fields, KnownField::ToObjectId)?.map(|id| Graph::key(to_type, id));

    if let Some(subject_key) = subject {
        if from != Some(subject_key) && to != Some(subject_key) {
            graph.relate(subject_key, "object");
        }
    }
    if let Some(from_key) = from {
        graph.relate(from_key, "from");
    }
    if let Some(to_key) = to {
        graph.relate(to_key, "to");
    }
    // Object-to-object relationships carry no time in OCEL 2.0, so only an added association becomes
    // one; a removal is visible through the event alone.
    if let (Some(from_key), Some(to_key), Some(Json::Bool(false))) =
        (from, to, fields.get(KnownField::AssociationRemoved))
    {
        let qualifier = match fields.get_str(KnownField::AssociationType) {
            Some(name) if !name.is_empty() => name,
            _ => "associated",
        };
        graph.link(from_key, to_key, qualifier);
    }
    Ok(())
}

fn relate_new_message<'j>(
    graph: &mut Graph<'j>,
    fields: &Fields<'j, '_>,
    subject: Option<ObjectKey<'j>>,
) -> Result<(), EventError> {
    if let Some(subject_key) = subject {
        graph.relate(subject_key, Action::NewMessage.subject_qualifier());
    }
    if let Some(message) = optional_object_id(fields, KnownField::MessageId)? {
        let message_type = graph.type_index(Cow::Borrowed(MESSAGE_OBJECT_TYPE));
        let message_key = Graph::key(message_type, message);
        graph.relate(message_key, "message");
        if let Some(subject_key) = subject {
            graph.link(message_key, subject_key, "thread");
        }
    }
    Ok(())
}

/// Records a property change as a time-stamped attribute of the changed object.
fn add_property_value<'j>(
    graph: &mut Graph<'j>,
    fields: &Fields<'j, '_>,
    subject: Option<ObjectKey<'j>>,
) {
    let (Some(subject_key), Some(name), Some(value)) = (
        subject,
        fields.get_str(KnownField::PropertyName),
        fields.get_str(KnownField::PropertyValue),
    ) else {
        return;
    };
    if is_property_attribute_name(name) {
        graph.add_attribute(
            subject_key,
            Attribute {
                name,
                ocel_type: "string",
                value: Value::Text(value),
            },
        );
    }
}

/// Builds the objects and relationships of an event whose envelope is valid, and returns its event
/// type.
fn build_graph<'j>(
    graph: &mut Graph<'j>,
    fields: &Fields<'j, '_>,
    envelope: &Envelope<'j>,
) -> Result<Cow<'j, str>, EventError> {
    let subject = resolve_subject(fields, envelope.subscription_type)?;
    let subject_type = graph.type_index(subject.object_type);
    let subject_key =
        optional_object_id(fields, KnownField::ObjectId)?.map(|id| Graph::key(subject_type, id));

    let portal_type = graph.type_index(Cow::Borrowed(PORTAL_OBJECT_TYPE));
    graph.relate(
        ObjectKey {
            type_index: portal_type,
            id: None,
        },
        PORTAL_QUALIFIER,
    );
    match subject.action {
        Action::Merge => relate_merge(graph, fields, subject_type, subject_key)?,
        Action::AssociationChange => relate_association(graph, fields, subject_type, subject_key)?,
        Action::NewMessage => relate_new_message(graph, fields, subject_key)?,
        other => {
            if let Some(key) = subject_key {
                graph.relate(key, other.subject_qualifier());
            }
        }
    }
    if subject.action == Action::PropertyChange {
        add_property_value(graph, fields, subject_key);
    }
    Ok(subject.event_type)
}

/// Appends `text` to `out` and returns its range.
fn push_range(out: &mut String, text: &str) -> Range<usize> {
    let start = out.len();
    out.push_str(text);
    start..out.len()
}

/// Writes the document and the header values of an event whose graph is built.
fn write_event<'j>(
    out: &mut String,
    buffers: &mut Buffers<'j>,
    fields: &Fields<'j, '_>,
    envelope: &Envelope<'j>,
    event_type: &str,
) -> NormalizedEvent {
    let portal = envelope.portal_id;
    buffers.event_id.clear();
    write_event_id(&mut buffers.event_id, portal, fields, &mut buffers.hashed);
    buffers.time.clear();
    // `envelope` only accepts values that format, so the time is never empty.
    write_epoch_ms(&mut buffers.time, envelope.occurred_at_ms);
    buffers.scratch.clear();
    buffers.attributes.clear();
    event_attributes(fields, &mut buffers.attributes, &mut buffers.scratch);

    let portal_id = push_range(out, portal);
    let event_id = push_range(out, &buffers.event_id);
    let subscription_type = push_range(out, envelope.subscription_type);
    let occurred_at = push_range(out, envelope.occurred_at);
    let attempt_number =
        integer_field(fields, KnownField::AttemptNumber).map(|digits| push_range(out, digits));
    let hubspot_event_id =
        integer_field(fields, KnownField::EventId).map(|digits| push_range(out, digits));
    let document_start = out.len();
    write_document(
        out,
        &Document {
            portal_id: portal,
            event_id: &buffers.event_id,
            event_type,
            time: &buffers.time,
            attributes: &buffers.attributes,
            graph: &buffers.graph,
        },
        &buffers.scratch,
    );
    NormalizedEvent {
        portal_id,
        event_id,
        subscription_type,
        occurred_at,
        attempt_number,
        hubspot_event_id,
        document: document_start..out.len(),
    }
}

/// Normalizes one element of the batch array, appending its document and header values to `out`.
pub fn normalize_event<'j>(
    value: &'j Json<'_>,
    out: &mut String,
    buffers: &mut Buffers<'j>,
) -> Result<NormalizedEvent, RejectedEvent> {
    let fields = Fields::of_event(value).map_err(|error| RejectedEvent {
        error,
        portal_id: None,
    })?;
    let portal = portal_id(&fields).map_err(|error| RejectedEvent {
        error,
        portal_id: None,
    })?;
    let rejected = |error| RejectedEvent {
        error,
        portal_id: Some(portal.to_string()),
    };
    let envelope = envelope(&fields, portal).map_err(rejected)?;
    buffers.graph.clear();
    let event_type = build_graph(&mut buffers.graph, &fields, &envelope).map_err(rejected)?;
    Ok(write_event(out, buffers, &fields, &envelope, &event_type))
}
