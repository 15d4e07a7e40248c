//! Normalization of HubSpot webhook batches into one-event OCEL 2.0 documents.
//!
//! `batch::normalize_batch` is the entry point; `ffi` exposes it to Python. Every function here is
//! pure, and `python/int_hubspot/ocel/` holds a pure-Python reference that must return identical bytes.

pub mod attributes;
pub mod batch;
pub mod event;
pub mod event_id;
pub mod ffi;
pub mod fields;
pub mod graph;
pub mod json_text;
pub mod mapping;
pub mod ocel;
pub mod parse;
pub mod time;
