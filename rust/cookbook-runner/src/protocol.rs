//! The `run` command: JSON lines in, one answer line out per request, in request order.

use std::io::{BufRead, Write};

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::runtime::Runtime;

use crate::lines::Lines;
use crate::list::skip_reason;
use crate::patterns::{self, Pattern, Ran};
use crate::signals::ANSWERING;
use crate::validate::FieldError;
use crate::{Failure, json};

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
        let value = json::parse(line).map_err(|error| error.to_string())?;
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
        output: Box<RawValue>,
        /// What the implementation observed, in the pattern's own shape.
        observed: Box<RawValue>,
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

/// Answers one request: the code path of every `run` line. The error is the answer's JSON
/// that could not be written.
pub async fn answer(request: Request) -> serde_json::Result<Answer> {
    let Request { pattern, id, input } = request;
    if let Some(reason) = skip_reason(pattern.slug, &id) {
        return Ok(Answer::Unsupported {
            id,
            reason: reason.to_owned(),
        });
    }
    let run = (pattern.run)(&input);
    // The run holds what it needs: a large input is not kept while it runs.
    drop(input);
    Ok(match run {
        Err(error) => Answer::Error { id, error },
        Ok(run) => {
            let Ran { output, observed } = run.await?;
            Answer::Ok {
                id,
                output,
                observed,
            }
        }
    })
}

/// Answers every line of `input` on `output`, until the end of input or an unusable line.
pub fn run_lines(
    runtime: &Runtime,
    input: impl BufRead,
    output: &mut impl Write,
) -> Result<(), Failure> {
    let mut lines = Lines::new(input);
    while let Some((number, line)) = lines.next_line()? {
        let request = Request::parse(line).map_err(|problem| Failure::unusable(number, problem))?;
        let answer = runtime
            .block_on(answer(request))
            .map_err(|error| Failure::output(error.into()))?;
        write_line(output, &answer)?;
    }
    Ok(())
}

/// Writes one JSON line and flushes it: the harness reads answers as they come. The line is
/// written whole, in one call, while a signal waits for it (see [`crate::signals`]).
///
/// Called outside the runtime: it blocks the thread until the line is written.
pub fn write_line(output: &mut impl Write, value: &impl Serialize) -> Result<(), Failure> {
    let mut line = serde_json::to_vec(value).map_err(|error| Failure::output(error.into()))?;
    line.push(b'\n');
    let _answering = ANSWERING.blocking_lock();
    output
        .write_all(&line)
        .and_then(|()| output.flush())
        .map_err(Failure::output)
}
