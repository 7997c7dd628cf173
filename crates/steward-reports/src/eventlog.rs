//! The event log of records for process mining: CSV (one event per line) and XES
//! (IEEE 1849-2016), written as a stream, one case after another.
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use std::io::{self, Write};

/// One event: the case (record number), what happened, when and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub case_id: String,
    pub kind: String,
    pub priority: i64,
    pub activity: String,
    /// RFC 3339, UTC.
    pub timestamp: String,
    pub resource: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    /// The team the case was with after the event (XES `org:group`, CSV `team`).
    pub team: Option<String>,
}

/// The activity process-mining tools see: the status entered for a transition, otherwise
/// the kind of event (created, assignment, reply, note, imported…).
pub fn activity(event: &str, to_status: Option<&str>) -> String {
    match (event, to_status) {
        ("transition", Some(to)) => to.to_owned(),
        (other, _) => other.to_owned(),
    }
}

/// Whether a timeline event is an activity of the case. The `imported` marker is not: it
/// records when Steward read the history (the import's own time, with its source and file),
/// so exporting it would stretch every imported case to the import date. It stays on the
/// record's timeline and in the audit trail; the event log gives back the source's events.
pub fn is_case_activity(event: &str) -> bool {
    event != "imported"
}

/// Follows each case's team through its events, in case order then event order: a created
/// or assignment event of Steward's own names the team by id (`team_id`, `to.team_id`), an
/// imported step by name (`team`); any other event leaves the team as it was.
#[derive(Debug, Default)]
pub struct TeamTrail {
    case: Option<i64>,
    team: Option<String>,
}

impl TeamTrail {
    /// The case's team after this event. `names` gives a team's name by id.
    pub fn step(
        &mut self,
        case: i64,
        detail: Option<&str>,
        names: impl Fn(i64) -> Option<String>,
    ) -> Option<String> {
        if self.case != Some(case) {
            self.case = Some(case);
            self.team = None;
        }
        let detail: Option<serde_json::Value> = detail.and_then(|d| serde_json::from_str(d).ok());
        if let Some(d) = detail {
            if let Some(name) = d.get("team").and_then(|t| t.as_str()) {
                self.team = Some(name.to_owned());
            } else {
                // `created` holds `team_id`, `assignment` `to.team_id`; null clears it.
                let id = d
                    .get("to")
                    .and_then(|to| to.get("team_id"))
                    .or(d.get("team_id"));
                if let Some(id) = id {
                    self.team = id.as_i64().and_then(&names);
                }
            }
        }
        self.team.clone()
    }
}

pub const CSV_HEADER: [&str; 9] = [
    "case_id",
    "activity",
    "timestamp",
    "resource",
    "kind",
    "priority",
    "from_status",
    "to_status",
    "team",
];

/// Writes CSV rows after the header.
pub struct CsvLog<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> CsvLog<W> {
    pub fn new(w: W) -> Result<Self, csv::Error> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(CSV_HEADER)?;
        Ok(Self { out })
    }

    pub fn event(&mut self, r: &LogRow) -> Result<(), csv::Error> {
        self.out.write_record([
            r.case_id.as_str(),
            &r.activity,
            &r.timestamp,
            &r.resource,
            &r.kind,
            &r.priority.to_string(),
            r.from_status.as_deref().unwrap_or(""),
            r.to_status.as_deref().unwrap_or(""),
            r.team.as_deref().unwrap_or(""),
        ])
    }

    pub fn finish(mut self) -> Result<(), csv::Error> {
        self.out.flush()?;
        Ok(())
    }
}

/// Writes an XES log; events must come grouped by case.
pub struct XesLog<W: Write> {
    out: Writer<W>,
    case: Option<String>,
}

fn attr<W: Write>(out: &mut Writer<W>, tag: &str, key: &str, value: &str) -> io::Result<()> {
    let mut e = BytesStart::new(tag);
    e.push_attribute(("key", key));
    e.push_attribute(("value", value));
    out.write_event(Event::Empty(e))
}

impl<W: Write> XesLog<W> {
    pub fn new(w: W, name: &str) -> io::Result<Self> {
        let mut out = Writer::new_with_indent(w, b' ', 1);
        out.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let mut log = BytesStart::new("log");
        log.push_attribute(("xes.version", "1849-2016"));
        log.push_attribute(("xes.features", ""));
        log.push_attribute(("xmlns", "http://www.xes-standard.org/"));
        out.write_event(Event::Start(log))?;
        for (name, prefix) in [
            ("Concept", "concept"),
            ("Time", "time"),
            ("Organizational", "org"),
        ] {
            let mut e = BytesStart::new("extension");
            e.push_attribute(("name", name));
            e.push_attribute(("prefix", prefix));
            let uri = format!("http://www.xes-standard.org/{prefix}.xesext");
            e.push_attribute(("uri", uri.as_str()));
            out.write_event(Event::Empty(e))?;
        }
        let mut global = BytesStart::new("global");
        global.push_attribute(("scope", "trace"));
        out.write_event(Event::Start(global))?;
        attr(&mut out, "string", "concept:name", "__INVALID__")?;
        out.write_event(Event::End(BytesEnd::new("global")))?;
        let mut global = BytesStart::new("global");
        global.push_attribute(("scope", "event"));
        out.write_event(Event::Start(global))?;
        attr(&mut out, "string", "concept:name", "__INVALID__")?;
        attr(&mut out, "date", "time:timestamp", "1970-01-01T00:00:00Z")?;
        out.write_event(Event::End(BytesEnd::new("global")))?;
        let mut classifier = BytesStart::new("classifier");
        classifier.push_attribute(("name", "Activity"));
        classifier.push_attribute(("keys", "concept:name"));
        out.write_event(Event::Empty(classifier))?;
        attr(&mut out, "string", "concept:name", name)?;
        Ok(Self { out, case: None })
    }

