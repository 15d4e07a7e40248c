//! Collects the objects and relationships of one event, each object once.

use super::ocel::{Attribute, Object, Relationship};
use std::collections::HashMap;

/// The event's relationships and the objects they reach, both in insertion order.
#[derive(Default)]
pub struct Graph {
    relationships: Vec<Relationship>,
    objects: Vec<Object>,
    positions: HashMap<String, usize>,
}

impl Graph {
    /// Relates the event to an object, adding the object on first use. An object already related
    /// keeps its first qualifier, because the JSON importer of pm4py 2.7.23.11 keeps one relationship
    /// per (event, object) pair.
    pub fn relate(&mut self, object_id: &str, object_type: &str, qualifier: &str) {
        if self.positions.contains_key(object_id) {
            return;
        }
        self.positions
            .insert(object_id.to_string(), self.objects.len());
        self.objects.push(Object {
            id: object_id.to_string(),
            object_type: object_type.to_string(),
            attributes: Vec::new(),
            relationships: Vec::new(),
        });
        self.relationships.push(Relationship {
            object_id: object_id.to_string(),
            qualifier: qualifier.to_string(),
        });
    }

    /// Adds an object-to-object relationship between two objects the event already relates to.
    pub fn link(&mut self, source_id: &str, target_id: &str, qualifier: &str) {
        let Some(&position) = self.positions.get(source_id) else {
            return;
        };
        if !self.positions.contains_key(target_id) {
            return;
        }
        let relationships = &mut self.objects[position].relationships;
        if !relationships
            .iter()
            .any(|known| known.object_id == target_id && known.qualifier == qualifier)
        {
            relationships.push(Relationship {
                object_id: target_id.to_string(),
                qualifier: qualifier.to_string(),
            });
        }
    }

    /// Adds an attribute value to an object the event already relates to.
    pub fn add_attribute(&mut self, object_id: &str, attribute: Attribute) {
        if let Some(&position) = self.positions.get(object_id) {
            self.objects[position].attributes.push(attribute);
        }
    }

    pub fn into_parts(self) -> (Vec<Relationship>, Vec<Object>) {
        (self.relationships, self.objects)
    }
}
