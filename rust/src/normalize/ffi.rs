//! Python binding of `normalize_batch`, registered in `int_hubspot._native`.

use super::batch::{normalize_batch as normalize, BatchOutput};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt, PyList, PyTuple};

/// Converts the pure result into `(records, poison)` as declared in `_native.pyi`.
fn to_python<'py>(
    py: Python<'py>,
    body: &[u8],
    output: BatchOutput,
) -> PyResult<Bound<'py, PyTuple>> {
    let records = PyList::empty(py);
    for record in output.records {
        let headers = PyList::empty(py);
        for (name, value) in record.headers {
            headers.append((name, PyBytes::new(py, value.as_bytes())))?;
        }
        records.append((
            PyBytes::new(py, record.key.as_bytes()),
            PyBytes::new(py, record.value.as_bytes()),
            headers,
            record.event_id,
        ))?;
    }

    let poison = PyList::empty(py);
    let int_type = py.get_type::<PyInt>();
    for item in output.poison {
        let portal_id = match item.portal_id {
            Some(digits) => Some(int_type.call1((digits,))?),
            None => None,
        };
        poison.append((
            item.index,
            item.reason,
            item.detail,
            PyBytes::new(py, &body[item.raw]),
            portal_id,
        ))?;
    }
    PyTuple::new(py, [records.into_any(), poison.into_any()])
}

/// Normalize a HubSpot webhook batch into `(records, poison)`; see `int_hubspot._native.normalize_batch`.
#[pyfunction]
#[pyo3(signature = (body, received_at_ms))]
fn normalize_batch<'py>(
    py: Python<'py>,
    body: Bound<'py, PyBytes>,
    received_at_ms: i64,
) -> PyResult<Bound<'py, PyTuple>> {
    let received_at_ms = u64::try_from(received_at_ms).map_err(|_| {
        PyValueError::new_err(format!(
            "received_at_ms must be a non-negative epoch time in milliseconds, got {received_at_ms}"
        ))
    })?;
    let bytes = body.as_bytes();
    // The bytes object is immutable and `body` keeps it alive, so the slice stays valid while other
    // threads run Python code.
    let output = py.detach(|| normalize(bytes, received_at_ms));
    to_python(py, bytes, output)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(normalize_batch, m)?)?;
    Ok(())
}
