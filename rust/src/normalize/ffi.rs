//! Python binding of `normalize_batch`, registered in `int_hubspot._native`.

use super::batch::{normalize_batch as normalize, BatchOutput, HEADER_COUNT};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt, PyList, PyString, PyTuple};

/// The last header of one place: its value and the `(name, value)` tuple built for it.
///
/// Records of a batch often repeat a header value (the portal id, `received_at`, `content_type`),
/// and tuples and bytes are immutable, so consecutive records share one tuple for an equal value.
struct CachedHeader<'o, 'py> {
    value: &'o str,
    bytes: Bound<'py, PyBytes>,
    tuple: Bound<'py, PyTuple>,
}

/// Builds the `(name, value)` header tuples of records, reusing the previous record's tuple for a
/// header whose value did not change.
struct HeaderBuilder<'o, 'py> {
    py: Python<'py>,
    names: [Option<Bound<'py, PyString>>; HEADER_COUNT],
    cache: [Option<CachedHeader<'o, 'py>>; HEADER_COUNT],
}

impl<'o, 'py> HeaderBuilder<'o, 'py> {
    fn new(py: Python<'py>) -> Self {
        HeaderBuilder {
            py,
            names: Default::default(),
            cache: Default::default(),
        }
    }

    /// Returns the tuple and the value bytes of the header at `place`.
    fn header(
        &mut self,
        place: usize,
        name: &'static str,
        value: &'o str,
    ) -> PyResult<(Bound<'py, PyTuple>, Bound<'py, PyBytes>)> {
        if let Some(cached) = &self.cache[place] {
            if cached.value == value {
                return Ok((cached.tuple.clone(), cached.bytes.clone()));
            }
        }
        let py = self.py;
        let name = self.names[place].get_or_insert_with(|| PyString::intern(py, name));
        let bytes = PyBytes::new(py, value.as_bytes());
        let tuple = PyTuple::new(py, [name.as_any(), bytes.as_any()])?;
        self.cache[place] = Some(CachedHeader {
            value,
            bytes: bytes.clone(),
            tuple: tuple.clone(),
        });
        Ok((tuple, bytes))
    }
}

fn records_to_python<'py>(py: Python<'py>, output: &BatchOutput) -> PyResult<Bound<'py, PyList>> {
    let mut headers = HeaderBuilder::new(py);
    let mut records = Vec::with_capacity(output.records.len());
    for record in &output.records {
        let mut tuples = Vec::with_capacity(HEADER_COUNT);
        let mut key = None;
        for (place, header) in output.headers(record).into_iter().enumerate() {
            let Some((name, value)) = header else {
                continue;
            };
            let (tuple, bytes) = headers.header(place, name, value)?;
            // The key is the portal id, which is also the first header, so both share one object.
            if place == 0 {
                key = Some(bytes);
            }
            tuples.push(tuple);
        }
        let key = match key {
            Some(bytes) => bytes,
            None => PyBytes::new(py, output.key(record).as_bytes()),
        };
        let record_tuple = PyTuple::new(
            py,
            [
                key.into_any(),
                PyBytes::new(py, output.value(record).as_bytes()).into_any(),
                PyList::new(py, tuples)?.into_any(),
                PyString::new(py, output.event_id(record)).into_any(),
            ],
        )?;
        records.push(record_tuple);
    }
    PyList::new(py, records)
}

/// Converts the pure result into `(records, poison)` as declared in `_native.pyi`.
fn to_python<'py>(
    py: Python<'py>,
    body: &[u8],
    output: &BatchOutput,
) -> PyResult<Bound<'py, PyTuple>> {
    let records = records_to_python(py, output)?;

    let poison = PyList::empty(py);
    let int_type = py.get_type::<PyInt>();
    for item in &output.poison {
        let portal_id = match &item.portal_id {
            Some(digits) => Some(int_type.call1((digits,))?),
            None => None,
        };
        poison.append((
            item.index,
            item.reason,
            &item.detail,
            PyBytes::new(py, &body[item.raw.clone()]),
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
    to_python(py, bytes, &output)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(normalize_batch, m)?)?;
    Ok(())
}
