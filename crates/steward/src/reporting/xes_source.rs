//! XES (IEEE 1849) event logs read as rows, streaming: each `<event>` becomes one row whose
//! cells are the event's attributes (`concept:name`, `time:timestamp`, `org:resource`,
//! `lifecycle:transition`, any other key) and its trace's attributes under `case:` (the
//! trace's `concept:name` is `case:concept:name`), in the order of the columns the mapping
//! names. Only top-level attributes count: nested ones (meta-attributes, lists) and the
//! log's `<global>` defaults are passed over. The file is never held whole: one event's
//! attributes are in memory at a time.
use super::import_source::{RawRow, RowSource, SourceError};
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::BufRead;

/// The prefix that names a trace (case) attribute among the columns.
pub const CASE_PREFIX: &str = "case:";

/// XES attribute elements (the typed `<string key=… value=…/>` and friends).
fn is_attribute(tag: &[u8]) -> bool {
    matches!(
        tag,
        b"string" | b"date" | b"int" | b"float" | b"boolean" | b"id" | b"list" | b"container"
    )
}

pub struct XesRows<R: BufRead> {
    xml: quick_xml::Reader<R>,
    buf: Vec<u8>,
    columns: Vec<String>,
    index: HashMap<String, usize>,
    /// Newlines read so far, for line numbers.
    newlines: u64,
    in_trace: bool,
    trace_name: Option<String>,
    /// The current trace's attributes among the columns, by column position.
    case: Vec<Option<String>>,
    /// The current event's cells, while inside `<event>`.
    event: Option<Vec<Option<String>>>,
    event_line: u64,
    /// Events of the current trace so far.
    events_in_trace: u64,
    /// Depth inside an element whose content is passed over (nested attributes, globals).
    skipping: u32,
}

impl<R: BufRead> XesRows<R> {
    /// Reads the events of `input`, presenting the attributes named by `columns`.
    pub fn new(input: R, columns: Vec<String>) -> XesRows<R> {
        let index = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i))
            .collect();
        let width = columns.len();
        XesRows {
            xml: quick_xml::Reader::from_reader(input),
            buf: Vec::new(),
            columns,
            index,
            newlines: 0,
            in_trace: false,
            trace_name: None,
            case: vec![None; width],
            event: None,
            event_line: 0,
            events_in_trace: 0,
            skipping: 0,
        }
    }

    fn fatal(&self, message: impl std::fmt::Display) -> SourceError {
        SourceError::Fatal(anyhow::anyhow!(
            "line {}: not readable as XES (byte {}): {message}",
            self.newlines + 1,
            self.xml.buffer_position()
        ))
    }

    fn emit(&mut self, cells: Vec<Option<String>>, row: &mut RawRow) {
        self.events_in_trace += 1;
        row.line = self.event_line;
        row.place = Some(format!(
            "trace {:?}, event {}",
            self.trace_name.as_deref().unwrap_or("?"),
            self.events_in_trace
        ));
        row.cells.clear();
        for (cell, case) in cells.iter().zip(&self.case) {
            row.cells
                .push_field(cell.as_deref().or(case.as_deref()).unwrap_or(""));
        }
    }
}

/// What one XML event means here, taken out of the read buffer.
enum Step {
    Eof,
    /// An element opens (`empty`: and closes at once, `<x/>`).
    Open {
        tag: Tag,
        empty: bool,
    },
    Close(Tag),
    Other,
}

enum Tag {
    Trace,
    Event,
    /// A typed attribute: its key and value (`Err` when it has no key).
    Attribute(Result<(String, String), String>),
    Log,
    Other,
}

fn tag(e: &BytesStart<'_>, with_attribute: bool) -> Tag {
    match e.local_name().as_ref() {
        b"trace" => Tag::Trace,
        b"event" => Tag::Event,
        b"log" => Tag::Log,
        t if is_attribute(t) && with_attribute => Tag::Attribute(key_value(e)),
        _ => Tag::Other,
    }
}