    pub fn event(&mut self, r: &LogRow) -> io::Result<()> {
        if self.case.as_deref() != Some(r.case_id.as_str()) {
            if self.case.is_some() {
                self.out.write_event(Event::End(BytesEnd::new("trace")))?;
            }
            self.out
                .write_event(Event::Start(BytesStart::new("trace")))?;
            attr(&mut self.out, "string", "concept:name", &r.case_id)?;
            attr(&mut self.out, "string", "kind", &r.kind)?;
            attr(&mut self.out, "int", "priority", &r.priority.to_string())?;
            self.case = Some(r.case_id.clone());
        }
        self.out
            .write_event(Event::Start(BytesStart::new("event")))?;
        attr(&mut self.out, "string", "concept:name", &r.activity)?;
        attr(&mut self.out, "date", "time:timestamp", &r.timestamp)?;
        attr(&mut self.out, "string", "org:resource", &r.resource)?;
        if let Some(team) = &r.team {
            attr(&mut self.out, "string", "org:group", team)?;
        }
        if let Some(from) = &r.from_status {
            attr(&mut self.out, "string", "from_status", from)?;
        }
        if let Some(to) = &r.to_status {
            attr(&mut self.out, "string", "to_status", to)?;
        }
        self.out.write_event(Event::End(BytesEnd::new("event")))
    }

    pub fn finish(mut self) -> io::Result<W> {
        if self.case.is_some() {
            self.out.write_event(Event::End(BytesEnd::new("trace")))?;
        }
        self.out.write_event(Event::End(BytesEnd::new("log")))?;
        let mut w = self.out.into_inner();
        w.write_all(b"\n")?;
        w.flush()?;
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::Reader;

    fn row(case: &str, activity: &str, at: &str) -> LogRow {
        LogRow {
            case_id: case.into(),
            kind: "incident".into(),
            priority: 3,
            activity: activity.into(),
            timestamp: at.into(),
            resource: "Agent <&> \"Smith\"".into(),
            from_status: None,
            to_status: Some(activity.into()),
            team: Some("Service desk".into()),
        }
    }

    #[test]
    fn the_team_follows_assignments_by_id_and_imported_steps_by_name() {
        let names = |id: i64| (id == 7).then(|| "Network".to_owned());
        let mut trail = TeamTrail::default();
        assert_eq!(
            trail.step(1, Some(r#"{"team_id":null,"major":false}"#), names),
            None
        );
        let moved = r#"{"from":{"team_id":null},"to":{"team_id":7},"reassignment":false}"#;
        assert_eq!(
            trail.step(1, Some(moved), names).as_deref(),
            Some("Network")
        );
        // A reply or transition without a team keeps it.
        assert_eq!(trail.step(1, None, names).as_deref(), Some("Network"));
        assert_eq!(
            trail.step(1, Some(r#"{"changes":{}}"#), names).as_deref(),
            Some("Network")
        );
        // The next case starts without one; an imported step names its team.
        assert_eq!(trail.step(2, None, names), None);
        assert_eq!(
            trail.step(2, Some(r#"{"team":"Desk"}"#), names).as_deref(),
            Some("Desk")
        );
        let unassigned = r#"{"from":{"team_id":7},"to":{"team_id":null}}"#;
        assert_eq!(trail.step(2, Some(unassigned), names), None);
    }

    #[test]
    fn xes_groups_events_into_traces_and_escapes_values() {
        let mut log = XesLog::new(Vec::new(), "test").unwrap();
        log.event(&row("INC-1", "created", "2026-01-01T09:00:00Z"))
            .unwrap();
        log.event(&row("INC-1", "resolved", "2026-01-01T10:00:00Z"))
            .unwrap();
        log.event(&row("INC-2", "created", "2026-01-02T09:00:00Z"))
            .unwrap();
        let xml = String::from_utf8(log.finish().unwrap()).unwrap();
        let mut reader = Reader::from_str(&xml);
        let (mut traces, mut events, mut depth) = (0, 0, 0i32);
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => {
                    depth += 1;
                    match e.name().as_ref() {
                        b"trace" => traces += 1,
                        b"event" => events += 1,
                        _ => {}
                    }
                }
                Event::End(_) => depth -= 1,
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!((traces, events, depth), (2, 3, 0));
        assert!(xml.contains("xes.version=\"1849-2016\""));
        assert!(
            xml.contains("Agent &lt;&amp;&gt; &quot;Smith&quot;"),
            "{xml}"
        );
        assert!(xml.contains(r#"<string key="org:group" value="Service desk"/>"#));
    }

    #[test]
    fn csv_has_a_header_and_one_line_per_event() {
        let mut buf = Vec::new();
        let mut log = CsvLog::new(&mut buf).unwrap();
        log.event(&row("INC-1", "created", "2026-01-01T09:00:00Z"))
            .unwrap();
        log.finish().unwrap();
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert!(
            lines[1].starts_with("INC-1,created,2026-01-01T09:00:00Z,"),
            "{text}"
        );
    }

    #[test]
    fn the_import_marker_is_not_an_activity_of_the_case() {
        assert!(!is_case_activity("imported"));
        assert!(is_case_activity("edited"));
        assert!(is_case_activity("transition"));
    }

    #[test]
    fn transitions_are_named_by_the_status_entered() {
        assert_eq!(activity("transition", Some("resolved")), "resolved");
        assert_eq!(activity("reply", None), "reply");
    }
}
