//! Tables that map HubSpot subscription types, object type ids and payload fields to OCEL names.

use std::borrow::Cow;

/// Object type of the portal (tenant) object that every event relates to.
pub const PORTAL_OBJECT_TYPE: &str = "portal";
/// Qualifier of the relationship from every event to its portal object.
pub const PORTAL_QUALIFIER: &str = "portal";
/// Object type used when HubSpot sends no usable type for an object.
pub const UNKNOWN_OBJECT_TYPE: &str = "unknown";
/// Object type of a conversation message in `conversation.newMessage` events.
pub const MESSAGE_OBJECT_TYPE: &str = "message";
/// Subscription type prefix of HubSpot's generic format (`object.creation` and so on).
pub const GENERIC_PREFIX: &str = "object";
/// Event attribute holding the canonical JSON of input fields that have no typed attribute.
pub const EXTRA_FIELDS_ATTRIBUTE: &str = "extraFields";

/// Object types of the legacy `<object>.<action>` subscription types.
pub const LEGACY_OBJECT_TYPES: [&str; 7] = [
    "contact",
    "company",
    "deal",
    "ticket",
    "product",
    "line_item",
    "conversation",
];

/// Standard HubSpot object type ids and the object type names they map to.
const STANDARD_OBJECT_TYPE_IDS: [(&str, &str); 6] = [
    ("0-1", "contact"),
    ("0-2", "company"),
    ("0-3", "deal"),
    ("0-5", "ticket"),
    ("0-7", "product"),
    ("0-8", "line_item"),
];

/// The part of a subscription type after the first dot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Creation,
    Deletion,
    Restore,
    PropertyChange,
    AssociationChange,
    Merge,
    PrivacyDeletion,
    NewMessage,
    Other,
}

impl Action {
    pub fn parse(action: &str) -> Action {
        match action {
            "creation" => Action::Creation,
            "deletion" => Action::Deletion,
            "restore" => Action::Restore,
            "propertyChange" => Action::PropertyChange,
            "associationChange" => Action::AssociationChange,
            "merge" => Action::Merge,
            "privacyDeletion" => Action::PrivacyDeletion,
            "newMessage" => Action::NewMessage,
            _ => Action::Other,
        }
    }

    /// Qualifier of the relationship from the event to the object named by `objectId`.
    pub fn subject_qualifier(self) -> &'static str {
        match self {
            Action::Creation => "created",
            Action::Deletion => "deleted",
            Action::Restore => "restored",
            Action::PropertyChange => "changed",
            Action::PrivacyDeletion => "privacy_deleted",
            Action::NewMessage => "thread",
            Action::AssociationChange | Action::Merge | Action::Other => "object",
        }
    }
}

/// JSON shape a known payload field must have to become a typed event attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A JSON number without fraction or exponent, written with its exact digits.
    Integer,
    String,
    Boolean,
    /// Any JSON value, stored as its canonical JSON text in a string attribute.
    JsonText,
}

impl FieldKind {
    pub fn ocel_type(self) -> &'static str {
        match self {
            FieldKind::Integer => "integer",
            FieldKind::String | FieldKind::JsonText => "string",
            FieldKind::Boolean => "boolean",
        }
    }
}

/// Declares the known payload fields once: the `KnownField` enum (variants in attribute order), the
/// `KNOWN_FIELDS` table indexed by it, and `known_field`, which looks a name up with a `match`.
macro_rules! known_fields {
    ($($variant:ident = $name:literal: $kind:ident,)*) => {
        /// A known HubSpot payload field; the discriminant is its index in [`KNOWN_FIELDS`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum KnownField {
            $($variant,)*
        }

        /// Known HubSpot payload fields in the order their event attributes are written.
        pub const KNOWN_FIELDS: &[(&str, FieldKind)] = &[$(($name, FieldKind::$kind),)*];

        /// Returns the known field named `name`, or `None` for a field without a typed attribute.
        pub fn known_field(name: &str) -> Option<KnownField> {
            match name {
                $($name => Some(KnownField::$variant),)*
                _ => None,
            }
        }
    };
}