/// An attribute's `key` and `value`.
fn key_value(e: &BytesStart<'_>) -> Result<(String, String), String> {
    let (mut key, mut value) = (None, None);
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let text = || a.unescape_value().map(|v| v.into_owned());
        match a.key.as_ref() {
            b"key" => key = Some(text().map_err(|e| e.to_string())?),
            b"value" => value = Some(text().map_err(|e| e.to_string())?),
            _ => {}
        }
    }
    Ok((
        key.ok_or("an attribute without a key")?,
        value.unwrap_or_default(),
    ))
}

impl<R: BufRead> RowSource for XesRows<R> {
    fn header(&self) -> &[String] {
        &self.columns
    }

    fn next_row(&mut self, row: &mut RawRow) -> Result<bool, SourceError> {
        loop {
            self.buf.clear();
            let line = self.newlines + 1;
            // Attributes are read only where they count, not inside skipped elements.
            let wanted = self.skipping == 0 && self.in_trace;
            let step = match self.xml.read_event_into(&mut self.buf) {
                Err(e) => return Err(self.fatal(e)),
                Ok(event) => {
                    let raw: &[u8] = match &event {
                        Event::Start(e) | Event::Empty(e) => e,
                        Event::Text(t) | Event::Comment(t) => t,
                        Event::CData(t) => t,
                        _ => &[],
                    };
                    self.newlines += raw.iter().filter(|b| **b == b'\n').count() as u64;
                    match &event {
                        Event::Eof => Step::Eof,
                        Event::Start(e) => Step::Open {
                            tag: tag(e, wanted),
                            empty: false,
                        },
                        Event::Empty(e) => Step::Open {
                            tag: tag(e, wanted),
                            empty: true,
                        },
                        Event::End(e) => Step::Close(match e.local_name().as_ref() {
                            b"trace" => Tag::Trace,
                            b"event" => Tag::Event,
                            _ => Tag::Other,
                        }),
                        _ => Step::Other,
                    }
                }
            };
            match step {
                Step::Eof if self.in_trace => {
                    return Err(self.fatal("the file ends inside a <trace>"));
                }
                Step::Eof => return Ok(false),
                Step::Open { empty: false, .. } if self.skipping > 0 => self.skipping += 1,
                Step::Close(_) if self.skipping > 0 => self.skipping -= 1,
                _ if self.skipping > 0 => {}
                Step::Open {
                    tag: Tag::Trace,
                    empty,
                } if !self.in_trace => {
                    self.in_trace = !empty;
                    self.trace_name = None;
                    self.case.iter_mut().for_each(|c| *c = None);
                    self.events_in_trace = 0;
                }
                Step::Open {
                    tag: Tag::Event,
                    empty,
                } if self.in_trace && self.event.is_none() => {
                    self.event_line = line;
                    let cells = vec![None; self.columns.len()];
                    if empty {
                        self.emit(cells, row);
                        return Ok(true);
                    }
                    self.event = Some(cells);
                }
                Step::Open {
                    tag: Tag::Attribute(attribute),
                    empty,
                } => {
                    let (key, value) = attribute.map_err(|m| self.fatal(m))?;
                    if !empty {
                        // Its children are meta-attributes or list items.
                        self.skipping = 1;
                    }
                    match &mut self.event {
                        Some(cells) => {
                            if let Some(at) = self.index.get(&key) {
                                cells[*at] = Some(value);
                            }
                        }
                        None => {
                            let column = format!("{CASE_PREFIX}{key}");
                            if let Some(at) = self.index.get(&column) {
                                self.case[*at] = Some(value.clone());
                            }
                            if key == "concept:name" {
                                self.trace_name = Some(value);
                            }
                        }
                    }
                }
                Step::Open { tag: Tag::Log, .. } => {}
                // Log-level attributes, extensions, globals, classifiers: passed over.
                Step::Open { empty: false, .. } => self.skipping = 1,
                Step::Close(Tag::Event) => {
                    if let Some(cells) = self.event.take() {
                        self.emit(cells, row);
                        return Ok(true);
                    }
                }
                Step::Close(Tag::Trace) => self.in_trace = false,
                _ => {}
            }
        }
    }
}
