//! The `run` command: JSON lines in, one answer line out per request, in request order.

use std::io::{self, BufRead, Write};

use serde::Serialize;
use serde_json::Value;
use tokio::runtime::Runtime;

use crate::Failure;
use crate::list::skip_reason;
use crate::patterns::{self, Pattern, Ran};
use crate::validate::FieldError;

/// One `run` request: a case of a pattern this runner implements.
#[derive(Debug)]
pub struct Request {
    /// The pattern the case belongs to.
    pub pattern: &'static Pattern,
    /// The case's id, echoed in the answer.
    pub id: String,
    /// The case's input, a JSON object, validated by the pattern.
    pub input: Value,
}

impl Request {
    /// Reads one request line. The error says why the whole line is unusable (exit 3); an
    /// invalid field inside `input` is not such an error, it is answered.
    pub fn parse(line: &str) -> Result<Self, String> {
        let value: Value =
            serde_json::from_str(line).map_err(|error| format!("not JSON: {error}"))?;
        let Value::Object(mut fields) = value else {
            return Err("not a JSON object".to_owned());
        };
        let Some(Value::String(id)) = fields.remove("id") else {
            return Err(r#"no string "id""#.to_owned());
        };
        let pattern = patterns::requested(&fields, patterns::find)?;
        let Some(input @ Value::Object(_)) = fields.remove("input") else {
            return Err(r#"no object "input""#.to_owned());
        };
        Ok(Self { pattern, id, input })
    }
}

/// One answer line.
#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Answer {
    /// The case ran.
    Ok {
        /// The case's id.
        id: String,
        /// The pattern's output.
        output: Value,
        /// What the implementation observed, in the pattern's own shape.
        observed: Value,
    },
    /// The case's input is invalid.
    Error {
        /// The case's id.
        id: String,
        /// The first invalid field.
        error: FieldError,
    },
    /// This language skips the case, for the reason in `skips.json`.
    Unsupported {
        /// The case's id.
        id: String,
        /// Why this language does not implement the case.
        reason: String,
    },
}

/// Answers one request: the code path of every `run` line.
pub async fn answer(request: Request) -> Answer {
    let Request { pattern, id, input } = request;
    if let Some(reason) = skip_reason(pattern.slug, &id) {
        return Answer::Unsupported {
            id,
            reason: reason.to_owned(),
        };
    }
    match (pattern.run)(&input) {
        Err(error) => Answer::Error { id, error },
        Ok(run) => {
            let Ran { output, observed } = run.await;
            Answer::Ok {
                id,
                output,
                observed,
            }
        }
    }
}

/// Answers every line of `input` on `output`, until the end of input or an unusable line.
/// Blank lines are skipped but counted, so that line numbers match an editor's.
pub fn run_lines(
    runtime: &Runtime,
    input: impl BufRead,
    output: &mut impl Write,
) -> Result<(), Failure> {
    for (index, line) in input.lines().enumerate() {
        let number = index + 1;
        let line =
            line.map_err(|error| Failure::unusable(number, format!("cannot read: {error}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let request =
            Request::parse(&line).map_err(|problem| Failure::unusable(number, problem))?;
        write_line(output, &runtime.block_on(answer(request)))?;
    }
    Ok(())
}

/// Writes one JSON line and flushes it: the harness reads answers as they come.
pub fn write_line(output: &mut impl Write, value: &impl Serialize) -> Result<(), Failure> {
    serde_json::to_writer(&mut *output, value)
        .map_err(io::Error::from)
        .and_then(|()| output.write_all(b"\n"))
        .and_then(|()| output.flush())
        .map_err(Failure::Output)
}
