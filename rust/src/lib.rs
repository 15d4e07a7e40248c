//! Native core of int-hubspot, exposed to Python as `int_hubspot._native`.
//!
//! The crate holds pure functions only: no I/O, no clock reads (callers pass `now`), no global state.
//! Each concern keeps its pure logic apart from a thin `ffi` module that converts Python values.

use pyo3::prelude::*;

pub mod normalize;
pub mod signature;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    signature::ffi::register(m)?;
    normalize::ffi::register(m)?;
    Ok(())
}