known_fields! {
    EventId = "eventId": Integer,
    SubscriptionId = "subscriptionId": Integer,
    PortalId = "portalId": Integer,
    AppId = "appId": Integer,
    OccurredAt = "occurredAt": Integer,
    SubscriptionType = "subscriptionType": String,
    AttemptNumber = "attemptNumber": Integer,
    ObjectId = "objectId": Integer,
    ObjectTypeId = "objectTypeId": String,
    ChangeSource = "changeSource": String,
    ChangeFlag = "changeFlag": String,
    SourceId = "sourceId": String,
    PropertyName = "propertyName": String,
    PropertyValue = "propertyValue": String,
    AssociationType = "associationType": String,
    AssociationTypeId = "associationTypeId": Integer,
    AssociationCategory = "associationCategory": String,
    FromObjectTypeId = "fromObjectTypeId": String,
    ToObjectTypeId = "toObjectTypeId": String,
    FromObjectId = "fromObjectId": Integer,
    ToObjectId = "toObjectId": Integer,
    AssociationRemoved = "associationRemoved": Boolean,
    IsPrimaryAssociation = "isPrimaryAssociation": Boolean,
    PrimaryObjectId = "primaryObjectId": Integer,
    MergedObjectIds = "mergedObjectIds": JsonText,
    NewObjectId = "newObjectId": Integer,
    NumberOfPropertiesMoved = "numberOfPropertiesMoved": Integer,
    MessageId = "messageId": String,
    MessageType = "messageType": String,
}

impl KnownField {
    /// Returns the field's name in the payload.
    pub fn name(self) -> &'static str {
        KNOWN_FIELDS[self as usize].0
    }

    pub fn kind(self) -> FieldKind {
        KNOWN_FIELDS[self as usize].1
    }
}

/// Reports whether `text` is 1 to 64 ASCII letters, digits, `-` or `_` (HubSpot sends `0-1`, `2-123`).
pub fn is_valid_object_type_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

/// Reports whether `text` is a lowercase identifier usable as an object type: `[a-z][a-z0-9_]{0,63}`.
pub fn is_plain_identifier(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|&byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}

/// Reports whether a property name can become an object attribute name: `[A-Za-z][A-Za-z0-9_]*`.
///
/// HubSpot internal property names fit, for example `firstname`, `hs_lastactivitydate` and
/// `assignedTo`. Other names stay event attributes only, so no input can produce a name such as
/// pm4py's `ocel:type` columns.
pub fn is_property_attribute_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_alphabetic()
        && bytes
            .iter()
            .all(|&byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

/// Maps a valid object type id to an object type: a standard name, or `object_<id>` for the others.
pub fn object_type_for_id(object_type_id: &str) -> Cow<'static, str> {
    STANDARD_OBJECT_TYPE_IDS
        .iter()
        .find(|(id, _)| *id == object_type_id)
        .map(|(_, name)| Cow::Borrowed(*name))
        .unwrap_or_else(|| Cow::Owned(format!("object_{object_type_id}")))
}

/// Splits a legacy association type such as `LINE_ITEM_TO_DEAL` into its object types
/// (`line_item`, `deal`) at the first `_TO_`, or returns `None` when a side is not a plain identifier.
pub fn association_object_types(association_type: &str) -> Option<(String, String)> {
    let (from, to) = association_type.split_once("_TO_")?;
    // Only ASCII is lowercased: a Unicode-aware lowercase would turn some non-ASCII letters (such as
    // the Kelvin sign) into ASCII ones, and the Python reference must reach the same verdict.
    let from = from.to_ascii_lowercase();
    let to = to.to_ascii_lowercase();
    if !is_plain_identifier(&from) || !is_plain_identifier(&to) {
        return None;
    }
    Some((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn association_types_split_at_first_to() {
        assert_eq!(
            association_object_types("LINE_ITEM_TO_DEAL"),
            Some(("line_item".to_string(), "deal".to_string()))
        );
        assert_eq!(
            association_object_types("CONTACT_TO_COMPANY"),
            Some(("contact".to_string(), "company".to_string()))
        );
        assert_eq!(association_object_types("CONTACT"), None);
        assert_eq!(association_object_types("_TO_DEAL"), None);
        assert_eq!(association_object_types("DEAL_TO_a:b"), None);
    }

    #[test]
    fn known_field_lookup_matches_table() {
        for (index, (name, kind)) in KNOWN_FIELDS.iter().enumerate() {
            let field = known_field(name).expect("every table name is known");
            assert_eq!(field as usize, index, "{name}");
            assert_eq!(field.name(), *name);
            assert_eq!(field.kind(), *kind);
        }
        assert_eq!(known_field("EventId"), None);
        assert_eq!(known_field("extraFields"), None);
    }

    #[test]
    fn object_type_ids_map_to_names() {
        assert_eq!(object_type_for_id("0-1"), "contact");
        assert_eq!(object_type_for_id("0-8"), "line_item");
        assert_eq!(object_type_for_id("2-1234567"), "object_2-1234567");
        assert!(is_valid_object_type_id("0-47"));
        assert!(matches!(
            object_type_for_id("0-2"),
            Cow::Borrowed("company")
        ));
        assert!(!is_valid_object_type_id("0:1"));
        assert!(!is_valid_object_type_id(""));
    }
}
