//! Collects the objects and relationships of one event, each object once.
//!
//! An object id is `hs:<portalId>:portal` for the portal object and `hs:<portalId>:<type>:<id>` for
//! the others. Object types never contain `:` (they are standard names, `object_<type id>` with
//! `[A-Za-z0-9_-]`, or plain identifiers), and every object of an event has the same portal. So two
//! ids are equal exactly when their (type, id) pairs are, and the graph compares those pairs.

use super::ocel::Attribute;
use std::borrow::Cow;
use std::collections::HashMap;

/// Number of objects up to which lookups scan the object list. Larger graphs come from long
/// `mergedObjectIds` arrays, and they switch to a hash map so that each lookup stays O(1).
const LINEAR_LOOKUP_MAX: usize = 16;

/// Identity of an object: its type's index in [`Graph::types`] and its HubSpot id, or `None` for the
/// portal object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectKey<'j> {
    pub type_index: usize,
    pub id: Option<&'j str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object<'j> {
    pub key: ObjectKey<'j>,
    /// Qualifier of the relationship from the event to this object.
    pub qualifier: &'j str,
    /// Attribute values, all stamped with the event time.
    pub attributes: Vec<Attribute<'j>>,
    /// Object-to-object relationships: target position in [`Graph::objects`] and qualifier.
    pub links: Vec<(usize, &'j str)>,
}

/// The objects an event relates to, in insertion order, with their distinct types.
#[derive(Debug, Default)]
pub struct Graph<'j> {
    types: Vec<Cow<'j, str>>,
    /// Type indexes in order of first use by an object.
    used_types: Vec<usize>,
    objects: Vec<Object<'j>>,
    /// Object positions by key, built once the graph has more than [`LINEAR_LOOKUP_MAX`] objects.
    positions: Option<HashMap<ObjectKey<'j>, usize>>,
}

impl<'j> Graph<'j> {
    /// Removes all types and objects but keeps the allocated capacity for the next event.
    pub fn clear(&mut self) {
        self.types.clear();
        self.used_types.clear();
        self.objects.clear();
        self.positions = None;
    }

    /// Returns the index of an object type, adding it on first use.
    pub fn type_index(&mut self, name: Cow<'j, str>) -> usize {
        match self.types.iter().position(|known| *known == name) {
            Some(index) => index,
            None => {
                self.types.push(name);
                self.types.len() - 1
            }
        }
    }

    /// Returns the key of the object `id` of the type at `type_index`.
    pub fn key(type_index: usize, id: &'j str) -> ObjectKey<'j> {
        ObjectKey {
            type_index,
            id: Some(id),
        }
    }

    fn position(&self, key: ObjectKey<'j>) -> Option<usize> {
        match &self.positions {
            Some(positions) => positions.get(&key).copied(),
            None => self.objects.iter().position(|object| object.key == key),
        }
    }

    /// Relates the event to an object, adding the object on first use. An object already related
    /// keeps its first qualifier, because the JSON importer of pm4py 2.7.23.11 keeps one relationship
    /// per (event, object) pair.
    pub fn relate(&mut self, key: ObjectKey<'j>, qualifier: &'j str) {
        if self.position(key).is_some() {
            return;
        }
        if !self.used_types.contains(&key.type_index) {
            self.used_types.push(key.type_index);
        }
        let position = self.objects.len();
        self.objects.push(Object {
            key,
            qualifier,
            attributes: Vec::new(),
            links: Vec::new(),
        });
        match &mut self.positions {
            Some(positions) => {
                positions.insert(key, position);
            }
            None if self.objects.len() > LINEAR_LOOKUP_MAX => {
                let positions = self
                    .objects
                    .iter()
                    .enumerate()
                    .map(|(index, object)| (object.key, index))
                    .collect();
                self.positions = Some(positions);
            }
            None => {}
        }
    }

    /// Adds an object-to-object relationship between two objects the event already relates to.
    pub fn link(&mut self, source: ObjectKey<'j>, target: ObjectKey<'j>, qualifier: &'j str) {
        let (Some(source), Some(target)) = (self.position(source), self.position(target)) else {
            return;
        };
        let links = &mut self.objects[source].links;
        if !links.contains(&(target, qualifier)) {
            links.push((target, qualifier));
        }
    }

    /// Adds an attribute value to an object the event already relates to.
    pub fn add_attribute(&mut self, key: ObjectKey<'j>, attribute: Attribute<'j>) {
        if let Some(position) = self.position(key) {
            self.objects[position].attributes.push(attribute);
        }
    }

    pub fn types(&self) -> &[Cow<'j, str>] {
        &self.types
    }

    /// Returns the type indexes in order of first use by an object.
    pub fn used_types(&self) -> &[usize] {
        &self.used_types
    }

    pub fn objects(&self) -> &[Object<'j>] {
        &self.objects
    }
}
