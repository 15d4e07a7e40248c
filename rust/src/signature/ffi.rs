//! Python binding of `verify_signature`, registered in `int_hubspot._native`.
//!
//! Failures become the classes in `int_hubspot.webhook.errors`, so the native and the pure-Python
//! implementations raise the same types. Configuration bugs become `ValueError` and `TypeError`.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyString, PyType};

use super::error::VerifyError;
use super::verify::{self, SignedRequest, DEFAULT_MAX_AGE_MS};

/// Bodies at least this large are hashed with the GIL released.
///
/// Releasing and taking back the GIL costs a fixed amount per call, and may wake a waiting thread.
/// A batch of a few HubSpot events (about 300 bytes each) hashes in about the time that costs, while
/// a 100-event batch (about 27 KiB) would otherwise hold the GIL for over ten microseconds.
/// NOTE: 4 KiB is an estimate of the crossover point, not a measured one.
const DETACH_MIN_BODY_LEN: usize = 4096;

const ERRORS_MODULE: &str = "int_hubspot.webhook.errors";

static MISSING_SIGNATURE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UNSUPPORTED_VERSION_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static MALFORMED_TIMESTAMP_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMESTAMP_TOO_OLD_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMESTAMP_IN_FUTURE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static SIGNATURE_MISMATCH_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verify_signature, m)?)
}

/// Verify one HubSpot request signature and return the index of the secret that matched.
#[pyfunction]
#[pyo3(signature = (
    *,
    version,
    secrets,
    method,
    uri,
    body,
    signature,
    timestamp,
    now_ms,
    max_age_ms = DEFAULT_MAX_AGE_MS,
))]
#[allow(clippy::too_many_arguments)]
fn verify_signature(
    py: Python<'_>,
    version: &str,
    secrets: &Bound<'_, PyAny>,
    method: &str,
    uri: &str,
    body: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    now_ms: i64,
    max_age_ms: i64,
) -> PyResult<usize> {
    let secrets = extract_secrets(secrets)?;
    let request = SignedRequest {
        method,
        uri,
        body,
        signature,
        timestamp,
    };
    let verify = || verify::verify_signature(version, &secrets, &request, now_ms, max_age_ms);

    let result = if body.len() >= DETACH_MIN_BODY_LEN {
        py.detach(verify)
    } else {
        verify()
    };
    result.map_err(|error| to_py_err(py, error))
}

/// Extracts the list of secrets, rejecting one bytes or str value passed where a list belongs.
///
/// Without the check, a bare `bytes` secret would be read as a sequence of integers.
fn extract_secrets(secrets: &Bound<'_, PyAny>) -> PyResult<Vec<PyBackedBytes>> {
    let is_single_value = secrets.is_instance_of::<PyBytes>()
        || secrets.is_instance_of::<PyByteArray>()
        || secrets.is_instance_of::<PyString>();
    if is_single_value {
        let type_name = secrets.get_type().name()?;
        return Err(PyTypeError::new_err(format!(
            "secrets must be a sequence of bytes values, not {type_name}; wrap one secret in a list"
        )));
    }
    secrets.extract()
}

fn to_py_err(py: Python<'_>, error: VerifyError) -> PyErr {
    let (cell, class_name) = match error {
        VerifyError::NoSecrets
        | VerifyError::EmptySecret { .. }
        | VerifyError::NegativeMaxAge { .. } => return PyValueError::new_err(error.to_string()),
        VerifyError::MissingHeader { .. } => (&MISSING_SIGNATURE_ERROR, "MissingSignatureError"),
        VerifyError::UnsupportedVersion { .. } => {
            (&UNSUPPORTED_VERSION_ERROR, "UnsupportedVersionError")
        }
        VerifyError::MalformedTimestamp { .. } => {
            (&MALFORMED_TIMESTAMP_ERROR, "MalformedTimestampError")
        }
        VerifyError::TimestampTooOld { .. } => (&TIMESTAMP_TOO_OLD_ERROR, "TimestampTooOldError"),
        VerifyError::TimestampInFuture { .. } => {
            (&TIMESTAMP_IN_FUTURE_ERROR, "TimestampInFutureError")
        }
        VerifyError::Mismatch { .. } => (&SIGNATURE_MISMATCH_ERROR, "SignatureMismatchError"),
    };

    match cell.import(py, ERRORS_MODULE, class_name) {
        Ok(class) => PyErr::from_type(class.clone(), error.to_string()),
        Err(import_error) => import_error,
    }
}
