//! Normalization of one webhook event into a one-event OCEL 2.0 document.

use super::attributes::{event_attributes, integer_field};
use super::event_id::event_id;
use super::fields::{
    envelope, merged_object_ids, optional_object_id, optional_object_type_id, portal_id, Envelope,
    EventError, Fields,
};
use super::graph::Graph;
use super::json_text::quoted;
use super::mapping::{
    association_object_types, is_plain_identifier, is_property_attribute_name, object_type_for_id,
    Action, GENERIC_PREFIX, LEGACY_OBJECT_TYPES, MESSAGE_OBJECT_TYPE, PORTAL_OBJECT_TYPE,
    PORTAL_QUALIFIER, UNKNOWN_OBJECT_TYPE,
};
use super::ocel::{write_document, Attribute, Event};
use super::parse::Json;
use super::time::format_epoch_ms;

/// One normalized event: the OCEL document and the values its Kafka headers carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedEvent {
    pub portal_id: String,
    pub event_id: String,
    pub subscription_type: String,
    pub occurred_at: String,
    pub attempt_number: Option<String>,
    pub hubspot_event_id: Option<String>,
    pub document: String,
}

/// An event that cannot be normalized, with the portal id when it was valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedEvent {
    pub error: EventError,
    pub portal_id: Option<String>,
}

/// Event type and subject object type derived from a subscription type.
struct Subject {
    action: Action,
    event_type: String,
    object_type: String,
}

/// Resolves the event type and the subject object type from `subscriptionType` (and `objectTypeId`).
///
/// `object.<action>` types the subject by `objectTypeId` (required) and names the event
/// `<object type>.<action>`; legacy `<object>.<action>` types keep the subscription type as event type.
/// Other subscription types keep it too and type the subject by `objectTypeId` when present, else by
/// the prefix before the first dot when it is a plain identifier, else as `unknown`.
fn resolve_subject(
    fields: &Fields<'_, '_>,
    subscription_type: &str,
) -> Result<Subject, EventError> {
    let split = subscription_type.split_once('.');
    let action_text = split.map_or("", |(_, action)| action);
    let action = match split {
        Some(_) => Action::parse(action_text),
        None => Action::Other,
    };

    if let Some((GENERIC_PREFIX, _)) = split {
        let Some(object_type_id) = optional_object_type_id(fields, "objectTypeId")? else {
            return Err(EventError::new(
                "missing_object_type_id",
                "objectTypeId is missing; generic object.* events need it to type their objects"
                    .to_string(),
            ));
        };
        let object_type = object_type_for_id(object_type_id);
        return Ok(Subject {
            action,
            event_type: format!("{object_type}.{action_text}"),
            object_type,
        });
    }

    let object_type = match split {
        Some((prefix, _)) if LEGACY_OBJECT_TYPES.contains(&prefix) => prefix.to_string(),
        _ => match optional_object_type_id(fields, "objectTypeId")? {
            Some(object_type_id) => object_type_for_id(object_type_id),
            None => match split {
                Some((prefix, _)) if is_plain_identifier(prefix) => prefix.to_string(),
                _ => UNKNOWN_OBJECT_TYPE.to_string(),
            },
        },
    };
    Ok(Subject {
        action,
        event_type: subscription_type.to_string(),
        object_type,
    })
}

fn object_id(portal_id: &str, object_type: &str, id: &str) -> String {
    format!("hs:{portal_id}:{object_type}:{id}")
}

/// Resolves the object types on both sides of an association change.
fn association_types(
    fields: &Fields<'_, '_>,
    subject_type: &str,
) -> Result<(String, String), EventError> {
    let from_type_id = optional_object_type_id(fields, "fromObjectTypeId")?;
    let to_type_id = optional_object_type_id(fields, "toObjectTypeId")?;
    let legacy = fields
        .get_str("associationType")
        .and_then(association_object_types);
    let from_type = match (from_type_id, &legacy) {
        (Some(id), _) => object_type_for_id(id),
        (None, Some((from, _))) => from.clone(),
        (None, None) => subject_type.to_string(),
    };
    let to_type = match (to_type_id, &legacy) {
        (Some(id), _) => object_type_for_id(id),
        (None, Some((_, to))) => to.clone(),
        (None, None) => UNKNOWN_OBJECT_TYPE.to_string(),
    };
    Ok((from_type, to_type))
}

fn relate_merge(
    graph: &mut Graph,
    fields: &Fields<'_, '_>,
    envelope: &Envelope<'_>,
    object_type: &str,
    subject: Option<&str>,
) -> Result<(), EventError> {
    let portal = envelope.portal_id;
    let primary =
        optional_object_id(fields, "primaryObjectId")?.map(|id| object_id(portal, object_type, id));
    let merged: Vec<String> = merged_object_ids(fields)?
        .into_iter()
        .map(|id| object_id(portal, object_type, id))
        .collect();
    let new =
        optional_object_id(fields, "newObjectId")?.map(|id| object_id(portal, object_type, id));

    if let Some(subject_id) = subject {
        let named_elsewhere = primary.as_deref() == Some(subject_id)
            || new.as_deref() == Some(subject_id)
            || merged.iter().any(|id| id == subject_id);
        if !named_elsewhere {
            graph.relate(subject_id, object_type, "object");
        }
    }
    if let Some(primary_id) = &primary {
        graph.relate(primary_id, object_type, "primary");
    }
    for merged_id in &merged {
        graph.relate(merged_id, object_type, "merged");
    }
    if let Some(new_id) = &new {
        graph.relate(new_id, object_type, "new");
    }
    if let Some(primary_id) = &primary {
        for merged_id in merged.iter().filter(|id| *id != primary_id) {
            graph.link(merged_id, primary_id, "merged_into");
        }
    }
    Ok(())
}

