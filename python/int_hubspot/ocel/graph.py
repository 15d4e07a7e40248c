"""Collects the objects and relationships of one event, each object once."""

from __future__ import annotations

from int_hubspot.ocel.document import Attribute, Object, Relationship

__all__ = ["Graph"]


class Graph:
    """The event's relationships and the objects they reach, both in insertion order."""

    def __init__(self) -> None:
        self.relationships: list[Relationship] = []
        self.objects: dict[str, Object] = {}

    def relate(self, object_id: str, object_type: str, qualifier: str) -> None:
        """Relate the event to an object, adding the object on first use.

        An object already related keeps its first qualifier, because the JSON importer of pm4py 2.7.23.11
        keeps one relationship per (event, object) pair.
        """
        if object_id in self.objects:
            return
        self.objects[object_id] = Object(id=object_id, object_type=object_type)
        self.relationships.append(Relationship(object_id=object_id, qualifier=qualifier))

    def link(self, source_id: str, target_id: str, qualifier: str) -> None:
        """Add an object-to-object relationship between two objects the event already relates to."""
        source = self.objects.get(source_id)
        if source is None or target_id not in self.objects:
            return
        relationship = Relationship(object_id=target_id, qualifier=qualifier)
        if relationship not in source.relationships:
            source.relationships.append(relationship)

    def add_attribute(self, object_id: str, attribute: Attribute) -> None:
        """Add an attribute value to an object the event already relates to."""
        target = self.objects.get(object_id)
        if target is not None:
            target.attributes.append(attribute)