fn relate_association(
    graph: &mut Graph,
    fields: &Fields<'_, '_>,
    envelope: &Envelope<'_>,
    subject_type: &str,
    subject: Option<&str>,
) -> Result<(), EventError> {
    let portal = envelope.portal_id;
    let (from_type, to_type) = association_types(fields, subject_type)?;
    let from =
        optional_object_id(fields, "fromObjectId")?.map(|id| object_id(portal, &from_type, id));
    let to = optional_object_id(fields, "toObjectId")?.map(|id| object_id(portal, &to_type, id));

    if let Some(subject_id) = subject {
        if from.as_deref() != Some(subject_id) && to.as_deref() != Some(subject_id) {
            graph.relate(subject_id, subject_type, "object");
        }
    }
    if let Some(from_id) = &from {
        graph.relate(from_id, &from_type, "from");
    }
    if let Some(to_id) = &to {
        graph.relate(to_id, &to_type, "to");
    }
    // Object-to-object relationships carry no time in OCEL 2.0, so only an added association becomes
    // one; a removal is visible through the event alone.
    if let (Some(from_id), Some(to_id), Some(Json::Bool(false))) =
        (&from, &to, fields.get("associationRemoved"))
    {
        let qualifier = match fields.get_str("associationType") {
            Some(name) if !name.is_empty() => name,
            _ => "associated",
        };
        graph.link(from_id, to_id, qualifier);
    }
    Ok(())
}

fn relate_new_message(
    graph: &mut Graph,
    fields: &Fields<'_, '_>,
    envelope: &Envelope<'_>,
    subject_type: &str,
    subject: Option<&str>,
) -> Result<(), EventError> {
    if let Some(subject_id) = subject {
        graph.relate(
            subject_id,
            subject_type,
            Action::NewMessage.subject_qualifier(),
        );
    }
    if let Some(message) = optional_object_id(fields, "messageId")? {
        let message_id = object_id(envelope.portal_id, MESSAGE_OBJECT_TYPE, message);
        graph.relate(&message_id, MESSAGE_OBJECT_TYPE, "message");
        if let Some(subject_id) = subject {
            graph.link(&message_id, subject_id, "thread");
        }
    }
    Ok(())
}

/// Records a property change as a time-stamped attribute of the changed object.
fn add_property_value(graph: &mut Graph, fields: &Fields<'_, '_>, subject: Option<&str>) {
    let (Some(subject_id), Some(name), Some(value)) = (
        subject,
        fields.get_str("propertyName"),
        fields.get_str("propertyValue"),
    ) else {
        return;
    };
    if is_property_attribute_name(name) {
        graph.add_attribute(
            subject_id,
            Attribute {
                name: name.to_string(),
                ocel_type: "string",
                value_json: quoted(value),
            },
        );
    }
}

/// Builds the document of an event whose envelope is valid.
fn build(fields: &Fields<'_, '_>, envelope: &Envelope<'_>) -> Result<NormalizedEvent, EventError> {
    let portal = envelope.portal_id;
    let subject = resolve_subject(fields, envelope.subscription_type)?;
    let subject_id = optional_object_id(fields, "objectId")?
        .map(|id| object_id(portal, &subject.object_type, id));
    let subject_id = subject_id.as_deref();

    let mut graph = Graph::default();
    graph.relate(
        &format!("hs:{portal}:portal"),
        PORTAL_OBJECT_TYPE,
        PORTAL_QUALIFIER,
    );
    match subject.action {
        Action::Merge => relate_merge(
            &mut graph,
            fields,
            envelope,
            &subject.object_type,
            subject_id,
        )?,
        Action::AssociationChange => relate_association(
            &mut graph,
            fields,
            envelope,
            &subject.object_type,
            subject_id,
        )?,
        Action::NewMessage => relate_new_message(
            &mut graph,
            fields,
            envelope,
            &subject.object_type,
            subject_id,
        )?,
        other => {
            if let Some(id) = subject_id {
                graph.relate(id, &subject.object_type, other.subject_qualifier());
            }
        }
    }
    if subject.action == Action::PropertyChange {
        add_property_value(&mut graph, fields, subject_id);
    }

    let id = event_id(portal, fields);
    let (relationships, objects) = graph.into_parts();
    let event = Event {
        id: id.clone(),
        event_type: subject.event_type,
        // `envelope` only accepts values that format, so the fallback is never used.
        time: format_epoch_ms(envelope.occurred_at_ms).unwrap_or_default(),
        attributes: event_attributes(fields),
        relationships,
    };
    Ok(NormalizedEvent {
        portal_id: portal.to_string(),
        event_id: id,
        subscription_type: envelope.subscription_type.to_string(),
        occurred_at: envelope.occurred_at.to_string(),
        attempt_number: integer_field(fields, "attemptNumber").map(str::to_string),
        hubspot_event_id: integer_field(fields, "eventId").map(str::to_string),
        document: write_document(&event, &objects),
    })
}

/// Normalizes one element of the batch array.
pub fn normalize_event(value: &Json<'_>) -> Result<NormalizedEvent, RejectedEvent> {
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
    build(&fields, &envelope).map_err(rejected)
}
